//! The current term at the turns of the year: every command that defaults
//! to a term asks the academic system for the one its teaching calendar
//! names, whatever this machine's clock says, and an empty answer says so.
//! The fake is dated around both turns (the machine's clock is another
//! day), as `xtu-sandbox --today` does.

mod common;

use chrono::NaiveDate;
use common::{PASSWORD, USER, xtu};
use serde_json::Value;
use xtu_fake::{Account, FakeXtu};

/// Days around the turns: the winter break and the spring term, the end of
/// the summer and the autumn term, the end of the autumn term.
const DAYS: [&str; 5] = [
    "2027-02-20",
    "2027-04-15",
    "2026-08-31",
    "2026-09-10",
    "2027-01-20",
];

struct Dated {
    fake: FakeXtu,
    dir: tempfile::TempDir,
    today: NaiveDate,
}

impl Dated {
    async fn on(today: &str) -> Self {
        let today: NaiveDate = today.parse().expect("date");
        let fake = FakeXtu::builder()
            .account(Account::new(USER, PASSWORD))
            .today(today)
            .start()
            .await;
        let dated = Self {
            fake,
            dir: tempfile::tempdir().expect("tempdir"),
            today,
        };
        let login = dated
            .run_with(
                &["login", "--username", USER],
                &[("XTU_PASSWORD", PASSWORD)],
            )
            .await;
        assert_eq!(login.code, 0, "{login:#?}");
        dated
    }

    async fn run_with(&self, args: &[&str], extra: &[(&str, &str)]) -> common::Run {
        let dir = self.dir.path().to_string_lossy().into_owned();
        let mut env = vec![("XTU_STATE_DIR", dir.as_str())];
        env.extend_from_slice(extra);
        xtu(&self.fake, args, &env, None).await
    }

    async fn run(&self, args: &[&str]) -> common::Run {
        self.run_with(args, &[]).await
    }

    /// A successful run's JSON; stderr must be empty.
    async fn json(&self, args: &[&str]) -> Value {
        let run = self.run(args).await;
        serde_json::from_str(run.ok())
            .unwrap_or_else(|e| panic!("{}: xtu {args:?}: {e}: {run:#?}", self.today))
    }

    /// The term the site's calendar names: `2026-2027-2`.
    async fn site_term(&self) -> String {
        let calendar = self.json(&["teaching-calendar"]).await;
        calendar["term_id"].as_str().expect("term id").to_owned()
    }
}

/// `(xnm, xqm)` of `2026-2027-2`.
fn codes(term: &str) -> (String, &'static str) {
    let xqm = if term.ends_with("-1") { "3" } else { "12" };
    (term[..4].to_owned(), xqm)
}

