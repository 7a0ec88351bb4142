//! The graduate system's pages, parsed without IO: the portal's application
//! list, the menu (`/index`), the timetable page and its data.
//!
//! Shapes from public clients (docs/protocol.md §13): every field is read as
//! optional and as number or string; a page that does not read is a
//! [`ParseError`] naming it.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use base64::Engine as _;
use regex::Regex;
use scraper::{Html, Selector};
use serde::Deserialize;
use serde_json::Value;
use xtu_model::weeks::parse_weeks;
use xtu_model::{Course, Timetable};

/// The name the portal gives the graduate system's student side; public
/// clients match it as a substring of `mc`, so a longer name still matches.
pub const APPLICATION_NAME: &str = "研究生系统（学生端）";
/// The same with ASCII brackets, which the portal's editors may type.
const APPLICATION_NAME_ASCII: &str = "研究生系统(学生端)";
/// The menu entry of the student timetable.
pub const TIMETABLE_MENU_TITLE: &str = "学生课表查询";
/// What the timetable link's base64 decodes to (after a fixed prefix).
const TIMETABLE_PAGE_PATH: &str = "pygl/xskbcx/index";
/// The script function that posts the timetable query.
const DATA_FUNCTION: &str = "GetList_ew";

/// The pages this crate reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Page {
    /// The portal's application list (`applicationListByKeyAndRole`).
    Applications,
    /// The graduate system's menu (`/index`).
    Menu,
    /// The timetable page (学生课表查询), which names the data URL.
    TimetablePage,
    /// The timetable data (`{"rows": [...]}`).
    TimetableData,
}

impl Page {
    /// A short name for messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::Applications => "portal application list",
            Self::Menu => "graduate system menu",
            Self::TimetablePage => "graduate timetable page",
            Self::TimetableData => "graduate timetable data",
        }
    }
}

impl std::fmt::Display for Page {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A page that could not be read. Messages hold course metadata at most,
/// never personal data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// Not the page expected (the site may have changed).
    #[error("{page}: {missing} not found (the site may have changed)")]
    UnexpectedPage {
        /// Which page.
        page: Page,
        /// What was looked for.
        missing: String,
    },
    /// A value that is there but malformed.
    #[error("{page}: invalid {field} {value:?} (the site may have changed)")]
    InvalidValue {
        /// Which page.
        page: Page,
        /// Which value.
        field: &'static str,
        /// The value (course metadata).
        value: String,
    },
    /// The data URL answered an error object instead of rows: it belongs to
    /// an older session (the URL changes per session).
    #[error("{page}: the site answered an error ({message})")]
    ErrorAnswer {
        /// Which page.
        page: Page,
        /// The answer's `code` and `msg`, as sent.
        message: String,
    },
}

fn unexpected(page: Page, missing: impl Into<String>) -> ParseError {
    ParseError::UnexpectedPage {
        page,
        missing: missing.into(),
    }
}

/// The URL (`ywxturl`) that opens the graduate system, from the portal's
/// application list (`{"data": [...]}` or a bare list); `None` when the
/// account has no such application (an undergraduate's list).
pub fn graduate_entry(body: &str) -> Result<Option<String>, ParseError> {
    const PAGE: Page = Page::Applications;
    let value: Value =
        serde_json::from_str(body.trim()).map_err(|_| unexpected(PAGE, "a JSON answer"))?;
    let list = match &value {
        Value::Array(list) => list,
        Value::Object(map) => match map.get("data") {
            Some(Value::Array(list)) => list,
            // An empty account answers `"data": null` in some portal versions.
            Some(Value::Null) => return Ok(None),
            _ => return Err(unexpected(PAGE, "the application list (data)")),
        },
        _ => return Err(unexpected(PAGE, "the application list")),
    };
    for app in list {
        let name = app.get("mc").and_then(Value::as_str).unwrap_or_default();
        if !(name.contains(APPLICATION_NAME) || name.contains(APPLICATION_NAME_ASCII)) {
            continue;
        }
        return match app.get("ywxturl").and_then(Value::as_str).map(str::trim) {
            Some(url) if !url.is_empty() => Ok(Some(url.to_owned())),
            _ => Err(unexpected(PAGE, "the graduate system's URL (ywxturl)")),
        };
    }
    Ok(None)
}

