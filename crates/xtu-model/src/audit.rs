//! What is left to graduate: the degree audit (学业情况) and the programme
//! plan (培养方案).

use serde::{Deserialize, Serialize};

/// The degree audit (学业情况): the plan's credit requirements, what was
/// earned in each, and every course of the plan with its study status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DegreeAudit {
    /// Student id (`input#xh_id`).
    pub student_id: String,
    /// The page's summary box (`#alertBox`).
    pub summary: AuditSummary,
    /// Requirement categories in the site's order, parents before their
    /// children.
    pub categories: Vec<AuditCategory>,
    /// Courses taken outside the plan (计划外).
    pub outside_plan: Vec<AuditCourse>,
    /// What was read but not understood (an unknown study status code,
    /// kept as its text). Absent when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// The counts of the summary box, `null` where the site gives none.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AuditSummary {
    /// 计划总课程: courses in the plan.
    pub planned: Option<u32>,
    /// 通过: plan courses passed.
    pub passed: Option<u32>,
    /// 未通过: plan courses failed.
    pub failed: Option<u32>,
    /// 在读: plan courses being taken.
    pub in_progress: Option<u32>,
    /// 未修: plan courses not taken yet.
    pub not_taken: Option<u32>,
    /// 计划外: courses taken outside the plan.
    pub outside_plan: Option<u32>,
    /// Grade point average as the page states it.
    pub gpa: Option<f64>,
}

/// One credit requirement (学分要求节点) of the plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AuditCategory {
    /// The site's id (`xfyqjd_id`).
    pub id: String,
    /// Name, e.g. 通识教育必修课.
    pub name: String,
    /// The parent category's id (`fxfyqjd_id`); `null` at the top.
    pub parent: Option<String>,
    /// Credits required (`yqzdxf`) as the site states them: a parent's need
    /// not be its children's sum. `null` when blank (其他课程, 创新创业).
    pub required_credits: Option<f64>,
    /// Credits earned (`yxxf`); `null` when blank.
    pub earned_credits: Option<f64>,
    /// Credits still missing: the site's, else required − earned (never
    /// below 0); `null` when either is unknown.
    pub missing_credits: Option<f64>,
    /// The category's courses (leaf categories; empty for the others).
    pub courses: Vec<AuditCourse>,
}

impl AuditCategory {
    /// Whether credits are still missing.
    pub fn is_short(&self) -> bool {
        self.missing_credits.is_some_and(|missing| missing > 0.0)
    }
}

/// One course row of the degree audit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AuditCourse {
    /// Course code (`KCH`).
    pub code: String,
    /// Course name (`KCMC`).
    pub name: String,
    /// Credits (`XF`); `null` when blank.
    pub credits: Option<f64>,
    /// Study status (`XDZT`): `passed`, `failed`, `in_progress`,
    /// `not_taken`, or the site's own text for a code not known.
    #[cfg_attr(feature = "schema", schemars(with = "String"))]
    pub status: CourseStatus,
    /// Best score (`MAXCJ`, else `CJ`) as given: `92`, `优秀`.
    pub score: Option<String>,
    /// Grade point (`JD`).
    pub grade_point: Option<f64>,
    /// Suggested term, `2023-2024-1` (`JYXDXNMC`/`JYXDXQMC`).
    pub term: Option<String>,
    /// Nature (`KCXZMC`), e.g. 必修.
    pub nature: Option<String>,
    /// Kind (`KCLBMC`).
    pub kind: Option<String>,
}

/// The study status of a course (`XDZT`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum CourseStatus {
    /// Passed (or credits recognised).
    Passed,
    /// Taken and failed.
    Failed,
    /// Being taken this term.
    InProgress,
    /// Not taken yet.
    NotTaken,
    /// A status the toolkit does not know, as the site wrote it.
    Other(String),
}

impl CourseStatus {
    /// The JSON word.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Passed => "passed",
            Self::Failed => "failed",
            Self::InProgress => "in_progress",
            Self::NotTaken => "not_taken",
            Self::Other(text) => text,
        }
    }

    /// The site's own word, for a table a student reads.
    pub fn label(&self) -> &str {
        match self {
            Self::Passed => "已修",
            Self::Failed => "未过",
            Self::InProgress => "在修",
            Self::NotTaken => "未修",
            Self::Other(text) => text,
        }
    }
}

impl From<String> for CourseStatus {
    fn from(text: String) -> Self {
        match text.as_str() {
            "passed" => Self::Passed,
            "failed" => Self::Failed,
            "in_progress" => Self::InProgress,
            "not_taken" => Self::NotTaken,
            _ => Self::Other(text),
        }
    }
}

impl From<CourseStatus> for String {
    fn from(status: CourseStatus) -> Self {
        match status {
            CourseStatus::Other(text) => text,
            known => known.as_str().to_owned(),
        }
    }
}

impl DegreeAudit {
    /// Only what is still missing: the categories short of credits, each
    /// with its courses not passed; courses outside the plan count towards
    /// no category and are left out.
    pub fn missing_only(mut self) -> Self {
        self.categories.retain(AuditCategory::is_short);
        for category in &mut self.categories {
            category
                .courses
                .retain(|course| course.status != CourseStatus::Passed);
        }
        self.outside_plan.clear();
        self
    }

