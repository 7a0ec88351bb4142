//! Graduate students through the built binary against the fake: the login,
//! `xtu grad timetable` (JSON, grid) and its exports for two terms, the data
//! URL read from the page, and the errors of the wrong kind of account.

mod common;

use std::collections::BTreeSet;

use common::session::Session;
use common::{PASSWORD, USER};
use serde_json::Value;
use xtu_fake::{Account, FakeXtu, System};

/// The fake's graduate account (same password as the undergraduate one).
const GRADUATE: &str = "202405561111";

impl Session {
    /// Logged in as `username` (a graduate unless it is [`USER`]).
    async fn new(username: &str) -> Self {
        let fake = FakeXtu::builder()
            .account(Account::new(USER, PASSWORD))
            .account(Account::new(GRADUATE, PASSWORD).graduate())
            .start()
            .await;
        Session::login(fake, username).await
    }

    fn data_posts(&self, path: &str) -> usize {
        self.fake.count(System::Grad, "POST", path)
    }
}

fn course<'a>(timetable: &'a Value, name: &str) -> &'a Value {
    timetable["courses"]
        .as_array()
        .and_then(|courses| courses.iter().find(|c| c["name"] == name))
        .unwrap_or_else(|| panic!("{name} missing: {timetable:#}"))
}

fn numbers(value: &Value) -> Vec<u64> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {value}"))
        .iter()
        .map(|n| n.as_u64().unwrap_or_else(|| panic!("not a number: {n}")))
        .collect()
}

#[tokio::test]
async fn the_graduate_timetable_of_two_terms_has_weeks_and_sections_as_numbers() {
    let s = Session::new(GRADUATE).await;
    let autumn = s
        .json(&[
            "grad",
            "timetable",
            "--year",
            "2025",
            "--term",
            "1",
            "--format",
            "json",
        ])
        .await;
    assert_eq!(autumn["term"], "2025-2026-1");
    let computing = course(&autumn, "科学计算方法");
    assert_eq!(
        (
            &computing["teacher"],
            &computing["location"],
            &computing["day_of_week"],
            &computing["class_name"]
        ),
        (
            &Value::from("教师甲"),
            &Value::from("研究生院第三阶梯"),
            &Value::from(1),
            &Value::from("物理学（硕士）")
        )
    );
    assert_eq!(numbers(&computing["sections"]), [1, 2]);
    assert_eq!(numbers(&computing["weeks"]), [11, 12, 13, 14, 15, 16]);
    // `[1-8,10周]` and `[1-16周(单)]`.
    assert_eq!(
        numbers(&course(&autumn, "数值分析")["weeks"]),
        [1, 2, 3, 4, 5, 6, 7, 8, 10]
    );
    assert_eq!(numbers(&course(&autumn, "数值分析")["sections"]), [5, 6, 7]);
    assert_eq!(
        numbers(&course(&autumn, "学术英语")["weeks"]),
        [1, 3, 5, 7, 9, 11, 13, 15]
    );
    // 无节次: a day, no sections.
    let writing = course(&autumn, "论文写作指导");
    assert_eq!(
        (numbers(&writing["sections"]).len(), &writing["day_of_week"]),
        (0, &Value::from(6))
    );
    // The same keys as `xtu timetable`'s courses, so every consumer reads both.
    let keys: BTreeSet<&str> = computing
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        BTreeSet::from([
            "campus",
            "class_name",
            "course_code",
            "day_of_week",
            "location",
            "name",
            "sections",
            "teacher",
            "weeks",
            "weeks_text"
        ])
    );

    let spring = s
        .json(&[
            "grad",
            "timetable",
            "--year",
            "2025",
            "--term",
            "2",
            "--format",
            "json",
        ])
        .await;
    assert_eq!(spring["term"], "2025-2026-2");
    let names: Vec<&str> = spring["courses"]
        .as_array()
        .expect("courses")
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(names, ["最优化方法", "机器学习"]);
    assert_eq!(
        numbers(&course(&spring, "机器学习")["sections"]),
        [9, 10, 11]
    );
}

#[tokio::test]
async fn a_cell_with_two_courses_gives_two_courses() {
    let s = Session::new(GRADUATE).await;
    let autumn = s
        .json(&[
            "grad",
            "timetable",
            "--year",
            "2025",
            "--term",
            "1",
            "--format",
            "json",
        ])
        .await;
    let tuesday: Vec<(String, Vec<u64>, Vec<u64>)> = autumn["courses"]
        .as_array()
        .expect("courses")
        .iter()
        .filter(|c| c["day_of_week"] == 2)
        .map(|c| {
            (
                c["name"].as_str().unwrap_or_default().to_owned(),
                numbers(&c["sections"]),
                numbers(&c["weeks"]),
            )
        })
        .collect();
    assert_eq!(
        tuesday,
        [
            ("工程伦理".to_owned(), vec![3, 4], (10..=16).collect()),
            ("自然辩证法概论".to_owned(), vec![3, 4], (1..=8).collect()),
        ]
    );
}

