//! Timetable, exams, grades and GPA: the queries beyond the seed, in the
//! rich form (`xtu timetable`...) and the upstream's JSON (`course-schedule`,
//! `exam-schedule`).

use serde::Serialize;
use xtu_ems::{CourseScope, EmsError, GpaQuery, TermSpec};
use xtu_model::{Course, Exam, GpaRank, Grade, Term, Timetable, WeightedGpa};

use crate::args::{
    CompatTermArgs, GlobalArgs, GpaArgs, GradesArgs, OutputFormat, TermArgs, TermListArgs,
    TermQueryArgs,
};
use crate::commands::with_ems;
use crate::failure::Failure;
use crate::output::{format_or_default, print_json, print_text, table, with_progress};

/// The term asked for, else the current one (upstream rule, Beijing date).
pub fn term_or_current(args: &TermArgs) -> Result<TermSpec, Failure> {
    let (year, term) = match (args.year, args.term) {
        (Some(year), Some(term)) => (year, term),
        _ => {
            let current = Term::around(crate::rooms::beijing_now().date());
            (current.start_year, current.term)
        }
    };
    TermSpec::new(year, term).map_err(|e| EmsError::from(e).into())
}

/// One term, or every term with `--all`.
fn term_selection(args: &TermListArgs) -> Result<Option<TermSpec>, Failure> {
    if args.all {
        Ok(None)
    } else {
        term_or_current(&args.query.term).map(Some)
    }
}

/// `xtu timetable`.
pub async fn timetable(global: &GlobalArgs, args: TermQueryArgs) -> Result<(), Failure> {
    let term = term_or_current(&args.term)?;
    let timetable = with_ems(global, args.token.as_deref(), |ems| async move {
        ems.timetable(term).await
    })
    .await?;
    match format_or_default(args.format) {
        OutputFormat::Json => print_json(&timetable),
        OutputFormat::Table => print_text(&timetable_table(&timetable)),
    }
}

/// The upstream's course entry: the site's texts passed through.
#[derive(Debug, Serialize)]
struct CompatCourse<'a> {
    name: &'a str,
    teacher: &'a str,
    location: &'a str,
    weeks: &'a str,
    day_of_week: u8,
    sections: String,
}

/// `1-2` for a block, `1,3` otherwise (jcs).
fn section_text(sections: &[u8]) -> String {
    match (sections.first(), sections.last()) {
        (Some(first), Some(last))
            if usize::from(last - first) + 1 == sections.len() && first != last =>
        {
            format!("{first}-{last}")
        }
        _ => sections
            .iter()
            .map(u8::to_string)
            .collect::<Vec<_>>()
            .join(","),
    }
}

fn compat_course(course: &Course) -> CompatCourse<'_> {
    CompatCourse {
        name: &course.name,
        teacher: &course.teacher,
        location: &course.location,
        weeks: &course.weeks_text,
        day_of_week: course.day_of_week,
        sections: section_text(&course.sections),
    }
}

/// `xtu course-schedule`.
pub async fn course_schedule(global: &GlobalArgs, args: CompatTermArgs) -> Result<(), Failure> {
    let term = term_or_current(&args.term)?;
    let timetable = with_ems(global, args.token.token.as_deref(), |ems| async move {
        ems.timetable(term).await
    })
    .await?;
    let courses: Vec<CompatCourse<'_>> = timetable.courses.iter().map(compat_course).collect();
    print_json(&courses)
}

const DAYS: [&str; 7] = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];

fn day_name(day: u8) -> &'static str {
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

fn timetable_table(timetable: &Timetable) -> String {
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
        // The description usually starts with the name already.
        let line = if practice.description.starts_with(&practice.name) {
            practice.description.clone()
        } else {
            format!("{} {}", practice.name, practice.description)
        };
        out.push_str(&format!("practice: {}\n", line.trim_end()));
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

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// `xtu exams`.
pub async fn exams(global: &GlobalArgs, args: TermListArgs) -> Result<(), Failure> {
    let term = term_selection(&args)?;
    let exams = with_ems(global, args.query.token.as_deref(), |ems| async move {
        ems.exams(term).await
    })
    .await?;
    match format_or_default(args.query.format) {
        OutputFormat::Json => print_json(&exams),
        OutputFormat::Table => print_text(&exams_table(&exams)),
    }
}

/// The upstream's exam entry.
#[derive(Debug, Serialize)]
struct CompatExam<'a> {
    name: &'a str,
    start_time: Option<String>,
    end_time: Option<String>,
    location: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
}

