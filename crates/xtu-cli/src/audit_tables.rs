//! The tables of `xtu progress` and `xtu plan`: what a student would
//! screenshot, within 80 columns whatever the names (CJK characters count
//! two columns; long names are cut with `…`).

use xtu_model::{AuditCategory, CourseStatus, DegreeAudit, Major, ProgrammePlan};

use crate::grid::fit;
use crate::output::table;
use crate::tables::decimal;

/// Columns of the category name (indented by depth).
const NAME: usize = 26;
/// Columns of each credit figure.
const FIGURE: usize = 8;
/// Cells of the bar. ASCII on purpose: block characters (█ ░) are of
/// ambiguous width and take two columns in many CJK terminals, which would
/// break the alignment this table is for.
const BAR: usize = 20;
/// Columns of a missing course's name.
const COURSE: usize = 40;

fn figure(value: Option<f64>) -> String {
    format!("{:>FIGURE$}", decimal(value))
}

/// `text` right-aligned in `width` columns by display width (`format!`'s
/// padding counts characters, and 学分 is two of them but four columns).
fn right(text: &str, width: usize) -> String {
    use unicode_width::UnicodeWidthStr as _;
    format!("{}{text}", " ".repeat(width.saturating_sub(text.width())))
}

/// `[########------------] 40%`, or nothing when the requirement is unknown.
fn bar(category: &AuditCategory) -> String {
    let (Some(required), Some(earned)) = (category.required_credits, category.earned_credits)
    else {
        return String::new();
    };
    if required <= 0.0 {
        return String::new();
    }
    let share = (earned / required).clamp(0.0, 1.0);
    // Truncation, not rounding: a bar looks full only when nothing is missing.
    let filled = ((share * BAR as f64) as usize).min(BAR);
    let filled = if category.is_short() {
        filled.min(BAR - 1)
    } else {
        filled
    };
    format!(
        "[{}{}] {:>3}%",
        "#".repeat(filled),
        "-".repeat(BAR - filled),
        (share * 100.0).floor()
    )
}