#[tokio::test]
async fn the_data_url_is_read_from_the_page_each_time() {
    let s = Session::new(GRADUATE).await;
    let args = [
        "grad",
        "timetable",
        "--year",
        "2025",
        "--term",
        "1",
        "--format",
        "json",
    ];
    let first = "/TXlIZWFydFdpbGxHb09uAAAA1111";
    s.fake.set_grad_data_path(first);
    assert!(
        s.json(&args).await["courses"]
            .as_array()
            .is_some_and(|c| !c.is_empty())
    );
    assert_eq!(s.data_posts(first), 1);
    // The site draws another URL (a new session): the old one is never
    // asked again.
    let second = "/TXlIZWFydFdpbGxHb09uBBBB2222";
    s.fake.set_grad_data_path(second);
    assert!(
        s.json(&args).await["courses"]
            .as_array()
            .is_some_and(|c| !c.is_empty())
    );
    assert_eq!((s.data_posts(first), s.data_posts(second)), (1, 1));
}

#[tokio::test]
async fn an_outdated_data_url_reads_the_page_again_once() {
    let s = Session::new(GRADUATE).await;
    let args = [
        "grad",
        "timetable",
        "--year",
        "2025",
        "--term",
        "1",
        "--format",
        "json",
    ];
    let pages = || {
        s.fake
            .requests()
            .iter()
            .filter(|r| r.system == System::Grad && r.method == "GET" && r.path.len() > 40)
            .count()
    };
    s.fake.grad_stale_pages(1);
    let before = pages();
    assert!(
        s.json(&args).await["courses"]
            .as_array()
            .is_some_and(|c| !c.is_empty())
    );
    assert_eq!(
        pages() - before,
        2,
        "the page read again after the error answer"
    );
    // Twice outdated: an error naming the page, not an empty timetable.
    s.fake.grad_stale_pages(2);
    let run = s.run(&args).await;
    let message = run.fails_with(9);
    assert!(message.contains("graduate timetable data"), "{message}");
}

#[tokio::test]
async fn the_week_grid_of_two_terms() {
    let s = Session::new(GRADUATE).await;
    let grid = s
        .run(&[
            "grad",
            "timetable",
            "--year",
            "2025",
            "--term",
            "1",
            "--week",
            "2",
            "--term-start",
            "2025-09-01",
            "--format",
            "table",
        ])
        .await;
    let text = grid.ok();
    // Week 2: 自然辩证法概论 (1-8; cut to the cell) and 数值分析 meet, 学术英语 (odd weeks)
    // and 科学计算方法 (11-16) do not; the dates are week 2's.
    for expected in [
        "自然辩证",
        "数值分析",
        "矩阵理论",
        "09-08",
        "unscheduled: 论文写作指导",
    ] {
        assert!(text.contains(expected), "{expected} missing:\n{text}");
    }
    for absent in ["学术英语", "科学计算方法"] {
        assert!(!text.contains(absent), "{absent} shown:\n{text}");
    }
    let spring = s
        .json(&[
            "grad",
            "timetable",
            "--year",
            "2025",
            "--term",
            "2",
            "--week",
            "3",
            "--format",
            "json",
        ])
        .await;
    assert_eq!(
        (&spring["week"], &spring["dates"]),
        (&Value::from(3), &Value::Null)
    );
    let names: Vec<&str> = spring["courses"]
        .as_array()
        .expect("courses")
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(names, ["最优化方法", "机器学习"]);
    // This week needs dates the graduate system does not publish.
    let run = s.run(&["grad", "timetable", "--week"]).await;
    assert!(run.fails_with(2).contains("--term-start"), "{run:#?}");
}

/// (SUMMARY, DTSTART) of each event, read back by an independent parser.
fn events(text: &str) -> Vec<(String, String)> {
    let calendar = ical::IcalParser::new(text.as_bytes())
        .next()
        .expect("one calendar")
        .expect("a valid calendar");
    calendar
        .events
        .iter()
        .map(|event| {
            let value = |name: &str| {
                event
                    .properties
                    .iter()
                    .find(|p| p.name == name)
                    .and_then(|p| p.value.clone())
                    .unwrap_or_else(|| panic!("{name} missing"))
            };
            (value("SUMMARY"), value("DTSTART"))
        })
        .collect()
}

