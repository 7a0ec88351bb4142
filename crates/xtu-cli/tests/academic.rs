//! Timetable, exams, grades, GPA and the calendar export through the built
//! binary against the fake XTU, on a stored session.

mod common;

use std::collections::{BTreeSet, HashMap};

use common::session::Session;
use common::{PASSWORD, USER, fake, xtu};
use serde_json::Value;
use xtu_fake::System;

impl Session {
    async fn new() -> Self {
        Session::login(fake().await, USER).await
    }

    /// A successful run's JSON, whose standard error says `warning` (and
    /// nothing else).
    async fn json_warned(&self, args: &[&str], warning: &str) -> Value {
        let run = self.run(args).await;
        assert_eq!(run.code, 0, "{run:#?}");
        assert_eq!(
            run.stderr.trim_end(),
            format!("warning: {warning}"),
            "{run:#?}"
        );
        serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {run:#?}"))
    }

    fn last_form(&self, page: &str) -> HashMap<String, String> {
        self.fake
            .ems_forms(page)
            .pop()
            .unwrap_or_else(|| panic!("no {page} request"))
    }
}

#[tokio::test]
async fn timetable_expands_weeks_and_sends_the_term_code() {
    let s = Session::new().await;
    let before = s.fake.requests().len();
    let timetable = s
        .json(&[
            "timetable",
            "--year",
            "2025",
            "--term",
            "1",
            "--format",
            "json",
        ])
        .await;
    assert_eq!(s.fake.requests().len() - before, 1, "one request when warm");
    let form = s.last_form("timetable");
    assert_eq!(form.get("xnm").map(String::as_str), Some("2025"));
    assert_eq!(form.get("xqm").map(String::as_str), Some("3"));
    assert_eq!(timetable["term"], "2025-2026-1");
    let english = timetable["courses"]
        .as_array()
        .expect("courses")
        .iter()
        .find(|c| c["name"] == "大学英语(一)")
        .expect("english");
    assert_eq!(
        english["weeks"],
        serde_json::json!([1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16])
    );
    assert_eq!(timetable["practice"].as_array().map(Vec::len), Some(2));

    // Another term: an empty timetable, not an error, and said.
    let spring = s
        .json_warned(
            &[
                "timetable",
                "--year",
                "2025",
                "--term",
                "2",
                "--format",
                "json",
            ],
            "no classes in 2025-2026-2; the academic system's current term is 2025-2026-1 \
             (year 2025, term 1)",
        )
        .await;
    assert_eq!(spring["courses"], serde_json::json!([]));
    assert_eq!(
        s.last_form("timetable").get("xqm").map(String::as_str),
        Some("12")
    );

    // The upstream's shape, site texts passed through.
    let compat = s
        .run(&["course-schedule", "--year", "2025", "--term", "1"])
        .await;
    insta::assert_snapshot!("course-schedule", compat.ok());

    let table = s
        .run(&[
            "timetable",
            "--year",
            "2025",
            "--term",
            "1",
            "--format",
            "table",
        ])
        .await;
    insta::assert_snapshot!("timetable-table", table.ok());
}

#[tokio::test]
async fn exams_use_zhengfang_term_codes_not_the_upstreams() {
    let s = Session::new().await;
    let exams = s
        .json(&["exams", "--year", "2025", "--term", "1", "--format", "json"])
        .await;
    let form = s.last_form("exams");
    assert_eq!(form.get("xqm").map(String::as_str), Some("3"));
    assert_eq!(form.get("xnm").map(String::as_str), Some("2025"));
    let exams = exams.as_array().expect("a list");
    assert_eq!(exams.len(), 3);
    assert_eq!(exams[0]["date"], "2026-01-10");
    assert_eq!(exams[0]["start"], "10:30:00");
    assert_eq!(exams[2]["location"], Value::Null, "no room yet");

    let compat = s
        .run(&["exam-schedule", "--year", "2025", "--term", "1"])
        .await;
    insta::assert_snapshot!("exam-schedule", compat.ok());

    let spring = s
        .json_warned(
            &["exam-schedule", "--year", "2025", "--term", "2"],
            "no exams in 2025-2026-2; the academic system's current term is 2025-2026-1 \
             (year 2025, term 1)",
        )
        .await;
    assert_eq!(spring, serde_json::json!([]));
    assert_eq!(
        s.last_form("exams").get("xqm").map(String::as_str),
        Some("12")
    );

    let all = s.json(&["exams", "--all", "--format", "json"]).await;
    assert_eq!(all.as_array().map(Vec::len), Some(3));
    let form = s.last_form("exams");
    assert_eq!(form.get("xqm").map(String::as_str), Some(""));

    let table = s
        .run(&[
            "exams", "--year", "2025", "--term", "1", "--format", "table",
        ])
        .await;
    insta::assert_snapshot!("exams-table", table.ok());
}

#[tokio::test]
async fn grades_of_every_page_in_order() {
    let s = Session::new().await;
    s.fake.ems_page_size(2);
    let before = s
        .fake
        .count(System::Ems, "POST", "/jwglxt/cjcx/cjcx_cxXsgrcj.html");
    let grades = s.json(&["grades", "--all", "--format", "json"]).await;
    assert_eq!(
        s.fake
            .count(System::Ems, "POST", "/jwglxt/cjcx/cjcx_cxXsgrcj.html")
            - before,
        3,
        "six grades in pages of two"
    );
    let courses: Vec<&str> = grades
        .as_array()
        .expect("a list")
        .iter()
        .map(|g| g["course"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        courses,
        [
            "高等数学A(一)",
            "大学英语(一)",
            "程序设计基础",
            "程序设计基础",
            "音乐欣赏",
            "形势与政策"
        ]
    );
    let form = s.last_form("grades");
    assert_eq!(
        form.get("queryModel.sortName").map(String::as_str),
        Some("")
    );

    let term = s
        .json(&[
            "grades", "--year", "2024", "--term", "1", "--format", "json",
        ])
        .await;
    assert_eq!(term.as_array().map(Vec::len), Some(3));

    let table = s.run(&["grades", "--all", "--format", "table"]).await;
    insta::assert_snapshot!("grades-table", table.ok());
}

#[tokio::test]
async fn watch_diff_reports_only_what_changed_with_its_exit_code() {
    let s = Session::new().await;
    let first = s.run(&["grades", "--watch-diff", "--format", "json"]).await;
    assert_eq!(first.code, 1, "{first:#?}");
    let changes: Value = serde_json::from_str(&first.stdout).expect("json");
    assert_eq!(changes.as_array().map(Vec::len), Some(6));
    assert!(
        changes
            .as_array()
            .expect("list")
            .iter()
            .all(|c| c["change"] == "new")
    );

    let second = s.run(&["grades", "--watch-diff", "--format", "json"]).await;
    assert_eq!(second.code, 0, "{second:#?}");
    assert_eq!(second.stdout.trim(), "[]");

    // Pretend the last run saw one grade fewer and another one different.
    let saved = s.dir.path().join("grades").join(format!("{USER}.json"));
    let mut grades: Vec<Value> =
        serde_json::from_slice(&std::fs::read(&saved).expect("saved grades")).expect("json");
    grades.pop();
    grades[1]["score"] = "60".into();
    std::fs::write(&saved, serde_json::to_vec(&grades).expect("json")).expect("write");

    let third = s.run(&["grades", "--watch-diff", "--format", "json"]).await;
    assert_eq!(third.code, 1, "{third:#?}");
    let changes: Value = serde_json::from_str(&third.stdout).expect("json");
    let summary: Vec<(String, String)> = changes
        .as_array()
        .expect("list")
        .iter()
        .map(|c| (c["change"].to_string(), c["grade"]["course"].to_string()))
        .collect();
    assert_eq!(
        summary,
        [
            ("\"changed\"".into(), "\"大学英语(一)\"".into()),
            ("\"new\"".into(), "\"形势与政策\"".into())
        ]
    );
    assert_eq!(changes[0]["before"]["score"], "60");

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&saved)
            .expect("stat")
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600, "grades are personal");
    }
}

