//! Results as aligned text for a terminal (`--format table`).

use xtu_app::{GpaReport, GradeChange, section_text};
use xtu_model::{
    Classroom, Exam, Grade, PracticeCourse, StudentProfile, TeachingCalendar, Timetable,
};

pub use crate::grid::{grid_width, week_grid};

use crate::output::table;

const DAYS: [&str; 7] = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];

pub(crate) fn day_name(day: u8) -> &'static str {
    DAYS.get(usize::from(day.saturating_sub(1)))
        .copied()
        .unwrap_or("?")
}

fn or_dash(text: &str) -> String {
    if text.is_empty() {
        "-".into()
    } else {
        text.into()
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

pub(crate) fn decimal(value: Option<f64>) -> String {
    // `+ 0.0` turns an empty sum's -0 into 0.
    value.map_or_else(|| "-".into(), |v| format!("{}", v + 0.0))
}

/// A GPA as every table prints it: two decimals, as the site writes its own.
fn gpa_text(value: Option<f64>) -> String {
    value.map_or_else(|| "-".into(), |v| format!("{v:.2}"))
}

/// Labelled values, one a line, the values aligned.
fn fields(pairs: &[(&str, String)]) -> String {
    let label_width = pairs
        .iter()
        .map(|(label, _)| label.len())
        .max()
        .unwrap_or(0);
    pairs
        .iter()
        .map(|(label, value)| format!("{label:<label_width$}  {}\n", or_dash(value)))
        .collect()
}

/// `xtu student-info` (`xtu info`).
pub fn profile(profile: &StudentProfile) -> String {
    fields(&[
        ("student id", profile.student_id.clone()),
        ("name", profile.name.clone()),
        ("gender", profile.gender.clone()),
        ("birthday", profile.birthday.clone()),
        ("entrance day", profile.entrance_day.clone()),
        ("college", profile.college.clone()),
        ("major", profile.major.clone()),
        ("class", profile.class_name.clone()),
    ])
}

/// `xtu teaching-calendar` (`xtu calendar`): the term, its days and weeks.
pub fn calendar(calendar: &TeachingCalendar) -> String {
    let last_week = calendar.week_of(calendar.end_date);
    fields(&[
        ("term", calendar.term_id.clone()),
        (
            "first day",
            calendar.start_date.format("%Y-%m-%d (%a)").to_string(),
        ),
        (
            "last day",
            calendar.end_date.format("%Y-%m-%d (%a)").to_string(),
        ),
        (
            "weeks",
            last_week.map(|w| format!("1-{w}")).unwrap_or_default(),
        ),
    ])
}

/// `xtu timetable`.
pub fn timetable(timetable: &Timetable) -> String {
    let rows: Vec<Vec<String>> = timetable
        .courses
        .iter()
        .map(|c| {
            vec![
                day_name(c.day_of_week).to_owned(),
                section_text(&c.sections),
                c.name.clone(),
                or_dash(&c.location),
                or_dash(&c.teacher),
                c.weeks_text.clone(),
            ]
        })
        .collect();
    let mut out = format!("{}\n", timetable.term);
    out.push_str(&table(
        &["day", "sections", "course", "room", "teacher", "weeks"],
        &rows,
        usize::MAX,
    ));
    for practice in &timetable.practice {
        out.push_str(&format!("practice: {}\n", practice_line(practice)));
    }
    out.push_str(&format!(
        "{} class meeting{} a week, {} practice course{}\n",
        timetable.courses.len(),
        plural(timetable.courses.len()),
        timetable.practice.len(),
        plural(timetable.practice.len())
    ));
    out
}

/// A practice course in one line: its description, which usually starts
/// with the name already.
pub(crate) fn practice_line(practice: &PracticeCourse) -> String {
    let line = if practice.description.starts_with(&practice.name) {
        practice.description.clone()
    } else {
        format!("{} {}", practice.name, practice.description)
    };
    line.trim_end().to_owned()
}

/// `xtu exams`.
pub fn exams(exams: &[Exam]) -> String {
    let rows: Vec<Vec<String>> = exams
        .iter()
        .map(|e| {
            let time = match (e.start, e.end) {
                (Some(start), Some(end)) => {
                    format!("{}-{}", start.format("%H:%M"), end.format("%H:%M"))
                }
                _ => or_dash(&e.time_text),
            };
            vec![
                e.date.map_or_else(|| "-".into(), |d| d.to_string()),
                time,
                e.course.clone(),
                e.location.clone().unwrap_or_else(|| "-".into()),
                e.seat.clone().unwrap_or_else(|| "-".into()),
                or_dash(&e.assessment),
            ]
        })
        .collect();
    let mut out = table(
        &["date", "time", "course", "room", "seat", "type"],
        &rows,
        usize::MAX,
    );
    out.push_str(&format!("{} exam{}\n", exams.len(), plural(exams.len())));
    out
}

/// `xtu grades`.
pub fn grades(grades: &[Grade]) -> String {
    if grades.is_empty() {
        return "no grades\n".into();
    }
    let rows: Vec<Vec<String>> = grades
        .iter()
        .map(|g| {
            vec![
                g.term.clone(),
                g.course.clone(),
                or_dash(&g.course_type),
                g.score.clone(),
                decimal(g.grade_point),
                decimal(g.credits),
            ]
        })
        .collect();
    let mut out = table(
        &["term", "course", "type", "score", "grade point", "credits"],
        &rows,
        3,
    );
    let gpa = xtu_model::credit_weighted_gpa(grades);
    out.push_str(&format!(
        "{} grade{}; credit-weighted GPA {} over {} credits\n",
        grades.len(),
        plural(grades.len()),
        gpa_text(gpa.gpa),
        decimal(Some(gpa.credits))
    ));
    out
}

/// `xtu grades --watch-diff`.
pub fn grade_changes(changes: &[GradeChange]) -> String {
    let mut text = String::new();
    for change in changes {
        let g = &change.grade;
        let was = change
            .before
            .as_ref()
            .map(|b| format!(" (was {})", b.score))
            .unwrap_or_default();
        text.push_str(&format!(
            "{}: {} {} {}{was}\n",
            change.change, g.term, g.course, g.score
        ));
    }
    if changes.is_empty() {
        text.push_str("no new or changed grades\n");
    }
    text
}

/// `xtu gpa`: the range as asked, and what an open end turned out to cover.
pub fn gpa(report: &GpaReport) -> String {
    let range = match (&report.from, &report.to, &report.terms_counted) {
        (Some(from), Some(to), _) => format!("{from} to {to}"),
        (from, to, Some((first, last))) => format!(
            "{} to {}",
            from.as_deref().unwrap_or(first),
            to.as_deref().unwrap_or(last)
        ),
        (Some(from), None, None) => format!("from {from}"),
        (None, Some(to), None) => format!("up to {to}"),
        (None, None, None) => "all terms".to_owned(),
    };
    let mut out = format!(
        "{range}{}\n",
        if report.compulsory_only {
            ", compulsory courses only"
        } else {
            ""
        }
    );
    match &report.ranking {
        Some(rank) => out.push_str(&format!(
            "site:     GPA {}, average score {}, class rank {}, major rank {}\n",
            gpa_text(rank.gpa),
            decimal(rank.average_score),
            rank.class_rank.as_deref().unwrap_or("-"),
            rank.major_rank.as_deref().unwrap_or("-"),
        )),
        None => out.push_str("site:     no ranking for this range\n"),
    }
    if report.computed.courses == 0 {
        out.push_str("computed: no course with a grade point and credits in this range\n");
    } else {
        out.push_str(&format!(
            "computed: GPA {} over {} credits ({} courses)\n",
            gpa_text(report.computed.gpa),
            decimal(Some(report.computed.credits)),
            report.computed.courses
        ));
    }
    out
}

/// `xtu doctor`: one line per step, hints under failures, the verdict last.
pub fn doctor(report: &xtu_sso::doctor::DoctorReport) -> String {
    use xtu_sso::doctor::Verdict;
    let rows: Vec<Vec<String>> = report
        .steps
        .iter()
        .map(|step| {
            let verdict = match step.verdict {
                Verdict::Pass => "ok",
                Verdict::Fail => "FAIL",
                Verdict::Skip => "skip",
            };
            let mut detail = step.detail.clone();
            if let Some(hint) = &step.hint {
                detail.push_str(&format!(" (hint: {hint})"));
            }
            vec![verdict.to_owned(), step.name.clone(), detail]
        })
        .collect();
    let mut out = table(&["", "step", "detail"], &rows, usize::MAX);
    match report.first_failure() {
        None => out.push_str("all checks passed\n"),
        Some(step) => out.push_str(&format!(
            "first failure: {}{}\n",
            step.name,
            step.class.map(|c| format!(" ({c})")).unwrap_or_default()
        )),
    }
    out
}

/// `xtu transcript`: who, every course by term, the summary.
pub fn transcript(transcript: &xtu_model::Transcript) -> String {
    let text = |value: &Option<String>| value.clone().unwrap_or_else(|| "-".into());
    let mut out = format!(
        "{} {} {} {}\n",
        text(&transcript.student_id),
        text(&transcript.name),
        text(&transcript.college),
        text(&transcript.major)
    );
    let rows: Vec<Vec<String>> = transcript
        .courses
        .iter()
        .map(|c| {
            vec![
                c.term.to_string(),
                c.name.clone(),
                text(&c.course_type),
                text(&c.credit),
                text(&c.score),
            ]
        })
        .collect();
    out.push_str(&table(
        &["term", "course", "type", "credits", "score"],
        &rows,
        3,
    ));
    let pair = |p: &xtu_model::CreditPair| format!("{}/{}", text(&p.earned), text(&p.required));
    out.push_str(&format!(
        "{} course{}; average score {}, GPA {}\n\
         credits earned/required: total {}, compulsory {}, elective {}, cross-discipline {}\n",
        transcript.courses.len(),
        plural(transcript.courses.len()),
        text(&transcript.average_score),
        text(&transcript.gpa),
        pair(&transcript.total_credit),
        pair(&transcript.compulsory_credit),
        pair(&transcript.elective_credit),
        pair(&transcript.cross_course_credit),
    ));
    if !transcript.level_exams.is_empty() {
        let exams: Vec<String> = transcript
            .level_exams
            .iter()
            .map(|exam| {
                let date = exam
                    .date
                    .as_ref()
                    .map(|d| format!(" ({d})"))
                    .unwrap_or_default();
                format!("{} {}{date}", exam.name, text(&exam.score))
            })
            .collect();
        out.push_str(&format!("level exams: {}\n", exams.join(", ")));
    }
    out
}

/// `xtu rooms`, with a count.
pub fn rooms(rooms: &[Classroom]) -> String {
    let n = |v: Option<u32>| v.map(|v| v.to_string()).unwrap_or_else(|| "-".into());
    let rows: Vec<Vec<String>> = rooms
        .iter()
        .map(|r| {
            vec![
                r.name.clone(),
                r.building.clone(),
                n(r.seats),
                n(r.exam_seats),
            ]
        })
        .collect();
    let mut out = table(&["room", "building", "seats", "exam seats"], &rows, 2);
    out.push_str(&format!(
        "{} free room{}\n",
        rooms.len(),
        plural(rooms.len())
    ));
    out
}

/// `xtu notices`: time, kind, title; the text under each, as it is long.
pub fn notices(notices: &[xtu_model::Notice]) -> String {
    if notices.is_empty() {
        return "no notices\n".into();
    }
    let mut out = String::new();
    for notice in notices {
        let head: Vec<&str> = [
            notice.time.as_str(),
            notice.kind.as_str(),
            notice.title.as_str(),
        ]
        .into_iter()
        .filter(|part| !part.is_empty())
        .collect();
        out.push_str(&head.join("  "));
        out.push('\n');
        if !notice.text.is_empty() && notice.text != notice.title {
            out.push_str(&format!("  {}\n", notice.text));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exam_table_shows_unknowns() {
        let exam = Exam {
            course: "大学物理".into(),
            exam_name: String::new(),
            date: None,
            start: None,
            end: None,
            time_text: "待定".into(),
            location: None,
            campus: None,
            seat: None,
            assessment: "考试".into(),
            method: String::new(),
            course_code: String::new(),
        };
        insta::assert_snapshot!(exams(&[exam]));
    }

    #[test]
    fn notices_show_time_kind_and_title_then_the_text() {
        let notice = |kind: &str, text: &str| xtu_model::Notice {
            title: "调课提醒:高数".into(),
            kind: kind.into(),
            text: text.into(),
            time: "2025-11-20 08:15:02".into(),
            id: None,
        };
        assert_eq!(
            notices(&[
                notice("调课提醒", "第12周停课"),
                notice("", "调课提醒:高数")
            ]),
            "2025-11-20 08:15:02  调课提醒  调课提醒:高数\n  第12周停课\n\
             2025-11-20 08:15:02  调课提醒:高数\n"
        );
        assert_eq!(notices(&[]), "no notices\n");
    }

    #[test]
    fn no_grades_is_said_plainly() {
        assert_eq!(grades(&[]), "no grades\n");
        assert_eq!(decimal(Some(-0.0)), "0");
    }

    #[test]
    fn a_gpa_has_two_decimals() {
        let grade = |code: &str, point: f64, credits: f64| Grade {
            course: format!("课程{code}"),
            course_code: code.into(),
            term: "2024-2025-1".into(),
            score: "80".into(),
            grade_point: Some(point),
            credits: Some(credits),
            course_type: "必修".into(),
            teacher: String::new(),
        };
        // (3.7 × 4 + 3.0 × 3 + 3.45 × 2) / 9 = 3.4111...
        let text = grades(&[
            grade("a", 3.7, 4.0),
            grade("b", 3.0, 3.0),
            grade("c", 3.45, 2.0),
        ]);
        assert!(
            text.ends_with("3 grades; credit-weighted GPA 3.41 over 9 credits\n"),
            "{text}"
        );
        assert_eq!(gpa_text(Some(4.0)), "4.00");
        assert_eq!(gpa_text(None), "-");
    }

    #[test]
    fn rooms_align_wide_characters() {
        let room = Classroom {
            name: "一教楼-102".into(),
            building: "第一教学楼".into(),
            seats: Some(120),
            ..Classroom::default()
        };
        let text = rooms(&[room]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "room        building    seats  exam seats");
        assert_eq!(lines[1], "一教楼-102  第一教学楼    120           -");
        assert_eq!(lines[2], "1 free room");
    }
}