#[tokio::test]
async fn the_ics_export_of_two_terms_dates_every_meeting() {
    let s = Session::new(GRADUATE).await;
    let autumn = s
        .run(&[
            "export",
            "ics",
            "--grad",
            "--year",
            "2025",
            "--term",
            "1",
            "--term-start",
            "2025-09-01",
        ])
        .await;
    let events_1 = events(autumn.ok());
    // One event per meeting week of each scheduled course.
    assert_eq!(events_1.len(), 6 + 8 + 7 + 9 + 8 + 16 + 16, "{events_1:#?}");
    let computing: Vec<&String> = events_1
        .iter()
        .filter(|(summary, _)| summary.contains("科学计算方法"))
        .map(|(_, start)| start)
        .collect();
    assert_eq!(computing.len(), 6);
    // Week 11's Monday.
    assert!(
        computing.iter().any(|start| start.starts_with("20251110T")),
        "{computing:?}"
    );
    let spring = s
        .run(&[
            "export",
            "ics",
            "--grad",
            "--year",
            "2025",
            "--term",
            "2",
            "--term-start",
            "2026-03-02",
        ])
        .await;
    let events_2 = events(spring.ok());
    assert_eq!(events_2.len(), 16 + 16);
    // 机器学习: Wednesday of week 3.
    assert!(
        events_2
            .iter()
            .any(|(summary, start)| summary.contains("机器学习") && start.starts_with("20260318T")),
        "{events_2:#?}"
    );
    let undated = s.run(&["export", "ics", "--grad"]).await;
    assert_eq!(undated.code, 2, "{undated:#?}");
}

#[tokio::test]
async fn the_wakeup_export_takes_the_graduate_timetable() {
    let s = Session::new(GRADUATE).await;
    let run = s
        .run(&[
            "export", "wakeup", "--grad", "--year", "2025", "--term", "1",
        ])
        .await;
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(
        run.stdout
            .contains("科学计算方法,1,1,2,教师甲,研究生院第三阶梯,11-16"),
        "{run:#?}"
    );
    // The 无节次 course has no slot in WakeUp: said on stderr.
    assert!(run.stderr.contains("论文写作指导"), "{run:#?}");
}

#[tokio::test]
async fn a_graduate_command_on_an_undergraduate_account_is_its_own_error() {
    let s = Session::new(USER).await;
    let run = s.run(&["grad", "timetable"]).await;
    assert!(
        run.fails_with(20).contains("no graduate system"),
        "{run:#?}"
    );
    // And nothing of the graduate system was asked for.
    assert_eq!(
        s.fake
            .requests()
            .iter()
            .filter(|r| r.system == System::Grad)
            .count(),
        0
    );
}

#[tokio::test]
async fn an_undergraduate_command_on_a_graduate_account_is_its_own_error() {
    let s = Session::new(GRADUATE).await;
    let run = s.run(&["timetable", "--format", "json"]).await;
    let message = run.fails_with(21);
    assert!(
        message.contains("graduate") && message.contains("xtu grad timetable"),
        "{message}"
    );
}

#[tokio::test]
async fn an_expired_sso_session_logs_a_graduate_in_again_with_a_remembered_password() {
    let s = Session::new(GRADUATE).await;
    let remember = s
        .run_with(
            &[
                "login",
                "--username",
                GRADUATE,
                "--remember",
                "--insecure-store",
            ],
            Some(PASSWORD),
        )
        .await;
    assert_eq!(remember.code, 0, "{remember:#?}");
    let logins = s.fake.count(System::Sso, "POST", "/cas/login");
    s.fake.expire_sso_sessions();
    let autumn = s
        .json(&[
            "grad",
            "timetable",
            "--year",
            "2025",
            "--term",
            "1",
            "--format",
            "json",
        ])
        .await;
    assert_eq!(autumn["term"], "2025-2026-1");
    assert_eq!(
        s.fake.count(System::Sso, "POST", "/cas/login"),
        logins + 1,
        "one automatic login"
    );
    // Without a remembered password: told to log in, nothing sent.
    let forget = s
        .run_with(&["login", "--username", GRADUATE], Some(PASSWORD))
        .await;
    assert_eq!(forget.code, 0, "{forget:#?}");
    s.fake.expire_sso_sessions();
    let run = s.run(&["grad", "timetable"]).await;
    assert!(run.fails_with(10).contains("xtu login"), "{run:#?}");
}