#[tokio::test]
async fn gpa_from_the_ranking_with_a_local_cross_check() {
    let s = Session::new().await;
    let report = s
        .json(&[
            "gpa",
            "--from",
            "2024-1",
            "--to",
            "2024-2",
            "--compulsory-only",
            "--format",
            "json",
        ])
        .await;
    let form = s.last_form("gpa-rank");
    assert_eq!(form.get("qsXnxq").map(String::as_str), Some("202403"));
    assert_eq!(form.get("zzXnxq").map(String::as_str), Some("202412"));
    assert_eq!(form.get("xbx").map(String::as_str), Some("bx"));
    // The compulsory courses' own statistics, not those of every course.
    assert_eq!(report["ranking"]["gpa"], 3.52);
    assert_eq!(report["ranking"]["class_rank"], "4");
    // (4.2×5 + 2.8×3 + 3.1×3.5) / 11.5: the retake's better grade counts,
    // the elective and the pass/fail course without a grade point do not.
    assert_eq!(report["computed"]["gpa"], 3.5);
    assert_eq!(report["computed"]["credits"], 11.5);
    assert_eq!(report["computed"]["courses"], 3);

    // The table's site line follows the flag, with two decimals.
    let site_line = |text: &str| {
        text.lines()
            .find(|line| line.starts_with("site:"))
            .unwrap_or_default()
            .to_owned()
    };
    let all = s.run(&["gpa", "--format", "table"]).await;
    let compulsory = s
        .run(&["gpa", "--compulsory-only", "--format", "table"])
        .await;
    assert_eq!(
        site_line(all.ok()),
        "site:     GPA 3.45, average score 85.2, class rank 5, major rank 23"
    );
    assert_eq!(
        site_line(compulsory.ok()),
        "site:     GPA 3.52, average score 86.1, class rank 4, major rank 19"
    );
    assert!(
        compulsory.ok().contains("compulsory courses only"),
        "{compulsory:#?}"
    );

    let backwards = s.run(&["gpa", "--from", "2025-1", "--to", "2024-1"]).await;
    assert!(
        backwards.fails_with(2).contains("2025-2026-1"),
        "{backwards:#?}"
    );
}