    /// How deep a category sits (0 at the top), by its parents' chain.
    pub fn depth(&self, category: &AuditCategory) -> usize {
        let mut depth = 0;
        let mut parent = category.parent.as_deref();
        // Bounded by the number of categories: a cycle in the site's ids
        // cannot loop forever.
        while let Some(id) = parent {
            if depth >= self.categories.len() {
                break;
            }
            match self.categories.iter().find(|c| c.id == id) {
                Some(found) => {
                    depth += 1;
                    parent = found.parent.as_deref();
                }
                None => break,
            }
        }
        depth
    }
}

/// A programme plan (培养方案): its courses with category and suggested term.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ProgrammePlan {
    /// The college (学院), `null` when not known.
    pub college: Option<PlanChoice>,
    /// The major (专业).
    pub major: PlanChoice,
    /// The grade (年级), e.g. `2022`.
    pub grade: String,
    /// The plan's courses in the site's order.
    pub courses: Vec<PlanCourse>,
}

/// A code and its name, as a select of the plan page offers them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PlanChoice {
    /// The site's code (`jg_id`, `zyh_id`).
    pub code: String,
    /// Its name, `null` when the site did not say.
    pub name: Option<String>,
}

/// One course of a programme plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PlanCourse {
    /// Course code (`kch`); may hold letters (`2521100a`).
    pub code: String,
    /// Course name (`kcmc`).
    pub name: String,
    /// Credits (`xf`).
    pub credits: Option<f64>,
    /// Nature (`kcxzmc`), e.g. 必修.
    pub nature: Option<String>,
    /// Requirement category (`xfyqjdmc`).
    pub category: Option<String>,
    /// Suggested term, `2023-2024-1` (`jyxdxnm`/`jyxdxqm`).
    pub term: Option<String>,
    /// Assessment (`khfsmc`, else the code `khfsdm`), e.g. 考试.
    pub assessment: Option<String>,
}

/// The plan page's own choices (its pre-selected options): the student's
/// college, grade and major.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PlanSelection {
    /// College (`jg_id`).
    pub college: Option<PlanChoice>,
    /// Grade (`njdm_id`).
    pub grade: Option<String>,
    /// Major (`zyh_id`).
    pub major: Option<PlanChoice>,
}

/// A major of a college (`comm_cxZydmList`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Major {
    /// The code to give `xtu plan --major` (`zyh_id`).
    pub code: String,
    /// Name (`zymc`).
    pub name: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn course(status: CourseStatus) -> AuditCourse {
        AuditCourse {
            code: "K".into(),
            name: "N".into(),
            credits: Some(2.0),
            status,
            score: None,
            grade_point: None,
            term: None,
            nature: None,
            kind: None,
        }
    }

    fn category(id: &str, parent: Option<&str>, missing: Option<f64>) -> AuditCategory {
        AuditCategory {
            id: id.into(),
            name: id.into(),
            parent: parent.map(Into::into),
            required_credits: None,
            earned_credits: None,
            missing_credits: missing,
            courses: vec![course(CourseStatus::Passed), course(CourseStatus::NotTaken)],
        }
    }

    #[test]
    fn statuses_serialize_as_words_or_the_sites_text() {
        for (status, word) in [
            (CourseStatus::Passed, "passed"),
            (CourseStatus::InProgress, "in_progress"),
            (CourseStatus::Other("缓考".into()), "缓考"),
        ] {
            let json = serde_json::to_value(&status).expect("serializes");
            assert_eq!(json, serde_json::json!(word));
            assert_eq!(
                serde_json::from_value::<CourseStatus>(json).expect("reads"),
                status
            );
        }
    }

    #[test]
    fn missing_only_keeps_short_categories_and_courses_not_passed() {
        let audit = DegreeAudit {
            student_id: "S".into(),
            summary: AuditSummary::default(),
            categories: vec![
                category("a", None, Some(4.0)),
                category("b", Some("a"), Some(0.0)),
                category("c", Some("a"), None),
            ],
            outside_plan: vec![course(CourseStatus::Passed)],
            warnings: Vec::new(),
        };
        assert_eq!(audit.depth(&audit.categories[1]), 1);
        let missing = audit.missing_only();
        assert_eq!(missing.categories.len(), 1);
        assert_eq!(missing.categories[0].courses.len(), 1);
        assert_eq!(
            missing.categories[0].courses[0].status,
            CourseStatus::NotTaken
        );
        assert!(missing.outside_plan.is_empty());
    }

    #[test]
    fn a_cycle_of_parents_ends() {
        let audit = DegreeAudit {
            student_id: "S".into(),
            summary: AuditSummary::default(),
            categories: vec![
                category("a", Some("b"), None),
                category("b", Some("a"), None),
            ],
            outside_plan: Vec::new(),
            warnings: Vec::new(),
        };
        assert!(audit.depth(&audit.categories[0]) <= 2);
    }
}