/// Decodes a menu link (`/` and base64 of a fixed prefix and the page path);
/// `None` when it is not base64 text.
pub fn decode_menu_link(href: &str) -> Option<String> {
    let encoded = href.trim().trim_start_matches('/');
    let encoded = encoded.split(['?', '#']).next().unwrap_or_default();
    let engines = [
        base64::engine::general_purpose::STANDARD_NO_PAD,
        base64::engine::general_purpose::URL_SAFE_NO_PAD,
    ];
    let trimmed = encoded.trim_end_matches('=');
    engines
        .iter()
        .find_map(|engine| engine.decode(trimmed).ok())
        .and_then(|bytes| String::from_utf8(bytes).ok())
}

/// The link of the timetable page in the menu: the `<a>` titled (or
/// reading) 学生课表查询, else the one whose base64 names
/// `pygl/xskbcx/index`. The href as written (relative to the menu).
pub fn timetable_link(body: &str) -> Result<String, ParseError> {
    static LINKS: LazyLock<Selector> =
        LazyLock::new(|| Selector::parse("a[href]").expect("valid selector"));
    let document = Html::parse_document(body);
    let links: Vec<_> = document.select(&LINKS).collect();
    let titled = links.iter().find(|a| {
        let title = a.value().attr("title").unwrap_or_default().trim();
        let text = a.text().collect::<String>();
        title == TIMETABLE_MENU_TITLE || text.trim() == TIMETABLE_MENU_TITLE
    });
    let by_path = || {
        links.iter().find(|a| {
            a.value()
                .attr("href")
                .and_then(decode_menu_link)
                .is_some_and(|path| path.contains(TIMETABLE_PAGE_PATH))
        })
    };
    titled
        .or_else(by_path)
        .and_then(|a| a.value().attr("href"))
        .map(|href| href.trim().to_owned())
        .filter(|href| !href.is_empty())
        .ok_or_else(|| unexpected(Page::Menu, format!("the menu link {TIMETABLE_MENU_TITLE}")))
}

/// The data URL the timetable page's `GetList_ew()` posts to, as written
/// (usually a path). It changes per session: never cache it across sessions.
pub fn data_url(body: &str) -> Result<String, ParseError> {
    static URL: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"\burl\s*:\s*(?:'([^']+)'|"([^"]+)")"#).expect("valid regex")
    });
    let missing = || {
        unexpected(
            Page::TimetablePage,
            format!("the data URL of {DATA_FUNCTION}()"),
        )
    };
    let start = body
        .find(&format!("function {DATA_FUNCTION}"))
        .ok_or_else(missing)?;
    // The first `url:` after the function's start is its request; a later
    // function's URL is never taken because the search stops at the next
    // `function`.
    let rest = &body[start + DATA_FUNCTION.len()..];
    let end = rest.find("function ").unwrap_or(rest.len());
    let captures = URL.captures(&rest[..end]).ok_or_else(missing)?;
    let url = captures
        .get(1)
        .or_else(|| captures.get(2))
        .map(|m| m.as_str().trim())
        .unwrap_or_default();
    if url.is_empty() {
        return Err(missing());
    }
    Ok(url.to_owned())
}

/// One row of the data: one section (`mc`, `jcid`), one cell per weekday.
#[derive(Deserialize)]
struct Row {
    #[serde(default)]
    mc: Option<Value>,
    #[serde(default)]
    jcid: Option<Value>,
    #[serde(flatten)]
    cells: BTreeMap<String, Value>,
}

