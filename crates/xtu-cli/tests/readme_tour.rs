//! The README's "try it by hand" commands, against a fake dated like the
//! sandbox (today in Beijing), so they work on any date; and on dates in
//! either term and in the winter break.

mod common;

use common::{PASSWORD, USER, xtu};
use xtu_fake::{Account, FakeXtu};

async fn tour_on(today: chrono::NaiveDate) {
    let fake = FakeXtu::builder()
        .account(Account::new(USER, PASSWORD))
        .today(today)
        .start()
        .await;
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
    assert_eq!(login.code, 0, "{today}: {login:#?}");
    let at = format!("{today} 10:00");
    let calendar = xtu(&fake, &["calendar"], &env, None).await;
    let term: serde_json::Value = serde_json::from_str(calendar.ok()).expect("JSON");
    let term_id = term["term_id"].as_str().expect("term id").to_owned();
    let (year, number) = term_id
        .rsplit_once('-')
        .map(|(years, n)| (years[..4].to_owned(), n.to_owned()))
        .expect("YYYY-YYYY-N");
    let term_args = ["--year", year.as_str(), "--term", number.as_str()];
    for args in [
        &["info"][..],
        &["rooms", "--at", &at, "--format", "json"][..],
        &[&["timetable", "--format", "json"][..], &term_args[..]].concat(),
        &[&["exams", "--format", "json"][..], &term_args[..]].concat(),
        &["transcript", "--format", "json"][..],
        &[
            "grades", "--year", "2024", "--term", "2", "--format", "json",
        ][..],
        &["gpa", "--format", "json"][..],
        &["export", "ics"][..],
        &["progress", "--missing", "--format", "json"][..],
        &["plan", "--format", "json"][..],
    ] {
        let run = xtu(&fake, args, &env, None).await;
        assert_eq!(run.code, 0, "{today}: xtu {args:?}: {run:#?}");
        assert!(
            run.stdout.len() > 20,
            "{today}: xtu {args:?} printed nothing useful: {run:#?}"
        );
    }
    // Exams and classes are there for the current term, not an empty list.
    let exams = xtu(
        &fake,
        &[&["exams", "--format", "json"][..], &term_args[..]].concat(),
        &env,
        None,
    )
    .await;
    assert!(exams.stdout.contains("\"course\""), "{today}: {exams:#?}");
    // As the README types them: the current term comes from the clock, which
    // agrees with the sandbox's today only when today is today.
    if today == xtu_model::beijing_today() {
        for args in [
            &["timetable", "--format", "json"][..],
            &["exams", "--format", "json"][..],
        ] {
            let run = xtu(&fake, args, &env, None).await;
            assert!(run.ok().contains("\"course"), "xtu {args:?}: {run:#?}");
        }
    }
}

#[tokio::test]
async fn the_readme_commands_work_today_and_on_any_date() {
    tour_on(xtu_model::beijing_today()).await;
    for day in [
        "2026-03-02",
        "2026-07-10",
        "2026-09-15",
        "2027-01-10",
        "2027-02-01",
    ] {
        tour_on(day.parse().expect("date")).await;
    }
}