#[tokio::test]
async fn every_command_takes_the_sites_term_around_both_turns() {
    for day in DAYS {
        let d = Dated::on(day).await;
        let term = d.site_term().await;
        let (xnm, xqm) = codes(&term);

        let timetable = d.json(&["timetable", "--format", "json"]).await;
        assert_eq!(timetable["term"], term.as_str(), "{day}");
        assert!(
            timetable["courses"]
                .as_array()
                .is_some_and(|c| !c.is_empty()),
            "{day}: {timetable}"
        );
        let form = d
            .fake
            .ems_forms("timetable")
            .pop()
            .expect("a timetable query");
        assert_eq!(
            (form["xnm"].as_str(), form["xqm"].as_str()),
            (xnm.as_str(), xqm),
            "{day}"
        );

        // The week grid of a given week, and this week's, in the site's term.
        let week = d
            .json(&["timetable", "--week", "7", "--format", "json"])
            .await;
        assert_eq!(week["term"], term.as_str(), "{day}");
        assert_eq!(week["week"], 7, "{day}");
        assert!(week["dates"].is_array(), "{day}: dated: {week}");
        assert!(
            week["courses"].as_array().is_some_and(|c| !c.is_empty()),
            "{day}: week 7: {week}"
        );
        // This week is by this machine's clock, which is not the fake's
        // day: in the site's term it is shown, outside it the message says
        // so (never that the calendar and the timetable disagree).
        let this_week = d.run(&["timetable", "--week", "--format", "json"]).await;
        if this_week.code == 0 {
            assert!(this_week.stdout.contains(&term), "{day}: {this_week:#?}");
        } else {
            let message = this_week.fails_with(2);
            assert!(
                message.contains(&format!("is outside the term {term} (")),
                "{day}: {message}"
            );
        }
        let table = d.run(&["timetable", "--week", "7"]).await;
        assert!(table.ok().contains(&term), "{day}: {table:#?}");

        let exams = d.json(&["exams", "--format", "json"]).await;
        assert!(
            exams.as_array().is_some_and(|e| !e.is_empty()),
            "{day}: {exams}"
        );
        let form = d.fake.ems_forms("exams").pop().expect("an exam query");
        assert_eq!(form["xnm"], xnm, "{day}");

        // The upstream's shapes, unchanged, for the site's term.
        for command in ["course-schedule", "exam-schedule"] {
            let answer = d.json(&[command]).await;
            assert!(
                answer.as_array().is_some_and(|a| !a.is_empty()),
                "{day}: {command}: {answer}"
            );
        }

        let wakeup = d.run(&["export", "wakeup"]).await;
        assert_eq!(wakeup.code, 0, "{day}: {wakeup:#?}");
        assert!(
            wakeup.stdout.lines().count() > 2,
            "{day}: a header and classes: {wakeup:#?}"
        );
        assert!(!wakeup.stderr.contains("warning"), "{day}: {wakeup:#?}");
        let ics = d.run(&["export", "ics"]).await;
        assert!(ics.ok().contains("BEGIN:VEVENT"), "{day}: {ics:#?}");

        let rooms = d
            .run(&[
                "rooms",
                "--week",
                "3",
                "--day",
                "1",
                "--sections",
                "1-2",
                "--format",
                "json",
            ])
            .await;
        assert_eq!(rooms.code, 0, "{day}: {rooms:#?}");
        assert!(
            rooms
                .stderr
                .contains(&format!("free rooms: {term}, week 3")),
            "{day}: {rooms:#?}"
        );
    }
}

#[tokio::test]
async fn an_empty_answer_is_never_silent() {
    let d = Dated::on("2027-04-15").await;
    let term = d.site_term().await;
    assert_eq!(term, "2026-2027-2");

    // The fake's grades are of earlier terms: none yet in the current one.
    let grades = d.run(&["grades", "--format", "json"]).await;
    assert_eq!(grades.code, 0, "{grades:#?}");
    assert_eq!(grades.stdout.trim(), "[]");
    assert_eq!(
        grades.stderr.trim_end(),
        "warning: no grades in 2026-2027-2, the academic system's current term"
    );

    // A term other than the site's: empty, and the current one named.
    for args in [
        &["timetable", "--year", "2026", "--term", "1"][..],
        &["course-schedule", "--year", "2026", "--term", "1"][..],
    ] {
        let run = d.run(args).await;
        assert_eq!(run.code, 0, "{run:#?}");
        assert_eq!(
            run.stderr.trim_end(),
            "warning: no classes in 2026-2027-1; the academic system's current term is \
             2026-2027-2 (year 2026, term 2)",
            "xtu {args:?}"
        );
    }
    // The compat command's stdout is the upstream's JSON, nothing else.
    let compat = d
        .run(&["exam-schedule", "--year", "2026", "--term", "1"])
        .await;
    assert_eq!(compat.stdout.trim(), "[]", "{compat:#?}");
    assert!(
        compat.stderr.contains("no exams in 2026-2027-1;"),
        "{compat:#?}"
    );
    // Every term: still said.
    d.fake.serve_xhr(
        "exams",
        r#"{"items":[],"currentPage":1,"totalPage":1,"totalResult":0}"#,
    );
    let none = d.run(&["exams", "--all"]).await;
    assert_eq!(none.code, 0, "{none:#?}");
    assert_eq!(none.stderr.trim_end(), "warning: no exams in any term");
}
