//! The README's first command: `xtu-sandbox tour` on a fresh machine, on any
//! date: what `xtu` prints on a terminal, this week's classes only.

use std::process::Command;

fn tour(today: Option<&str>) -> String {
    let mut command = Command::new(env!("CARGO_BIN_EXE_xtu-sandbox"));
    if let Some(today) = today {
        command.args(["--today", today]);
    }
    let output = command
        .arg("tour")
        .env("COLUMNS", "100")
        .output()
        .expect("xtu-sandbox runs");
    let stdout = String::from_utf8(output.stdout).expect("UTF-8");
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

#[test]
fn the_tour_shows_the_main_job_end_to_end_as_xtu_prints_it() {
    let out = tour(None);
    for expected in [
        "== xtu login --username 202205561111\nlogged in as 202205561111",
        "== xtu info\nstudent id    202205561111\n",
        "== xtu calendar\nterm       ",
        "== xtu rooms --at",
        "一教楼-102",
        "free room",
        "== xtu timetable",
    ] {
        assert!(out.contains(expected), "{expected:?} missing:\n{out}");
    }
    // xtu's tables, not JSON dumps; the watcher's events are JSON lines, as
    // `xtu watch` prints them.
    let (tables, watch) = out.split_once("then: xtu watch\n").expect("the watch part");
    assert!(!tables.contains("\"student_id\""), "{out}");
    assert!(!tables.contains('{'), "{out}");
    // The watcher reports the one grade published after its first check.
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
fn the_tour_shows_this_weeks_classes_only() {
    // The fake's autumn term of 2026 starts on Monday 2026-09-07: 11-04 is
    // in week 9, 11-11 in week 10.
    let week_9 = tour(Some("2026-11-04"));
    assert!(week_9.contains("== xtu timetable --week\n"), "{week_9}");
    assert!(week_9.contains("2026-2027-1 week 9"), "{week_9}");
    assert!(week_9.contains("高等数"), "weeks 1-16:\n{week_9}");
    // 大学英语(一): weeks 1-8 and the even weeks 10-16; 军事技能: weeks 1-2.
    assert!(!week_9.contains("大学英"), "not in week 9:\n{week_9}");
    assert!(!week_9.contains("军事技能"), "not in week 9:\n{week_9}");
    let week_10 = tour(Some("2026-11-11"));
    assert!(week_10.contains("2026-2027-1 week 10"), "{week_10}");
    assert!(week_10.contains("大学英"), "week 10 is even:\n{week_10}");
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
            out.contains(&format!("term       {term}\n")),
            "{today}:\n{out}"
        );
        assert!(
            out.contains(&format!("{term} week ")) || out.contains("outside the teaching weeks"),
            "{today}: the week's classes\n{out}"
        );
    }
}

#[test]
fn a_date_that_does_not_exist_is_named_with_why() {
    for (date, why) in [
        ("2026-02-30", "2026-02 has 28 days, not 30"),
        ("2028-02-30", "2028-02 has 29 days, not 30"),
        ("2026-13-01", "there is no month 13"),
        ("2026/02/01", "expected YYYY-MM-DD"),
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_xtu-sandbox"))
            .args(["--today", date, "tour"])
            .output()
            .expect("xtu-sandbox runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains(&format!("invalid date \"{date}\": {why}")),
            "{date}: {stderr}"
        );
    }
}

#[test]
fn the_tour_shows_what_is_left_to_graduate() {
    let out = tour(None);
    for expected in [
        "== xtu progress --missing",
        "  集中实践: 0 of 10 credits, 10 missing",
        "    未修 大学英语(4) (2)",
        "    未过 大学物理 (4)",
    ] {
        assert!(out.contains(expected), "{expected} missing:\n{out}");
    }
    // Met categories and passed courses are left out.
    assert!(!out.contains("思想政治理论:"), "{out}");
}
