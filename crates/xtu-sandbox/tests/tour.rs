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

#[test]
fn the_tour_shows_a_graduate_student_too() {
    let out = tour(Some("2027-04-15"));
    // The graduate system's timetable of the tour's term, a 无节次 course
    // listed without sections.
    for expected in [
        "xtu grad timetable   (a graduate student)\n2026-2027-2\n  day 1 sections 1-2: 科学计算方法 (教师甲, 研究生院第三阶梯, weeks 11-16周)",
        "day 6 无节次: 论文写作指导",
    ] {
        assert!(out.contains(expected), "{expected} missing:\n{out}");
    }
}
