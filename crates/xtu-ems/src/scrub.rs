//! Personal data out of academic-system pages, for recorded fixtures
//! (`cargo xtask fixtures`) and for a page saved after it failed to parse
//! (so that a user can attach it to a bug report).
//!
//! Two passes, because a page that failed to parse may come without any
//! known value: the personal values known for this account ([`Secrets`]:
//! name, student id, cookies...) are replaced wherever they appear, and
//! whatever looks personal is replaced by pattern whether known or not
//! (profile fields by their `col_` id, personal JSON keys, ID-number-,
//! phone-, student-number- and e-mail-like text, session ids and tickets).
//! Placeholders are the fixed values the constructed fixtures use, so a
//! scrubbed page keeps its structure and still parses.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use regex::{Captures, Regex};
use xtu_model::StudentProfile;
use xtu_sso::CookieJar;

use crate::pages::Page;

/// Name placeholder (the seed's example).
pub const NAME: &str = "张三";
/// Student id placeholder (the seed's example).
pub const STUDENT_ID: &str = "202205561111";
/// Birthday placeholder.
pub const BIRTHDAY: &str = "2004-01-01";
/// National ID number placeholder.
pub const ID_NUMBER: &str = "[ID-NUMBER]";
/// Phone placeholder.
pub const PHONE: &str = "[PHONE]";
/// Address placeholder.
pub const ADDRESS: &str = "[ADDRESS]";
/// E-mail placeholder.
pub const EMAIL: &str = "[EMAIL]";
/// Cookie value placeholder.
pub const COOKIE: &str = "[COOKIE]";
/// Placeholder of tickets and form tokens.
pub const TOKEN: &str = "[TOKEN]";

/// Profile fields (by `col_` id) whose values are personal, and their placeholder.
const PERSONAL_FIELDS: &[(&str, &str)] = &[
    ("xh", STUDENT_ID),
    ("xh_id", STUDENT_ID),
    ("xm", NAME),
    ("ywxm", "Zhang San"),
    ("xmpy", "zhang san"),
    ("cym", NAME),
    ("csrq", BIRTHDAY),
    ("zjhm", ID_NUMBER),
    ("sjhm", PHONE),
    ("jtdh", PHONE),
    ("lxdh", PHONE),
    ("dzyx", EMAIL),
    ("qq", "[QQ]"),
    ("jtdz", ADDRESS),
    ("txdz", ADDRESS),
    ("jtszd", ADDRESS),
    ("hkszd", ADDRESS),
    ("csd", ADDRESS),
    ("jg", ADDRESS),
    ("yzbm", "[POSTCODE]"),
    ("ksh", "[EXAM-NUMBER]"),
];

/// JSON keys whose values are always the student's own (any case): the
/// student header of the timetable (`XH`, `XM`), ids on grade and exam items.
const PERSONAL_JSON_KEYS: &[(&str, &str)] = &[
    ("xh", STUDENT_ID),
    ("xh_id", STUDENT_ID),
    ("xhid", STUDENT_ID),
    ("sfzh", ID_NUMBER),
    ("zjhm", ID_NUMBER),
    ("sjhm", PHONE),
    ("lxdh", PHONE),
    ("jtdh", PHONE),
    ("dzyx", EMAIL),
    ("jtdz", ADDRESS),
    ("txdz", ADDRESS),
    ("csrq", BIRTHDAY),
    ("ksh", "[EXAM-NUMBER]"),
];

/// The personal values known for one account, each with its placeholder,
/// replaced wherever they appear (a page header repeats name and student id
/// without `col_` ids). Debug shows how many, never the values.
#[derive(Default, Clone)]
pub struct Secrets {
    values: Vec<(String, &'static str)>,
    /// Without the profile the student's name is unknown: then `xm`, which is
    /// the student's name on grade and exam items (but a teacher's on
    /// timetable items), is replaced by key too.
    name_known: bool,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Secrets")
            .field("values", &self.values.len())
            .field("name_known", &self.name_known)
            .finish()
    }
}

impl Secrets {
    /// No known value: pages are scrubbed by pattern only.
    pub fn new() -> Self {
        Self::default()
    }

    /// Replaces `value` by `placeholder` wherever it appears. Values too
    /// short to be distinctive are ignored (a gender or a digit would replace
    /// unrelated text everywhere): fewer than three characters, or two
    /// unless both are non-ASCII (a two-character Chinese name is common).
    pub fn add(&mut self, value: &str, placeholder: &'static str) {
        let value = value.trim();
        let chars = value.chars().count();
        let distinctive = chars >= 3 || (chars == 2 && !value.chars().any(|c| c.is_ascii()));
        if distinctive && value != placeholder {
            self.values.push((value.to_owned(), placeholder));
        }
    }