/// The section of a row: `Some(n)`, or `None` for 无节次 (no fixed time).
/// XTU names sections 上午1-4, 下午1-4, 晚上1-3 (1-4, 5-8, 9-11); other
/// schools' systems give `jcid` or 第N节.
fn row_section(row: &Row) -> Result<Option<u8>, ParseError> {
    let label = row.mc.as_ref().map(scalar_text).unwrap_or_default();
    let label = label.trim();
    if label.contains("无节次") {
        return Ok(None);
    }
    if let Some(n) = row
        .jcid
        .as_ref()
        .map(scalar_text)
        .and_then(|t| t.trim().parse::<u8>().ok())
        && n > 0
    {
        return Ok(Some(n));
    }
    let invalid = || ParseError::InvalidValue {
        page: Page::TimetableData,
        field: "section (mc)",
        value: label.to_owned(),
    };
    for (part, offset) in [("上午", 0), ("下午", 4), ("晚上", 8)] {
        if let Some(rest) = label.strip_prefix(part) {
            let n: u8 = rest.trim().parse().map_err(|_| invalid())?;
            return if n == 0 {
                Err(invalid())
            } else {
                Ok(Some(offset + n))
            };
        }
    }
    if let Some(rest) = label.strip_prefix('第') {
        let numeral: String = rest.chars().take_while(|c| *c != '节').collect();
        return chinese_number(numeral.trim()).map(Some).ok_or_else(invalid);
    }
    Err(invalid())
}

/// 一 ..= 十九, or ASCII digits.
fn chinese_number(text: &str) -> Option<u8> {
    if let Ok(n) = text.parse::<u8>() {
        return (n > 0).then_some(n);
    }
    const DIGITS: &str = "一二三四五六七八九";
    let digit = |c: char| {
        DIGITS
            .chars()
            .position(|d| d == c)
            .and_then(|i| u8::try_from(i + 1).ok())
    };
    let chars: Vec<char> = text.chars().collect();
    match chars.as_slice() {
        [c] if *c == '十' => Some(10),
        [c] => digit(*c),
        ['十', c] => digit(*c).map(|d| 10 + d),
        _ => None,
    }
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    }
}

/// One course in a cell: `课程(专业)[11-16周]教师[教室]`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    name: String,
    class_name: String,
    weeks_text: String,
    teacher: String,
    location: String,
}

/// Splits a cell into its courses (`<br/>` between them, in any spelling).
fn cell_entries(cell: &str) -> Vec<&str> {
    static BREAK: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?i)<br\s*/?>|\n").expect("valid regex"));
    BREAK
        .split(cell)
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .collect()
}

/// Reads one course of a cell. The week bracket is the first `[...]`
/// holding 周 or digits; before it, the name, and a trailing `(专业)` group
/// which is the class (not a short ordinal like `(一)` or `(2)`, which is
/// part of the name); after it the teacher, then the room in the last
/// brackets (either may be missing).
fn parse_entry(text: &str) -> Result<Entry, ParseError> {
    let invalid = || ParseError::InvalidValue {
        page: Page::TimetableData,
        field: "course cell",
        value: text.to_owned(),
    };
    let text = text.replace(['［', '【'], "[").replace(['］', '】'], "]");
    let mut weeks_at = None;
    let mut search = 0;
    while let Some(open) = text[search..].find('[').map(|i| i + search) {
        let close = text[open..]
            .find(']')
            .map(|i| i + open)
            .ok_or_else(invalid)?;
        let inner = &text[open + 1..close];
        if inner.contains('周') || inner.chars().next().is_some_and(|c| c.is_ascii_digit()) {
            weeks_at = Some((open, close));
            break;
        }
        search = close + 1;
    }
    let (open, close) = weeks_at.ok_or_else(invalid)?;
    let (name, class_name) = split_class(text[..open].trim());
    if name.is_empty() {
        return Err(invalid());
    }
    let weeks_text = text[open + 1..close].trim().to_owned();
    let rest = text[close + 1..].trim();
    let (teacher, location) = match (rest.rfind('['), rest.ends_with(']')) {
        (Some(room_open), true) => (
            rest[..room_open].trim(),
            rest[room_open + 1..rest.len() - 1].trim(),
        ),
        _ => (rest, ""),
    };
    Ok(Entry {
        name: name.to_owned(),
        class_name: class_name.to_owned(),
        weeks_text,
        teacher: teacher.to_owned(),
        location: location.to_owned(),
    })
}

