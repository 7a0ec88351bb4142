//! The upstream toolkit's JSON, key by key and type by type, through the
//! built binary: the commands named after its scripts, used as its scripts
//! are (a token from `sso-login`, entered with `ems-auth`, passed with
//! `--token`). The shapes are recorded in docs/upstream-json.md.

mod common;

use common::{PASSWORD, USER, fake, xtu};
use serde_json::Value;
use xtu_fake::FakeXtu;

/// A JSON type as the upstream's documentation names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Str,
    Int,
    IntList,
    StrPair,
    List,
}

fn kind_of(value: &Value) -> Option<Kind> {
    match value {
        Value::String(_) => Some(Kind::Str),
        Value::Number(n) if n.is_u64() => Some(Kind::Int),
        Value::Array(items) if items.iter().all(|v| v.is_u64()) && !items.is_empty() => {
            Some(Kind::IntList)
        }
        Value::Array(items) if items.len() == 2 && items.iter().all(Value::is_string) => {
            Some(Kind::StrPair)
        }
        Value::Array(_) => Some(Kind::List),
        _ => None,
    }
}

/// The keys of every object of a JSON text in the order printed (the test
/// build's `serde_json::Value` sorts them), objects depth first.
fn key_orders(text: &str) -> Vec<Vec<String>> {
    struct Seed<'a>(&'a mut Vec<Vec<String>>);
    impl<'de> serde::de::DeserializeSeed<'de> for Seed<'_> {
        type Value = ();
        fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_any(self)
        }
    }
    impl<'de> serde::de::Visitor<'de> for Seed<'_> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("JSON")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            let slot = self.0.len();
            self.0.push(Vec::new());
            while let Some(key) = map.next_key::<String>()? {
                self.0[slot].push(key);
                map.next_value_seed(Seed(&mut *self.0))?;
            }
            Ok(())
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            while seq.next_element_seed(Seed(&mut *self.0))?.is_some() {}
            Ok(())
        }
        fn visit_str<E>(self, _: &str) -> Result<(), E> {
            Ok(())
        }
        fn visit_u64<E>(self, _: u64) -> Result<(), E> {
            Ok(())
        }
        fn visit_i64<E>(self, _: i64) -> Result<(), E> {
            Ok(())
        }
        fn visit_f64<E>(self, _: f64) -> Result<(), E> {
            Ok(())
        }
        fn visit_bool<E>(self, _: bool) -> Result<(), E> {
            Ok(())
        }
        fn visit_unit<E>(self) -> Result<(), E> {
            Ok(())
        }
    }
    let mut orders = Vec::new();
    let mut de = serde_json::Deserializer::from_str(text);
    serde::de::DeserializeSeed::deserialize(Seed(&mut orders), &mut de).expect("JSON");
    orders
}

/// Objects depth first. Only the transcript nests objects, under one key,
/// so this is also the printed order.
fn collect_objects<'a>(value: &'a Value, out: &mut Vec<&'a Value>) {
    match value {
        Value::Object(map) => {
            out.push(value);
            map.values().for_each(|member| collect_objects(member, out));
        }
        Value::Array(items) => items.iter().for_each(|item| collect_objects(item, out)),
        _ => {}
    }
}

