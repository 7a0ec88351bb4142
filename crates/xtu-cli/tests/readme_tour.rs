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
        &["info", "--format", "table"][..],
        &["calendar", "--format", "table"][..],
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
    // One demo student: the transcript is the profile's.
    let json =
        |run: common::Run| -> serde_json::Value { serde_json::from_str(run.ok()).expect("JSON") };
    let profile = json(xtu(&fake, &["info", "--format", "json"], &env, None).await);
    let transcript = json(xtu(&fake, &["transcript", "--format", "json"], &env, None).await);
    for key in ["student_id", "name", "college"] {
        assert_eq!(profile[key], transcript[key], "{today}: {key}");
    }
    assert!(
        profile["major"]
            .as_str()
            .zip(transcript["major"].as_str())
            .is_some_and(|(profile, transcript)| profile.starts_with(transcript)),
        "{today}: {profile} / {transcript}"
    );
    // Exams and classes are there for the current term, not an empty list.
    let exams = xtu(
        &fake,
        &[&["exams", "--format", "json"][..], &term_args[..]].concat(),
        &env,
        None,
    )
    .await;
    assert!(exams.stdout.contains("\"course\""), "{today}: {exams:#?}");
    // As the README types them: the current term is the site's, whatever
    // this machine's clock says.
    for args in [
        &["timetable", "--format", "json"][..],
        &["exams", "--format", "json"][..],
    ] {
        let run = xtu(&fake, args, &env, None).await;
        assert!(
            run.ok().contains("\"course"),
            "{today}: xtu {args:?}: {run:#?}"
        );
    }
    // This week's grid needs today inside the teaching weeks, which the
    // sandbox's today is only when it is today.
    if today == xtu_model::beijing_today() {
        let week = xtu(
            &fake,
            &["timetable", "--week", "--format", "json"],
            &env,
            None,
        )
        .await;
        assert!(week.ok().contains("\"course"), "{week:#?}");
        // The grid, as typed in the README (piped: at 80 columns).
        let grid = xtu(&fake, &["timetable", "--week"], &env, None).await;
        assert!(grid.ok().contains(" week "), "{grid:#?}");
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

/// Every `cargo install` a reader may copy pins the tested dependency
/// versions: without `--locked`, cargo resolves afresh and the installed
/// binary is not the one CI tested.
#[test]
fn every_cargo_install_line_is_locked() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = vec![
        root.join("README.md"),
        root.join("SKILL.md"),
        root.join("BENCHMARKS.md"),
        root.join("crates/xtu-py/README.md"),
        root.join("fuzz/README.md"),
    ];
    for dir in ["docs", "scripts"] {
        for entry in std::fs::read_dir(root.join(dir)).expect("a folder of the repository") {
            files.push(entry.expect("a listed file").path());
        }
    }
    let mut unlocked = Vec::new();
    for file in files.into_iter().filter(|f| f.is_file()) {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        // A command may wrap onto the next line of prose: join them.
        let joined = text.replace('\n', " ");
        for (at, _) in joined.match_indices("cargo install") {
            let command: String = joined[at..].chars().take(120).collect();
            let command = command
                .split(['`', ')', '&', ';'])
                .next()
                .unwrap_or_default();
            if !command.contains("--locked") {
                unlocked.push(format!("{}: {command}", file.display()));
            }
        }
    }
    assert!(
        unlocked.is_empty(),
        "cargo install without --locked:\n{unlocked:#?}"
    );
}