/// One VEVENT read back by the independent parser.
#[derive(Debug)]
struct Event {
    uid: String,
    summary: String,
    start: String,
    start_tzid: Option<String>,
    end: String,
    alarms: usize,
}

fn read_ics(text: &str) -> Vec<Event> {
    let mut reader = ical::IcalParser::new(text.as_bytes());
    let calendar = reader
        .next()
        .expect("one calendar")
        .expect("a valid calendar");
    assert!(reader.next().is_none(), "exactly one calendar");
    assert_eq!(calendar.timezones.len(), 1);
    calendar
        .events
        .iter()
        .map(|event| {
            let property = |name: &str| {
                event
                    .properties
                    .iter()
                    .find(|p| p.name == name)
                    .unwrap_or_else(|| panic!("{name} missing"))
            };
            let tzid = property("DTSTART")
                .params
                .as_ref()
                .and_then(|params| params.iter().find(|(k, _)| k == "TZID"))
                .and_then(|(_, v)| v.first().cloned());
            Event {
                uid: property("UID").value.clone().unwrap_or_default(),
                summary: property("SUMMARY").value.clone().unwrap_or_default(),
                start: property("DTSTART").value.clone().unwrap_or_default(),
                start_tzid: tzid,
                end: property("DTEND").value.clone().unwrap_or_default(),
                alarms: event.alarms.len(),
            }
        })
        .collect()
}