    /// The personal values of a parsed profile (student id, name, English
    /// name, birthday).
    pub fn add_profile(&mut self, profile: &StudentProfile) {
        self.add(&profile.student_id, STUDENT_ID);
        self.add(&profile.name, NAME);
        self.add(&profile.birthday, BIRTHDAY);
        self.name_known = !profile.name.trim().is_empty();
    }

    /// Every cookie value of a session.
    pub fn add_cookies(&mut self, jar: &CookieJar) {
        for cookie in jar.cookies() {
            self.add(&cookie.value, COOKIE);
        }
    }
}

fn regex(pattern: &str) -> Regex {
    Regex::new(pattern).unwrap_or_else(|e| panic!("static regex {pattern:?}: {e}"))
}

/// `id="col_<code>"` ... `<p class="form-control-static">VALUE</p>`
static FIELD: LazyLock<Regex> = LazyLock::new(|| {
    regex(r#"(?s)(id\s*=\s*["']col_([a-z0-9_]+)["'][^>]*>\s*<p[^>]*>)(.*?)(</p>)"#)
});
/// `"key": "value"` (JSON string values, escapes included).
static JSON_STRING: LazyLock<Regex> =
    LazyLock::new(|| regex(r#"("([A-Za-z_]+)"\s*:\s*")((?:[^"\\]|\\.)*)(")"#));
/// `姓名：X` in page headers that carry no `col_` id.
static NAME_LABEL: LazyLock<Regex> =
    LazyLock::new(|| regex(r"(姓\s*名\s*[：:]\s*)([^\s<>：:，,;；()（）]{1,20})"));
/// Session ids in URLs and cookie-like pairs in scripts.
static SESSION_PAIR: LazyLock<Regex> = LazyLock::new(|| {
    regex(r"(?i)((?:jsessionid|route|castgc|iplanetdirectorypro|sessionid)\s*=\s*)[0-9a-z._%-]+")
});
/// CAS tickets (`ST-…`, `TGT-…`) wherever they appear.
static TICKET: LazyLock<Regex> = LazyLock::new(|| regex(r"\b(?:ST|TGT|PGT)-[0-9A-Za-z._-]+"));
/// Hidden form tokens (`csrftoken`, `execution`) by name or id.
static FORM_TOKEN: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r#"(?i)(<input[^>]*(?:name|id)\s*=\s*["'](?:csrftoken|execution|lt|token)["'][^>]*value\s*=\s*["'])([^"']*)(["'])"#,
    )
});
static NATIONAL_ID: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"(^|[^0-9])[1-9][0-9]{5}(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])[0-9]{2}[0-9]{3}[0-9Xx]([^0-9]|$)",
    )
});
static MOBILE: LazyLock<Regex> = LazyLock::new(|| regex(r"(^|[^0-9])1[3-9][0-9]{9}([^0-9]|$)"));
/// XTU student numbers: twelve digits starting with the enrolment year
/// (`2022…`). Bounded by non-alphanumerics so that hex ids are left alone.
static STUDENT_NUMBER: LazyLock<Regex> =
    LazyLock::new(|| regex(r"(^|[^0-9A-Za-z])20[0-9]{10}([^0-9A-Za-z]|$)"));
static E_MAIL: LazyLock<Regex> =
    LazyLock::new(|| regex(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"));

/// `body` with the personal values of `secrets` and everything that looks
/// personal replaced by placeholders.
pub fn scrub(body: &str, secrets: &Secrets) -> String {
    // The page's own personal fields name values that it repeats elsewhere
    // without a marker (a header with the name): replace those everywhere too.
    let mut secrets = secrets.clone();
    harvest(body, &mut secrets);
    let mut text = FIELD
        .replace_all(body, |c: &Captures<'_>| {
            // Exact codes: `jg` is the native place, `jg_id` the college.
            match placeholder_of(PERSONAL_FIELDS, &c[2]) {
                Some(placeholder) => replace_trimmed(c, placeholder),
                None => c[0].to_owned(),
            }
        })
        .into_owned();
    text = JSON_STRING
        .replace_all(&text, |c: &Captures<'_>| {
            match json_placeholder(&c[2], secrets.name_known) {
                Some(placeholder) => replace_trimmed(c, placeholder),
                None => c[0].to_owned(),
            }
        })
        .into_owned();
    // Longest first, so that a value containing another is replaced whole.
    let mut known: Vec<_> = secrets.values.iter().collect();
    known.sort_by_key(|(value, _)| std::cmp::Reverse(value.len()));
    for (value, placeholder) in known {
        text = text.replace(value.as_str(), placeholder);
    }
    let replacements: [(&Regex, String); 8] = [
        (&NAME_LABEL, format!("${{1}}{NAME}")),
        (&SESSION_PAIR, format!("${{1}}{COOKIE}")),
        (&TICKET, TOKEN.to_owned()),
        (&FORM_TOKEN, format!("${{1}}{TOKEN}${{3}}")),
        (&NATIONAL_ID, format!("${{1}}{ID_NUMBER}${{2}}")),
        (&MOBILE, format!("${{1}}{PHONE}${{2}}")),
        (&STUDENT_NUMBER, format!("${{1}}{STUDENT_ID}${{2}}")),
        (&E_MAIL, EMAIL.to_owned()),
    ];
    for (pattern, replacement) in replacements {
        text = pattern
            .replace_all(&text, replacement.as_str())
            .into_owned();
    }
    text
}