/// A shape: keys in order, each with its type.
type Shape<'a> = &'a [(&'a str, Kind)];

/// Asserts that every object `text` prints has exactly the keys of one of
/// `shapes` (the one its first key names), in that order, each of its type.
#[track_caller]
fn assert_shapes(text: &str, shapes: &[Shape<'_>]) {
    let value: Value = serde_json::from_str(text).expect("JSON");
    let mut objects = Vec::new();
    collect_objects(&value, &mut objects);
    let orders = key_orders(text);
    assert!(!objects.is_empty(), "no object in {text}");
    assert_eq!(orders.len(), objects.len());
    for (object, keys) in objects.iter().zip(orders) {
        let shape = shapes
            .iter()
            .find(|shape| shape.first().map(|(k, _)| *k) == keys.first().map(String::as_str))
            .unwrap_or_else(|| panic!("no shape for {object}"));
        let expected: Vec<&str> = shape.iter().map(|(key, _)| *key).collect();
        assert_eq!(keys, expected, "keys and their order in {object}");
        for (key, kind) in *shape {
            assert_eq!(
                kind_of(&object[*key]),
                Some(*kind),
                "type of {key:?} in {object}"
            );
        }
    }
}

/// A fake and an academic-system token obtained the upstream's way.
struct Upstream {
    fake: FakeXtu,
    token: String,
}

impl Upstream {
    async fn new() -> Self {
        let fake = fake().await;
        let sso = xtu(
            &fake,
            &["sso-login", "--username", USER, "--compressed"],
            &[("XTU_PASSWORD", PASSWORD)],
            None,
        )
        .await;
        let sso = sso.ok().trim().to_owned();
        let ems = xtu(
            &fake,
            &["ems-auth", "--token", &sso, "--compressed"],
            &[],
            None,
        )
        .await;
        let token = ems.ok().trim().to_owned();
        Self { fake, token }
    }

    /// `xtu <command> --token <token> --compressed <args>`: what it printed.
    async fn text(&self, command: &str, args: &[&str]) -> String {
        let mut all = vec![command, "--token", &self.token, "--compressed"];
        all.extend_from_slice(args);
        xtu(&self.fake, &all, &[], None).await.ok().to_owned()
    }

    /// The same, as JSON.
    async fn json(&self, command: &str, args: &[&str]) -> Value {
        let text = self.text(command, args).await;
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
    }

    fn last_form(&self, page: &str) -> std::collections::HashMap<String, String> {
        self.fake
            .ems_forms(page)
            .pop()
            .unwrap_or_else(|| panic!("no {page} request"))
    }
}

fn list(value: &Value) -> &[Value] {
    value
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {value}"))
}

#[tokio::test]
async fn course_schedule_weeks_and_sections_are_integer_lists() {
    let u = Upstream::new().await;
    let text = u
        .text("course-schedule", &["--year", "2025", "--term", "1"])
        .await;
    assert_shapes(
        &text,
        &[&[
            ("name", Kind::Str),
            ("teacher", Kind::Str),
            ("location", Kind::Str),
            ("weeks", Kind::IntList),
            ("day_of_week", Kind::Int),
            ("sections", Kind::IntList),
        ]],
    );
    let courses: Value = serde_json::from_str(&text).expect("JSON");
    let courses = list(&courses);
    assert_eq!(courses.len(), 6);
    let english = courses
        .iter()
        .find(|c| c["name"] == "大学英语(一)")
        .expect("english");
    // 1-8周,10-16周(双)
    assert_eq!(
        english["weeks"],
        serde_json::json!([1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16])
    );
    assert_eq!(english["sections"], serde_json::json!([3, 4]));
    assert_eq!(english["day_of_week"], 1);
    let policy = courses
        .iter()
        .find(|c| c["name"] == "形势与政策")
        .expect("policy");
    // 3周,7周 and 9-11
    assert_eq!(policy["weeks"], serde_json::json!([3, 7]));
    assert_eq!(policy["sections"], serde_json::json!([9, 10, 11]));
    // No room: "" (the upstream's default), never null.
    let sport = courses
        .iter()
        .find(|c| c["name"] == "体育(一)")
        .expect("sport");
    assert_eq!(sport["location"], "");
    // The upstream's term numbers 1/2 are sent as ZhengFang's codes.
    assert_eq!(u.last_form("timetable")["xqm"], "3");
}

#[tokio::test]
async fn exam_schedule_type_is_the_assessment_and_a_missing_time_is_empty() {
    let u = Upstream::new().await;
    let shape: Shape<'_> = &[
        ("name", Kind::Str),
        ("start_time", Kind::Str),
        ("end_time", Kind::Str),
        ("location", Kind::Str),
        ("type", Kind::Str),
    ];
    let text = u
        .text("exam-schedule", &["--year", "2025", "--term", "1"])
        .await;
    assert_shapes(&text, &[shape]);
    let exams: Value = serde_json::from_str(&text).expect("JSON");
    let exams = list(&exams);
    assert_eq!(exams.len(), 3);
    // 考试/考查 (khfs), not 闭卷/上机 (ksfs).
    let kinds: Vec<&Value> = exams.iter().map(|e| &e["type"]).collect();
    assert_eq!(kinds, ["考试", "考试", "考查"]);
    assert_eq!(exams[0]["start_time"], "2026-01-10 10:30");
    assert_eq!(exams[0]["end_time"], "2026-01-10 12:30");
    assert_eq!(exams[2]["location"], "", "no room yet");

    // An exam the site has not dated: its text, as the upstream prints it.
    u.fake.serve_xhr(
        "exams",
        include_str!("../../../fixtures/ems/exams.undated.json"),
    );
    let text = u
        .text("exam-schedule", &["--year", "2025", "--term", "1"])
        .await;
    assert_shapes(&text, &[shape]);
    let undated: Value = serde_json::from_str(&text).expect("JSON");
    let undated = list(&undated);
    let physics = undated
        .iter()
        .find(|e| e["name"] == "大学物理")
        .expect("the undated exam");
    assert_eq!(physics["start_time"], "待定");
    assert_eq!(physics["end_time"], "待定");

    // No time text at all and no assessment kind: "" and 考试.
    u.fake.serve_xhr(
        "exams",
        r#"{"items":[{"kcmc":"线性代数","kssj":null,"cdmc":null}],"totalPage":1}"#,
    );
    let bare = u
        .json("exam-schedule", &["--year", "2025", "--term", "1"])
        .await;
    assert_eq!(
        bare,
        serde_json::json!([{"name": "线性代数", "start_time": "", "end_time": "",
            "location": "", "type": "考试"}])
    );
}

#[tokio::test]
async fn gpa_rank_takes_the_upstream_flags_and_prints_its_json() {
    let u = Upstream::new().await;
    let text = u.text("gpa-rank", &[]).await;
    assert_shapes(
        &text,
        &[&[
            ("average_score", Kind::Str),
            ("average_gpa", Kind::Str),
            ("class_rank", Kind::Str),
            ("grade_rank", Kind::Str),
            ("terms", Kind::Str),
        ]],
    );
    let gpa: Value = serde_json::from_str(&text).expect("JSON");
    // The site's texts unchanged (85.20, not 85.2).
    assert_eq!(
        gpa,
        serde_json::json!({"average_score": "85.20", "average_gpa": "3.45",
            "class_rank": "5", "grade_rank": "23", "terms": "2001-2002-1 ~ 2030-2031-2"})
    );
    // The upstream's defaults: 2001-1 to 2030-2, every course.
    let form = u.last_form("gpa-rank");
    assert_eq!(form["qsXnxq"], "200103");
    assert_eq!(form["zzXnxq"], "203012");
    assert_eq!(form["xbx"], "");

    // Numbers the site sends as numbers stay numbers, as the upstream
    // passes the site's values through.
    let numbers = u.json("gpa-rank", &["--filter", "Mandatory"]).await;
    assert_eq!(
        numbers,
        serde_json::json!({"average_score": "86.10", "average_gpa": 3.52,
            "class_rank": 4, "grade_rank": "19", "terms": "2001-2002-1 ~ 2030-2031-2"})
    );

    for (filter, xbx) in [("Mandatory", "bx"), ("Elective", "xx"), ("All", "")] {
        let gpa = u
            .json(
                "gpa-rank",
                &[
                    "--start-year",
                    "2022",
                    "--start-term",
                    "2",
                    "--end-year",
                    "2024",
                    "--end-term",
                    "1",
                    "--filter",
                    filter,
                ],
            )
            .await;
        assert_eq!(gpa["terms"], "2022-2023-2 ~ 2024-2025-1");
        let form = u.last_form("gpa-rank");
        assert_eq!(form["qsXnxq"], "202212");
        assert_eq!(form["zzXnxq"], "202403");
        assert_eq!(form["xbx"], xbx, "{filter}");
    }

    // No statistics for the range: {} as the upstream prints.
    u.fake.serve_xhr(
        "gpa-rank",
        include_str!("../../../fixtures/ems/gpa-rank.empty.json"),
    );
    assert_eq!(u.json("gpa-rank", &[]).await, serde_json::json!({}));
}

#[tokio::test]
async fn gpa_rank_refuses_what_the_upstream_refuses() {
    let u = Upstream::new().await;
    for args in [
        &["--start-term", "3"][..],
        &["--end-term", "0"],
        &["--filter", "mandatory"],
        &["--start-year", "twenty"],
    ] {
        let mut all = vec!["gpa-rank", "--token", &u.token];
        all.extend_from_slice(args);
        let run = xtu(&u.fake, &all, &[], None).await;
        assert_eq!(run.code, 2, "{args:?}: {run:#?}");
        assert!(run.stdout.is_empty(), "{run:#?}");
    }
    // A range running backwards is named before any request.
    let before = u.fake.ems_forms("gpa-rank").len();
    let mut all = vec!["gpa-rank", "--token", &u.token];
    all.extend_from_slice(&["--start-year", "2025", "--end-year", "2024"]);
    let run = xtu(&u.fake, &all, &[], None).await;
    assert!(run.fails_with(2).contains("2025-2026-1"), "{run:#?}");
    assert_eq!(u.fake.ems_forms("gpa-rank").len(), before);
}

#[tokio::test]
async fn the_seed_scripts_shapes() {
    let u = Upstream::new().await;
    assert_shapes(
        &u.text("student-info", &[]).await,
        &[&[
            ("student_id", Kind::Str),
            ("name", Kind::Str),
            ("gender", Kind::Str),
            ("birthday", Kind::Str),
            ("entrance_day", Kind::Str),
            ("major", Kind::Str),
            ("class", Kind::Str),
            ("college", Kind::Str),
        ]],
    );
    assert_shapes(
        &u.text("teaching-calendar", &[]).await,
        &[&[
            ("term_id", Kind::Str),
            ("start_date", Kind::Str),
            ("end_date", Kind::Str),
        ]],
    );
    let rooms = u
        .json(
            "classroom-availability",
            &[
                "--year",
                "2025",
                "--term",
                "1",
                "--weeks",
                "1",
                "2",
                "--day-of-week",
                "1",
                "--sections",
                "1",
                "2",
            ],
        )
        .await;
    assert!(!list(&rooms).is_empty());
    assert!(list(&rooms).iter().all(Value::is_string), "{rooms}");

    let text = u.text("transcript", &[]).await;
    assert_shapes(
        &text,
        &[
            &[
                ("college", Kind::Str),
                ("major", Kind::Str),
                ("student_id", Kind::Str),
                ("name", Kind::Str),
                ("scores", Kind::List),
                ("average_score", Kind::Str),
                ("gpa", Kind::Str),
                ("total_credit", Kind::StrPair),
                ("compulsory_credit", Kind::StrPair),
                ("elective_credit", Kind::StrPair),
                ("cross_course_credit", Kind::StrPair),
            ],
            &[
                ("name", Kind::Str),
                ("type", Kind::Str),
                ("credit", Kind::Str),
                ("score", Kind::Str),
                ("term", Kind::Int),
            ],
        ],
    );
    let transcript: Value = serde_json::from_str(&text).expect("JSON");
    assert!(!list(&transcript["scores"]).is_empty());
}