fn compat_exam(exam: &Exam) -> CompatExam<'_> {
    let at = |time: Option<chrono::NaiveTime>| {
        exam.date
            .zip(time)
            .map(|(date, time)| format!("{date} {}", time.format("%H:%M")))
    };
    CompatExam {
        name: &exam.course,
        start_time: at(exam.start),
        end_time: at(exam.end),
        location: exam.location.as_deref().unwrap_or_default(),
        kind: if exam.assessment.is_empty() {
            &exam.method
        } else {
            &exam.assessment
        },
    }
}

/// `xtu exam-schedule`.
pub async fn exam_schedule(global: &GlobalArgs, args: CompatTermArgs) -> Result<(), Failure> {
    let term = term_or_current(&args.term)?;
    let exams = with_ems(global, args.token.token.as_deref(), |ems| async move {
        ems.exams(Some(term)).await
    })
    .await?;
    let exams: Vec<CompatExam<'_>> = exams.iter().map(compat_exam).collect();
    print_json(&exams)
}

fn exams_table(exams: &[Exam]) -> String {
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

/// `xtu grades`; returns whether `--watch-diff` found changes.
pub async fn grades(global: &GlobalArgs, args: GradesArgs) -> Result<bool, Failure> {
    if args.watch_diff {
        return watch_diff(global, args).await;
    }
    let term = term_selection(&args.list)?;
    let grades = with_ems(global, args.list.query.token.as_deref(), |ems| async move {
        ems.grades(term).await
    })
    .await?;
    match format_or_default(args.list.query.format) {
        OutputFormat::Json => print_json(&grades)?,
        OutputFormat::Table => print_text(&grades_table(&grades))?,
    }
    Ok(false)
}

fn decimal(value: Option<f64>) -> String {
    value.map_or_else(|| "-".into(), |v| format!("{v}"))
}

fn grades_table(grades: &[Grade]) -> String {
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
        decimal(gpa.gpa),
        gpa.credits
    ));
    out
}

/// One entry of `--watch-diff`.
#[derive(Debug, Serialize)]
struct GradeChange<'a> {
    change: &'static str,
    grade: &'a Grade,
    #[serde(skip_serializing_if = "Option::is_none")]
    before: Option<&'a Grade>,
}

/// Entries of `now` that are not in `before`, or differ from it. A course
/// is identified by term, code and name (a retake is a new entry).
fn grade_changes<'a>(before: &'a [Grade], now: &'a [Grade]) -> Vec<GradeChange<'a>> {
    let key = |g: &Grade| (g.term.clone(), g.course_code.clone(), g.course.clone());
    let previous: std::collections::HashMap<_, &Grade> =
        before.iter().map(|g| (key(g), g)).collect();
    now.iter()
        .filter_map(|grade| match previous.get(&key(grade)) {
            None => Some(GradeChange {
                change: "new",
                grade,
                before: None,
            }),
            Some(old) if *old != grade => Some(GradeChange {
                change: "changed",
                grade,
                before: Some(old),
            }),
            Some(_) => None,
        })
        .collect()
}

