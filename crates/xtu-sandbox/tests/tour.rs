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
    // The week grid's section of the tour.
    let week = |out: &str| -> String {
        let (_, grid) = out
            .split_once("== xtu timetable --week\n")
            .unwrap_or_else(|| panic!("the week grid:\n{out}"));
        grid.split_once("\n== ")
            .map_or(grid, |(grid, _)| grid)
            .to_owned()
    };
    // The fake's autumn term of 2026 starts on Monday 2026-09-07: 11-04 is
    // in week 9, 11-11 in week 10.
    let week_9 = week(&tour(Some("2026-11-04")));
    assert!(week_9.contains("2026-2027-1 week 9"), "{week_9}");
    assert!(week_9.contains("高等数"), "weeks 1-16:\n{week_9}");
    // 大学英语(一): weeks 1-8 and the even weeks 10-16; 军事技能: weeks 1-2.
    assert!(!week_9.contains("大学英"), "not in week 9:\n{week_9}");
    assert!(!week_9.contains("军事技能"), "not in week 9:\n{week_9}");
    let week_10 = week(&tour(Some("2026-11-11")));
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
    let (_, progress) = out
        .split_once("== xtu progress --missing\n")
        .expect("the progress section");
    let (progress, _) = progress.split_once("\n== ").expect("the section's end");
    for expected in [
        "集中实践                      10       0      10",
        "未修 毕业设计(论文)",
        "未过 大学物理",
        "在修 操作系统",
    ] {
        assert!(
            progress.contains(expected),
            "{expected} missing:\n{progress}"
        );
    }
    // Met categories and passed courses are left out.
    assert!(!progress.contains("思想政治理论"), "{progress}");
    assert!(
        !progress
            .lines()
            .any(|line| line.trim_start().starts_with("通过 ")),
        "{progress}"
    );
}

#[test]
fn the_tour_shows_a_graduate_student_too() {
    let out = tour(Some("2027-04-15"));
    let (_, graduate) = out
        .split_once("xtu grad timetable   (a graduate student)\n")
        .expect("the graduate section");
    // The graduate system's timetable of the site's term, as xtu's table; a
    // 无节次 course listed without sections.
    assert!(graduate.starts_with("2026-2027-2\n"), "{graduate}");
    assert!(
        graduate.contains("周一  1-2       科学计算方法    研究生院第三阶梯  教师甲   11-16周"),
        "{graduate}"
    );
    assert!(
        graduate.contains("周六            论文写作指导"),
        "{graduate}"
    );
}