#[tokio::test]
async fn the_ics_export_reads_back_with_real_dates_and_stable_uids() {
    let s = Session::new().await;
    let run = s.run(&["export", "ics", "--alarm", "25m"]).await;
    let text = run.ok();
    assert!(text.starts_with("BEGIN:VCALENDAR\r\n"), "CRLF lines");
    assert!(
        text.split("\r\n").all(|line| line.len() <= 75),
        "lines folded at 75 octets"
    );
    let events = read_ics(text);
    let timezone = text
        .split("BEGIN:VTIMEZONE")
        .nth(1)
        .and_then(|rest| rest.split("END:VTIMEZONE").next())
        .expect("a VTIMEZONE");
    assert!(timezone.contains("TZID:Asia/Shanghai"), "{timezone}");
    for forbidden in ["UID", "DTSTAMP"] {
        assert!(
            !timezone.contains(forbidden),
            "RFC 5545: no {forbidden} in VTIMEZONE"
        );
    }

    // Weekly meetings: 16 + 12 + 8 + 8 + 2 + 16 in the fixture, plus 3 exams.
    assert_eq!(events.len(), 62 + 3, "{events:#?}");
    let uids: BTreeSet<&str> = events.iter().map(|e| e.uid.as_str()).collect();
    assert_eq!(uids.len(), events.len(), "UIDs are unique");
    assert!(
        events
            .iter()
            .all(|e| e.start_tzid.as_deref() == Some("Asia/Shanghai"))
    );
    assert!(events.iter().all(|e| e.alarms == 1));

    let starts = |summary: &str| -> Vec<(String, String)> {
        events
            .iter()
            .filter(|e| e.summary == summary)
            .map(|e| (e.start.clone(), e.end.clone()))
            .collect()
    };
    // Monday of week 1 is the term's first day, sections 1-2 (08:00-09:40).
    assert_eq!(
        starts("高等数学A(一)").first().cloned(),
        Some(("20250901T080000".into(), "20250901T094000".into()))
    );
    // Sections 5-6 on Wednesdays of odd weeks: summer times in September,
    // winter times from October.
    let programming = starts("程序设计基础");
    assert!(programming.contains(&("20250903T143000".into(), "20250903T161000".into())));
    assert!(programming.contains(&("20251015T140000".into(), "20251015T154000".into())));
    assert_eq!(
        starts("考试: 高等数学A(一)"),
        [("20260110T103000".into(), "20260110T123000".into())]
    );

    // A second export updates rather than duplicates: same UIDs.
    let again = s.run(&["export", "ics", "--exams"]).await;
    let exam_uids: BTreeSet<String> = read_ics(again.ok()).into_iter().map(|e| e.uid).collect();
    assert_eq!(exam_uids.len(), 3);
    assert!(exam_uids.iter().all(|uid| uids.contains(uid.as_str())));
}

/// Practice courses as ZhengFang V9 sends them (teachers in `jsxm`, weeks in
/// `qsjsz` or after the `/` of the description, `(共16周)` a count) and a
/// header without the term's name, through the built binary.
#[tokio::test]
async fn practice_courses_read_as_the_real_site_writes_them() {
    let fake = fake().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().to_string_lossy().into_owned();
    let env = [("XTU_STATE_DIR", state.as_str())];
    let login = xtu(
        &fake,
        &["login", "--username", USER],
        &[("XTU_STATE_DIR", &state), ("XTU_PASSWORD", PASSWORD)],
        None,
    )
    .await;
    assert_eq!(login.code, 0, "{login:#?}");
    let run = xtu(
        &fake,
        &[
            "timetable",
            "--year",
            "2024",
            "--term",
            "2",
            "--format",
            "json",
        ],
        &env,
        None,
    )
    .await;
    let timetable: Value = serde_json::from_str(run.ok()).expect("JSON");
    assert_eq!(timetable["term"], "2024-2025-2", "{timetable}");
    let design = timetable["practice"]
        .as_array()
        .and_then(|p| p.iter().find(|c| c["name"] == "课程设计（数据库）"))
        .expect("the design course");
    assert_eq!(design["teacher"], "教师卯,教师辰", "{design}");
    let weeks: Vec<u64> = design["weeks"]
        .as_array()
        .expect("weeks")
        .iter()
        .filter_map(Value::as_u64)
        .collect();
    assert_eq!(weeks, (1..=16).collect::<Vec<u64>>(), "1-16, not week 16");
}