/// `课程(专业（硕士）)` → (`课程`, `专业（硕士）`); brackets ASCII or
/// full-width, nested. A short ordinal group stays in the name.
fn split_class(text: &str) -> (&str, &str) {
    let Some(last) = text.chars().last() else {
        return (text, "");
    };
    if last != ')' && last != '）' {
        return (text, "");
    }
    let mut depth = 0usize;
    for (at, c) in text.char_indices().rev() {
        match c {
            ')' | '）' => depth += 1,
            '(' | '（' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    let name = text[..at].trim();
                    let inner = text[at + c.len_utf8()..text.len() - last.len_utf8()].trim();
                    let ordinal = inner.chars().count() <= 2
                        && inner.chars().all(|c| {
                            c.is_ascii_digit() || "一二三四五六七八九十上下ⅠⅡⅢⅣ".contains(c)
                        });
                    return if name.is_empty() || ordinal {
                        (text, "")
                    } else {
                        (name, inner)
                    };
                }
            }
            _ => {}
        }
    }
    (text, "")
}

/// The timetable of `term` (e.g. `2025-2026-1`) from the data's rows:
/// one course per distinct text in a day's cells, its sections the run of
/// consecutive rows holding it (a course in sections 1-2 and again in 7-8
/// of a day is two courses). 无节次 entries have no sections.
pub fn timetable(body: &str, term: &str) -> Result<Timetable, ParseError> {
    const PAGE: Page = Page::TimetableData;
    let value: Value =
        serde_json::from_str(body.trim()).map_err(|_| unexpected(PAGE, "a JSON answer"))?;
    let rows = match &value {
        Value::Array(_) => value.clone(),
        Value::Object(map) => match map.get("rows") {
            Some(rows @ Value::Array(_)) => rows.clone(),
            Some(Value::Null) => Value::Array(Vec::new()),
            _ if map.contains_key("code") || map.contains_key("msg") => {
                let code = map.get("code").map(scalar_text).unwrap_or_default();
                let msg = map.get("msg").map(scalar_text).unwrap_or_default();
                return Err(ParseError::ErrorAnswer {
                    page: PAGE,
                    message: format!("code {code}: {msg}").trim().to_owned(),
                });
            }
            _ => return Err(unexpected(PAGE, "the rows")),
        },
        _ => return Err(unexpected(PAGE, "the rows")),
    };
    let rows: Vec<Row> =
        serde_json::from_value(rows).map_err(|_| unexpected(PAGE, "rows of sections"))?;
    // (day, entry text) → sections holding it, and the parsed entry.
    let mut seen: BTreeMap<(u8, String), (Entry, Vec<u8>)> = BTreeMap::new();
    let mut unscheduled = Vec::new();
    for row in &rows {
        let section = row_section(row)?;
        for day in 1..=7u8 {
            let Some(cell) = row.cells.get(&format!("z{day}")).map(scalar_text) else {
                continue;
            };
            for text in cell_entries(&cell) {
                let entry = parse_entry(text)?;
                match section {
                    None => unscheduled.push((day, entry)),
                    Some(section) => {
                        seen.entry((day, text.to_owned()))
                            .or_insert_with(|| (entry, Vec::new()))
                            .1
                            .push(section);
                    }
                }
            }
        }
    }
    let mut courses = Vec::new();
    for ((day, _), (entry, mut sections)) in seen {
        sections.sort_unstable();
        sections.dedup();
        let mut run: Vec<u8> = Vec::new();
        for section in sections {
            if run.last().is_some_and(|last| section != last + 1) {
                courses.push(course(&entry, day, std::mem::take(&mut run))?);
            }
            run.push(section);
        }
        if !run.is_empty() {
            courses.push(course(&entry, day, run)?);
        }
    }
    for (day, entry) in unscheduled {
        courses.push(course(&entry, day, Vec::new())?);
    }
    courses.sort_by(|a, b| {
        (
            a.sections.is_empty(),
            a.day_of_week,
            a.sections.first(),
            &a.name,
        )
            .cmp(&(
                b.sections.is_empty(),
                b.day_of_week,
                b.sections.first(),
                &b.name,
            ))
    });
    Ok(Timetable {
        term: term.to_owned(),
        courses,
        practice: Vec::new(),
    })
}