/// Groups 1 and 4 kept, the value of group 3 replaced; its surrounding
/// whitespace is kept and an empty value stays empty.
fn replace_trimmed(c: &Captures<'_>, placeholder: &str) -> String {
    let value = &c[3];
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return c[0].to_owned();
    }
    let start = value.len() - value.trim_start().len();
    let end = start + trimmed.len();
    format!(
        "{}{}{placeholder}{}{}",
        &c[1],
        &value[..start],
        &value[end..],
        &c[4]
    )
}

/// Adds the values of the personal fields, keys and labels of `body`.
fn harvest(body: &str, secrets: &mut Secrets) {
    let fields = FIELD
        .captures_iter(body)
        .filter_map(|c| Some((placeholder_of(PERSONAL_FIELDS, &c[2])?, c.get(3)?)));
    let keys = JSON_STRING.captures_iter(body).filter_map(|c| {
        let placeholder = json_placeholder(&c[2], secrets.name_known)?;
        Some((placeholder, c.get(3)?))
    });
    let labels = NAME_LABEL
        .captures_iter(body)
        .filter_map(|c| Some((NAME, c.get(2)?)));
    let found: Vec<_> = fields
        .chain(keys)
        .chain(labels)
        .map(|(placeholder, value)| (placeholder, value.as_str().to_owned()))
        .collect();
    for (placeholder, value) in found {
        secrets.add(&value, placeholder);
    }
}

/// The placeholder of a personal JSON key (any case); `xm` only while the
/// student's name is unknown.
fn json_placeholder(key: &str, name_known: bool) -> Option<&'static str> {
    let key = key.to_ascii_lowercase();
    placeholder_of(PERSONAL_JSON_KEYS, &key)
        .or_else(|| (key == "xm" && !name_known).then_some(NAME))
}