#[tokio::test]
async fn the_week_grid_piped_and_as_json_and_the_list_unchanged() {
    let s = Session::new().await;
    let term = ["--year", "2025", "--term", "1"];
    // Piped, without --week: the JSON list as before.
    let list = s
        .json(&["timetable", term[0], term[1], term[2], term[3]])
        .await;
    assert!(list["courses"].is_array(), "{list:#}");
    // Piped, with --week: the grid, at $COLUMNS (80 here).
    let run = s
        .run_with(
            &[
                "timetable",
                "--week",
                "3",
                term[0],
                term[1],
                term[2],
                term[3],
            ],
            None,
        )
        .await;
    let grid = run.ok();
    assert!(grid.contains("2025-2026-1 week 3"), "{grid}");
    // 军事技能 is taught in weeks 1-2 only: not a practice course of week 3.
    assert!(!grid.contains("军事技能"), "{grid}");
    let first = s
        .run_with(
            &[
                "timetable",
                "--week",
                "1",
                term[0],
                term[1],
                term[2],
                term[3],
            ],
            None,
        )
        .await;
    assert!(first.ok().contains("practice: 军事技能"), "{first:#?}");
    for line in grid.lines().filter(|l| l.contains('│')) {
        assert!(unicode_width::UnicodeWidthStr::width(line) <= 80, "{line}");
    }
    let week = s
        .json(&[
            "timetable",
            "--week",
            "3",
            "--format",
            "json",
            term[0],
            term[1],
            term[2],
            term[3],
        ])
        .await;
    assert_eq!(week["week"], 3, "{week:#}");
    let courses = week["courses"].as_array().expect("courses");
    assert!(!courses.is_empty(), "{week:#}");
    for course in courses {
        let weeks = course["weeks"].as_array().expect("weeks");
        assert!(weeks.contains(&Value::from(3)), "{course:#}");
        let name = course["name"].as_str().expect("name");
        let shown: String = name.chars().take(3).collect();
        assert!(grid.contains(&shown), "{name} not in the grid:\n{grid}");
    }
    // Week 0 does not exist; weeks run to the same limit as for rooms.
    for (week, rooms_week) in [("0", "0"), ("26", "26")] {
        let run = s
            .run_with(
                &[
                    "timetable",
                    "--week",
                    week,
                    term[0],
                    term[1],
                    term[2],
                    term[3],
                ],
                None,
            )
            .await;
        assert_eq!(run.code, 2, "{run:#?}");
        assert!(run.stderr.contains("expected 1..=25"), "{run:#?}");
        let rooms = s
            .run(&[
                "rooms",
                "--week",
                rooms_week,
                "--day",
                "1",
                "--sections",
                "1-2",
            ])
            .await;
        assert_eq!(rooms.code, 2, "{rooms:#?}");
        assert!(rooms.stderr.contains("expected 1..=25"), "{rooms:#?}");
    }
}

#[tokio::test]
async fn the_wakeup_export_reads_back_with_every_class_block_and_names_what_it_leaves_out() {
    let s = Session::new().await;
    let term = ["--year", "2025", "--term", "1"];
    let timetable = s
        .json(&["timetable", term[0], term[1], term[2], term[3]])
        .await;
    let run = s
        .run(&["export", "wakeup", term[0], term[1], term[2], term[3]])
        .await;
    assert_eq!(run.code, 0, "{run:#?}");
    let text = run
        .stdout
        .strip_prefix('\u{feff}')
        .expect("UTF-8 with a BOM");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(header, xtu_app::WAKEUP_HEADER);
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    let courses = timetable["courses"].as_array().expect("courses");
    assert_eq!(rows.len(), courses.len(), "{}", run.stdout);
    for (row, course) in rows.iter().zip(courses) {
        assert_eq!(&row[0], course["name"].as_str().expect("name"));
        assert_eq!(row[1].parse::<u64>().ok(), course["day_of_week"].as_u64());
        let sections = course["sections"].as_array().expect("sections");
        assert_eq!(
            row[2].parse::<u64>().ok(),
            sections.first().and_then(Value::as_u64)
        );
        assert_eq!(
            row[3].parse::<u64>().ok(),
            sections.last().and_then(Value::as_u64)
        );
        let weeks: Vec<u8> = course["weeks"]
            .as_array()
            .expect("weeks")
            .iter()
            .filter_map(|w| w.as_u64().and_then(|w| u8::try_from(w).ok()))
            .collect();
        assert_eq!(xtu_app::parse_wakeup_weeks(&row[6]), Ok(weeks), "{row:?}");
    }
    let practice = timetable["practice"].as_array().expect("practice");
    assert!(!practice.is_empty(), "the fixture has practice courses");
    for course in practice {
        let name = course["name"].as_str().expect("name");
        assert!(
            run.stderr
                .contains(&format!("left out of the WakeUp file: {name}")),
            "{run:#?}"
        );
        assert!(!run.stdout.contains(name), "{name} has a row");
    }
}
