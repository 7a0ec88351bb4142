//! The README's first command: `xtu-sandbox tour` on a fresh machine, on any
//! date.

use std::process::Command;

fn tour(today: Option<&str>) -> String {
    let mut command = Command::new(env!("CARGO_BIN_EXE_xtu-sandbox"));
    if let Some(today) = today {
        command.args(["--today", today]);
    }
    let output = command.arg("tour").output().expect("xtu-sandbox runs");
    let stdout = String::from_utf8(output.stdout).expect("UTF-8");
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

#[test]
fn the_tour_shows_the_main_job_end_to_end() {
    let out = tour(None);
    for expected in [
        "== xtu login",
        "\"student_id\": \"202205561111\"",
        "\"term_id\"",
        "== xtu rooms",
        "一教楼-102",
        "== xtu timetable",
    ] {
        assert!(out.contains(expected), "{expected} missing:\n{out}");
    }
    // The watcher reports the one grade published after its first check.
    let (_, watch) = out
        .split_once("then xtu watch again\n")
        .expect("the watch part");
    let events: Vec<serde_json::Value> = watch
        .lines()
        .take_while(|line| line.starts_with('{'))
        .map(|line| serde_json::from_str(line).expect("one JSON event per line"))
        .collect();
    assert_eq!(events.len(), 1, "{out}");
    assert_eq!(events[0]["kind"], "grade");
    assert_eq!(events[0]["change"], "new");
    assert_eq!(events[0]["item"]["course"], "概率论与数理统计");
}

#[test]
fn the_tour_works_in_either_term_and_in_the_winter_break() {
    for (today, term) in [
        ("2027-04-15", "2026-2027-2"),
        ("2026-10-01", "2026-2027-1"),
        ("2027-01-20", "2026-2027-1"),
    ] {
        let out = tour(Some(today));
        assert!(
            out.contains(&format!("\"term_id\": \"{term}\"")),
            "{today}:\n{out}"
        );
        assert!(
            out.contains(&format!("== xtu timetable\n{term}\n  day ")),
            "{today}: the term's classes\n{out}"
        );
    }
}