fn placeholder_of(table: &[(&str, &'static str)], key: &str) -> Option<&'static str> {
    table
        .iter()
        .find(|(field, _)| *field == key)
        .map(|(_, placeholder)| *placeholder)
}

/// Saves the body of a page that could not be read, scrubbed, as
/// `failed-<page>-<UTC time>.<ext>` in `dir` (created 0700 when missing), for a
/// bug report; `xtu parse <page> <file>` reproduces the error from it.
/// Returns the file's path. Never overwrites an earlier file.
pub fn save_failed_page(
    dir: &Path,
    page: Page,
    body: &str,
    secrets: &Secrets,
) -> io::Result<PathBuf> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    // A directory made here holds only these pages: the owner's alone.
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)?;
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let stem = format!("failed-{}-{stamp}", page.name());
    let extension = page.fixture_extension();
    let mut path = dir.join(format!("{stem}.{extension}"));
    for n in 2.. {
        if !path.try_exists()? {
            break;
        }
        path = dir.join(format!("{stem}-{n}.{extension}"));
    }
    xtu_sso::private_file::write_private_atomically(&path, scrub(body, secrets).as_bytes())?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_gone(out: &str, leaked: &[&str]) {
        for value in leaked {
            assert!(!out.contains(value), "{value} leaked:\n{out}");
        }
    }

    #[test]
    fn scrubs_fields_header_values_ids_and_phones() {
        let mut secrets = Secrets::new();
        secrets.add("李四光", NAME);
        secrets.add("201905001234", STUDENT_ID);
        let page = r#"<span>李四光(201905001234)</span>
<div class="col-sm-8" id="col_zjhm"><p class="form-control-static">
 430102200001011234 </p></div>
<div id="col_sjhm"><p class="form-control-static">13912345678</p></div>
<div id="col_xbm"><p class="form-control-static">男</p></div>
<a href="x.html;jsessionid=ABC123">x</a> 备注 13800001111。"#;
        let out = scrub(page, &secrets);
        assert_gone(
            &out,
            &[
                "李四光",
                "201905001234",
                "430102200001011234",
                "13912345678",
                "13800001111",
                "ABC123",
            ],
        );
        assert!(out.contains("张三(202205561111)"), "{out}");
        assert!(out.contains(">男</p>"), "{out}");
        assert!(out.contains(ID_NUMBER) && out.contains(PHONE), "{out}");
    }

    #[test]
    fn leaves_long_numbers_that_are_not_personal() {
        let json =
            r#"{"nd":"1732612345678","cdbh":"1011102","jxb_id":"A8F2012345678901CD","zcd":65535}"#;
        assert_eq!(scrub(json, &Secrets::new()), json);
    }

    #[test]
    fn without_known_values_patterns_still_scrub() {
        // A page that failed to parse: nothing about the student is known.
        let page = r#"<html><div id="header">姓名：王小明 学号：201905001234</div>
<div id="col_xm"><p class="form-control-static">王小明</p></div>
<div id="col_jtdz"><p class="form-control-static">湖南省湘潭市雨湖区羊牯塘27号</p></div>
<input type="hidden" id="csrftoken" name="csrftoken" value="a1b2c3d4e5"/>
<script>var u = "/sso/zfiotlogin?ticket=ST-1234-abcdef"; document.cookie = "route=9f8e7d";</script>
联系 wangxm@example.com</html>"#;
        let out = scrub(page, &Secrets::new());
        assert_gone(
            &out,
            &[
                "王小明",
                "201905001234",
                "羊牯塘",
                "a1b2c3d4e5",
                "ST-1234-abcdef",
                "9f8e7d",
                "wangxm@",
            ],
        );
        assert!(out.contains(&format!("姓名：{NAME}")), "{out}");
        assert!(out.contains(ADDRESS) && out.contains(TOKEN) && out.contains(EMAIL));
    }

    #[test]
    fn json_keys_of_the_student_are_scrubbed() {
        let json = r#"{"xsxx":{"XH":"2019-05-001234","XM":"王小明","XNMC":"2025-2026"},
"items":[{"xm":"王小明","xh_id":"S001234","jsxm":"教师甲","sfzh":"43010220010615123X"}]}"#;
        let out = scrub(json, &Secrets::new());
        assert_gone(
            &out,
            &["王小明", "2019-05-001234", "S001234", "43010220010615123X"],
        );
        assert!(out.contains(r#""jsxm":"教师甲""#), "{out}");
        assert!(out.contains(r#""XNMC":"2025-2026""#), "{out}");
        serde_json::from_str::<serde_json::Value>(&out).expect("still JSON");
    }

    #[test]
    fn with_a_known_name_item_names_are_left_to_the_values() {
        // Timetable items name the teacher in `xm`: with the student's name
        // known, only that name is replaced.
        let mut secrets = Secrets::new();
        secrets.add_profile(&StudentProfile {
            student_id: "201905001234".into(),
            name: "王小明".into(),
            ..StudentProfile::default()
        });
        let json = r#"{"kbList":[{"xm":"教师甲"}],"items":[{"xm":"王小明"}]}"#;
        assert_eq!(
            scrub(json, &secrets),
            r#"{"kbList":[{"xm":"教师甲"}],"items":[{"xm":"张三"}]}"#
        );
        assert!(!format!("{secrets:?}").contains("王小明"));
    }

    #[test]
    fn scrubbing_is_idempotent_on_placeholders() {
        let fixture = include_str!("../../../fixtures/ems/student-info.html");
        assert_eq!(scrub(fixture, &Secrets::new()), fixture);
    }

    #[test]
    fn failed_pages_are_saved_scrubbed_private_and_never_overwritten() {
        let dir = tempfile::tempdir().expect("tempdir");
        let state = dir.path().join("state");
        let body = r#"{"items":[{"xm":"王小明","cj":"95"}], "phone":"13912345678"}"#;
        let first = save_failed_page(&state, Page::Grades, body, &Secrets::new()).expect("saved");
        let second = save_failed_page(&state, Page::Grades, body, &Secrets::new()).expect("saved");
        assert_ne!(first, second);
        for path in [&first, &second] {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            assert!(
                name.starts_with("failed-grades-") && name.ends_with(".json"),
                "{name}"
            );
            let saved = fs::read_to_string(path).expect("readable");
            assert_gone(&saved, &["王小明", "13912345678"]);
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt as _;
                let mode = fs::metadata(path).expect("metadata").permissions().mode();
                assert_eq!(mode & 0o777, 0o600, "{name}");
            }
        }
        // No temporary file left behind.
        let entries = fs::read_dir(&state).expect("listed").count();
        assert_eq!(entries, 2);
    }
}