async fn watch_diff(global: &GlobalArgs, args: GradesArgs) -> Result<bool, Failure> {
    let store = crate::stored::open_store()?;
    let username = match (&global.user, &args.list.query.token) {
        (Some(user), _) => user.clone(),
        (None, None) => store.current()?.ok_or_else(crate::stored::not_logged_in)?,
        (None, Some(_)) => {
            return Err(Failure::Usage(
                "--watch-diff with a token needs --user to name whose grades are saved".into(),
            ));
        }
    };
    let grades = with_ems(global, args.list.query.token.as_deref(), |ems| async move {
        ems.grades(None).await
    })
    .await?;
    let before: Vec<Grade> = store.load_grades(&username)?.unwrap_or_default();
    let changes = grade_changes(&before, &grades);
    match format_or_default(args.list.query.format) {
        OutputFormat::Json => print_json(&changes)?,
        OutputFormat::Table => {
            let mut text = String::new();
            for change in &changes {
                let g = change.grade;
                let was = change
                    .before
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
            print_text(&text)?;
        }
    }
    // Saved after printing: a failed print leaves the changes to report again.
    store.save_grades(&username, &grades)?;
    Ok(!changes.is_empty())
}

/// What `xtu gpa` prints.
#[derive(Debug, Serialize)]
struct GpaReport {
    from: Option<String>,
    to: Option<String>,
    compulsory_only: bool,
    /// The site's statistics; `None` when it has none for the range.
    ranking: Option<GpaRank>,
    /// Computed from the grades, as a cross-check.
    computed: WeightedGpa,
    formula: &'static str,
}

/// `xtu gpa`.
/// The ranking query of a term range, checked (for `xtu gpa` and the MCP tool).
pub fn gpa_query(
    from: Option<Term>,
    to: Option<Term>,
    compulsory_only: bool,
) -> Result<GpaQuery, Failure> {
    let spec = |term: Option<Term>| {
        term.map(|t| TermSpec::new(t.start_year, t.term))
            .transpose()
            .map_err(EmsError::from)
    };
    let scope = if compulsory_only {
        CourseScope::Compulsory
    } else {
        CourseScope::All
    };
    Ok(GpaQuery::new(spec(from)?, spec(to)?, scope).map_err(EmsError::from)?)
}

pub async fn gpa(global: &GlobalArgs, args: GpaArgs) -> Result<(), Failure> {
    let query = &gpa_query(args.from, args.to, args.compulsory_only)?;
    let (ranking, grades) = with_progress(
        "asking the academic system for the GPA ranking (slow at XTU)",
        with_ems(global, args.token.as_deref(), |ems| async move {
            // Independent requests: the slow ranking and the grades together.
            tokio::try_join!(ems.gpa_rank(query), ems.grades(None))
        }),
    )
    .await?;
    let counted = grades
        .iter()
        .filter(|g| query.covers(&g.term))
        .filter(|g| !args.compulsory_only || g.is_compulsory());
    let report = GpaReport {
        from: args.from.map(|t| t.to_string()),
        to: args.to.map(|t| t.to_string()),
        compulsory_only: args.compulsory_only,
        ranking,
        computed: xtu_model::credit_weighted_gpa(counted),
        formula: xtu_model::GPA_FORMULA,
    };
    match format_or_default(args.format) {
        OutputFormat::Json => print_json(&report),
        OutputFormat::Table => print_text(&gpa_text(&report)),
    }
}

fn gpa_text(report: &GpaReport) -> String {
    let range = format!(
        "{} to {}{}",
        report.from.as_deref().unwrap_or("first term"),
        report.to.as_deref().unwrap_or("last term"),
        if report.compulsory_only {
            ", compulsory courses only"
        } else {
            ""
        }
    );
    let mut out = format!("{range}\n");
    match &report.ranking {
        Some(rank) => out.push_str(&format!(
            "site:     GPA {}, average score {}, class rank {}, major rank {}\n",
            decimal(rank.gpa),
            decimal(rank.average_score),
            rank.class_rank.as_deref().unwrap_or("-"),
            rank.major_rank.as_deref().unwrap_or("-"),
        )),
        None => out.push_str("site:     no ranking for this range\n"),
    }
    out.push_str(&format!(
        "computed: GPA {} over {} credits ({} courses)\n",
        decimal(report.computed.gpa),
        report.computed.credits,
        report.computed.courses
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grade(term: &str, code: &str, score: &str) -> Grade {
        Grade {
            course: format!("课程{code}"),
            course_code: code.into(),
            term: term.into(),
            score: score.into(),
            grade_point: None,
            credits: Some(2.0),
            course_type: "必修".into(),
            teacher: String::new(),
        }
    }

    #[test]
    fn changes_are_new_or_changed_entries_only() {
        let before = [
            grade("2024-2025-1", "A", "80"),
            grade("2024-2025-1", "B", "70"),
        ];
        let now = [
            grade("2024-2025-1", "A", "80"),
            grade("2024-2025-1", "B", "75"),
            grade("2024-2025-2", "B", "90"),
        ];
        let changes = grade_changes(&before, &now);
        let summary: Vec<(&str, &str)> = changes
            .iter()
            .map(|c| (c.change, c.grade.score.as_str()))
            .collect();
        assert_eq!(summary, [("changed", "75"), ("new", "90")]);
        assert_eq!(changes[0].before.map(|b| b.score.as_str()), Some("70"));
        assert!(grade_changes(&now, &now).is_empty());
    }

    #[test]
    fn section_texts() {
        assert_eq!(section_text(&[1, 2]), "1-2");
        assert_eq!(section_text(&[9, 10, 11]), "9-11");
        assert_eq!(section_text(&[3]), "3");
        assert_eq!(section_text(&[1, 3]), "1,3");
    }

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
        insta::assert_snapshot!(exams_table(&[exam]));
    }
}
