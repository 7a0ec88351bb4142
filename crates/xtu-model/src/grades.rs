//! Grades (成绩) and grade point averages.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

/// One course result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Grade {
    /// Course name (`kcmc`).
    pub course: String,
    /// Course code (`kch_id`).
    pub course_code: String,
    /// Term, `2024-2025-1` (from `xnmmc` and `xqmmc`).
    pub term: String,
    /// Score as given: a number (`92`) or a grade word (`优秀`, `合格`).
    pub score: String,
    /// Grade point (`jd`), when given.
    pub grade_point: Option<f64>,
    /// Credits (`xf`), when given.
    pub credits: Option<f64>,
    /// Course type (`kcxzmc`), e.g. 必修 / 选修.
    pub course_type: String,
    /// Teacher (`jsxm`).
    pub teacher: String,
}

impl Grade {
    /// Whether the course is compulsory (its type mentions 必修).
    pub fn is_compulsory(&self) -> bool {
        self.course_type.contains("必修")
    }
}

/// The site's GPA and ranking (成绩排名统计).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct GpaRank {
    /// Grade point average (`pjxfjd`).
    pub gpa: Option<f64>,
    /// Average score (`pjcj`).
    pub average_score: Option<f64>,
    /// Rank in the class by GPA (`jdbjpm`), as given (e.g. `5` or `5/38`).
    pub class_rank: Option<String>,
    /// Rank in the year's major by GPA (`jdnjzypm`).
    pub major_rank: Option<String>,
    /// The same four values as the site wrote them, for the upstream
    /// toolkit's shape (which prints them unchanged: `"85.20"` not `85.2`,
    /// `3.21` and `12` as numbers when the site sends numbers).
    #[serde(skip)]
    pub texts: GpaRankTexts,
}

/// The site's values of a [`GpaRank`], of the JSON type the site sent them
/// in: a string (trimmed) or a number; `""` when absent, as the upstream's
/// `item.get(key, "")`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GpaRankTexts {
    /// `pjxfjd`.
    pub gpa: serde_json::Value,
    /// `pjcj`.
    pub average_score: serde_json::Value,
    /// `jdbjpm`.
    pub class_rank: serde_json::Value,
    /// `jdnjzypm`.
    pub major_rank: serde_json::Value,
}

/// A GPA computed from the grades themselves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WeightedGpa {
    /// Σ(grade point × credits) / Σ credits, rounded to 4 decimals; `None`
    /// when no course counts.
    pub gpa: Option<f64>,
    /// Σ credits of the courses counted.
    pub credits: f64,
    /// Number of courses counted.
    pub courses: usize,
}

/// How [`credit_weighted_gpa`] computes, for `--help` and documentation.
pub const GPA_FORMULA: &str = "GPA = Σ(grade point × credits) / Σ credits, over the courses \
that have both a grade point and credits; a course taken more than once (same course code) \
counts once, with its best grade point";

/// The credit-weighted GPA of `grades` (see [`GPA_FORMULA`]).
pub fn credit_weighted_gpa<'a>(grades: impl IntoIterator<Item = &'a Grade>) -> WeightedGpa {
    // Best attempt per course: a retake replaces a failed first attempt.
    let mut best: HashMap<&str, (f64, f64)> = HashMap::new();
    for grade in grades {
        let (Some(point), Some(credits)) = (grade.grade_point, grade.credits) else {
            continue;
        };
        if !point.is_finite() || !credits.is_finite() || credits <= 0.0 || point < 0.0 {
            continue;
        }
        let key = if grade.course_code.is_empty() {
            grade.course.as_str()
        } else {
            grade.course_code.as_str()
        };
        let entry = best.entry(key).or_insert((point, credits));
        if point > entry.0 {
            *entry = (point, credits);
        }
    }
    let credits: f64 = best.values().map(|(_, c)| c).sum();
    let weighted: f64 = best.values().map(|(p, c)| p * c).sum();
    WeightedGpa {
        gpa: (credits > 0.0).then(|| (weighted / credits * 10_000.0).round() / 10_000.0),
        credits: (credits * 100.0).round() / 100.0,
        courses: best.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grade(code: &str, point: Option<f64>, credits: Option<f64>) -> Grade {
        Grade {
            course: format!("课程{code}"),
            course_code: code.into(),
            term: "2024-2025-1".into(),
            score: "80".into(),
            grade_point: point,
            credits,
            course_type: "必修".into(),
            teacher: String::new(),
        }
    }

    #[test]
    fn weights_by_credits_and_counts_retakes_once() {
        let grades = [
            grade("A", Some(4.0), Some(4.0)),
            grade("B", Some(2.0), Some(2.0)),
            // B retaken: the better attempt counts, once.
            grade("B", Some(3.0), Some(2.0)),
            grade("B", Some(0.0), Some(2.0)),
            // No grade point or credits: not counted.
            grade("C", None, Some(3.0)),
            grade("D", Some(3.0), None),
            grade("E", Some(f64::NAN), Some(1.0)),
        ];
        let gpa = credit_weighted_gpa(&grades);
        // (4×4 + 3×2) / 6 = 3.6667
        assert_eq!(gpa.gpa, Some(3.6667));
        assert_eq!(gpa.credits, 6.0);
        assert_eq!(gpa.courses, 2);
    }

    #[test]
    fn nothing_to_count_is_none() {
        let gpa = credit_weighted_gpa(&[grade("C", None, None)]);
        assert_eq!(gpa.gpa, None);
        assert_eq!(gpa.courses, 0);
    }
}