fn course(entry: &Entry, day: u8, sections: Vec<u8>) -> Result<Course, ParseError> {
    let weeks = parse_weeks(&entry.weeks_text).map_err(|_| ParseError::InvalidValue {
        page: Page::TimetableData,
        field: "weeks",
        value: entry.weeks_text.clone(),
    })?;
    Ok(Course {
        name: entry.name.clone(),
        teacher: entry.teacher.clone(),
        location: entry.location.clone(),
        day_of_week: day,
        sections,
        weeks,
        weeks_text: entry.weeks_text.clone(),
        campus: String::new(),
        course_code: String::new(),
        class_name: entry.class_name.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_reads_name_class_weeks_teacher_and_room() {
        let entry = parse_entry("科学计算方法(物理学（硕士）)[11-16周]教师甲[研究生院第三阶梯]")
            .expect("entry");
        assert_eq!(
            entry,
            Entry {
                name: "科学计算方法".into(),
                class_name: "物理学（硕士）".into(),
                weeks_text: "11-16周".into(),
                teacher: "教师甲".into(),
                location: "研究生院第三阶梯".into(),
            }
        );
        let ordinal = parse_entry("英语(二)[1-8,10周] 教师乙").expect("entry");
        assert_eq!(
            (
                ordinal.name.as_str(),
                ordinal.teacher.as_str(),
                ordinal.location.as_str()
            ),
            ("英语(二)", "教师乙", "")
        );
        assert!(parse_entry("没有周次的课程").is_err());
    }

    #[test]
    fn sections_from_xtu_labels_jcid_and_ordinals() {
        let row = |mc: &str, jcid: Option<&str>| Row {
            mc: Some(Value::String(mc.into())),
            jcid: jcid.map(|j| Value::String(j.into())),
            cells: BTreeMap::new(),
        };
        assert_eq!(row_section(&row("上午1", None)), Ok(Some(1)));
        assert_eq!(row_section(&row("下午2", None)), Ok(Some(6)));
        assert_eq!(row_section(&row("晚上3", None)), Ok(Some(11)));
        assert_eq!(row_section(&row("无节次", None)), Ok(None));
        assert_eq!(
            row_section(&row("第十三节 20:40~21:20", None)),
            Ok(Some(13))
        );
        assert_eq!(row_section(&row("anything", Some("7"))), Ok(Some(7)));
        assert!(row_section(&row("中午", None)).is_err());
    }

    #[test]
    fn menu_links_decode() {
        assert_eq!(
            decode_menu_link("/TXlIZWFydFdpbGxHb09ucHlnbC94c2tiY3gvaW5kZXgjMzY0M2I3MDktZTljYy00YWZkLTkyMTMtMTYwMjk0OWQxNTk3")
                .as_deref(),
            Some("MyHeartWillGoOnpygl/xskbcx/index#3643b709-e9cc-4afd-9213-1602949d1597")
        );
        assert_eq!(decode_menu_link("/not base64!"), None);
    }
}