/// `xtu progress`: the summary, then each category with required / earned
/// / missing credits and a bar, the courses not passed under it.
pub fn progress(audit: &DegreeAudit) -> String {
    let s = &audit.summary;
    let count = |n: Option<u32>| n.map_or_else(|| "-".to_owned(), |n| n.to_string());
    let mut out = format!(
        "学业情况 {}   GPA {}\n计划 {} 门: 通过 {} · 未通过 {} · 在读 {} · 未修 {} · 计划外 {}\n\n",
        audit.student_id,
        decimal(s.gpa),
        count(s.planned),
        count(s.passed),
        count(s.failed),
        count(s.in_progress),
        count(s.not_taken),
        count(s.outside_plan),
    );
    out.push_str(&format!(
        "{}{:>FIGURE$}{:>FIGURE$}{:>FIGURE$}\n",
        fit("category", NAME),
        "needed",
        "earned",
        "missing"
    ));
    for category in &audit.categories {
        let indent = "  ".repeat(audit.depth(category).min(4));
        let line = format!(
            "{}{}{}{}  {}",
            fit(&format!("{indent}{}", category.name), NAME),
            figure(category.required_credits),
            figure(category.earned_credits),
            figure(category.missing_credits),
            bar(category)
        );
        out.push_str(line.trim_end());
        out.push('\n');
        for course in category
            .courses
            .iter()
            .filter(|c| c.status != CourseStatus::Passed)
        {
            let credits = course
                .credits
                .map_or_else(String::new, |c| format!("{} 学分", decimal(Some(c))));
            let line = format!(
                "{indent}  {} {} {}  {}",
                fit(course.status.label(), 4),
                fit(&course.name, COURSE),
                right(&credits, 8),
                course.term.as_deref().unwrap_or("")
            );
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }
    if !audit.outside_plan.is_empty() {
        out.push_str("\noutside the plan (计划外):\n");
        for course in &audit.outside_plan {
            let line = format!(
                "  {} {} {}",
                fit(course.status.label(), 4),
                fit(&course.name, COURSE),
                right(&decimal(course.credits), 8)
            );
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }
    if audit.categories.is_empty() {
        out.push_str("nothing missing\n");
    }
    out
}

/// `xtu plan`: the courses by suggested term.
pub fn plan(plan: &ProgrammePlan) -> String {
    let name =
        |choice: &xtu_model::PlanChoice| choice.name.clone().unwrap_or_else(|| choice.code.clone());
    let mut out = format!(
        "培养方案 {} {} 级{}\n",
        name(&plan.major),
        plan.grade,
        plan.college
            .as_ref()
            .map(|c| format!(" ({})", name(c)))
            .unwrap_or_default()
    );
    let mut courses: Vec<_> = plan.courses.iter().collect();
    // By suggested term (those without one last); the site's order within
    // a term (the sort is stable).
    courses.sort_by_key(|c| (c.term.is_none(), c.term.clone()));
    let rows: Vec<Vec<String>> = courses
        .iter()
        .map(|c| {
            vec![
                c.term.clone().unwrap_or_else(|| "-".into()),
                c.code.clone(),
                fit(&c.name, 24).trim_end().to_owned(),
                fit(c.category.as_deref().unwrap_or("-"), 12)
                    .trim_end()
                    .to_owned(),
                c.assessment.clone().unwrap_or_else(|| "-".into()),
                decimal(c.credits),
            ]
        })
        .collect();
    out.push_str(&table(
        &["term", "code", "course", "category", "exam", "credits"],
        &rows,
        5,
    ));
    let total: f64 = plan.courses.iter().filter_map(|c| c.credits).sum();
    out.push_str(&format!(
        "{} courses, {} credits\n",
        plan.courses.len(),
        decimal(Some((total * 100.0).round() / 100.0))
    ));
    out
}

/// `xtu plan --majors`.
pub fn majors(majors: &[Major]) -> String {
    if majors.is_empty() {
        return "no majors\n".into();
    }
    let rows: Vec<Vec<String>> = majors
        .iter()
        .map(|m| vec![m.code.clone(), m.name.clone()])
        .collect();
    table(&["code", "major"], &rows, usize::MAX)
}

/// The widest line of a table, for the tests.
#[cfg(test)]
fn widest(text: &str) -> usize {
    use unicode_width::UnicodeWidthStr as _;
    text.lines().map(|l| l.width()).max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use xtu_model::{AuditCourse, AuditSummary};

    fn category(name: &str, parent: Option<&str>, figures: [Option<f64>; 3]) -> AuditCategory {
        AuditCategory {
            id: name.into(),
            name: name.into(),
            parent: parent.map(Into::into),
            required_credits: figures[0],
            earned_credits: figures[1],
            missing_credits: figures[2],
            courses: vec![AuditCourse {
                code: "K".into(),
                name: "毛泽东思想和中国特色社会主义理论体系概论（实践教学环节与课程设计）".into(),
                credits: Some(5.5),
                status: CourseStatus::NotTaken,
                score: None,
                grade_point: None,
                term: Some("2025-2026-2".into()),
                nature: None,
                kind: None,
            }],
        }
    }

    #[test]
    fn the_progress_table_fits_80_columns_with_wide_names() {
        let long = "通识教育选修课程（人文社会科学与艺术审美类模块）";
        let audit = DegreeAudit {
            student_id: "202205561111".into(),
            summary: AuditSummary::default(),
            categories: vec![
                category(long, None, [Some(159.0), Some(115.5), Some(43.5)]),
                category("子类", Some(long), [Some(27.5), Some(27.5), Some(0.0)]),
                category("其他课程", None, [None, None, None]),
            ],
            outside_plan: Vec::new(),
            warnings: Vec::new(),
        };
        let text = progress(&audit);
        assert!(widest(&text) <= 80, "{}\n{text}", widest(&text));
        assert!(text.contains("[##############------]  72%"), "{text}");
        assert!(text.contains("[####################] 100%"), "{text}");
        assert!(text.contains("未修"), "{text}");
        assert!(text.contains("…"), "{text}");
    }

    #[test]
    fn a_short_category_never_shows_a_full_bar() {
        let almost = category("甲", None, [Some(100.0), Some(99.9), Some(0.1)]);
        assert!(
            bar(&almost).starts_with("[###################-]"),
            "{}",
            bar(&almost)
        );
    }
}
