//! The printable transcript (成绩单 PDF): every grade as printed, and the
//! upstream toolkit's JSON shape of it.

use serde::{Deserialize, Serialize};

/// A transcript read from the printable PDF. Every text is kept as printed
/// (scores like `61△`, credits like `3.0`); a value the PDF does not hold is
/// `None`, never a default.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Transcript {
    /// College (学院), as printed; may contain `●`.
    pub college: Option<String>,
    /// Major (专业).
    pub major: Option<String>,
    /// Student number (学号).
    pub student_id: Option<String>,
    /// Name (姓名).
    pub name: Option<String>,
    /// Every course, in reading order (block by block, page by page).
    pub courses: Vec<TranscriptCourse>,
    /// Average score (平均成绩) of the summary.
    pub average_score: Option<String>,
    /// Grade point average (平均学分绩点) of the summary.
    pub gpa: Option<String>,
    /// All credits: required and earned.
    pub total_credit: CreditPair,
    /// Compulsory (必修) credits.
    pub compulsory_credit: CreditPair,
    /// Elective (选修) credits.
    pub elective_credit: CreditPair,
    /// Cross-discipline elective (跨学科选修) credits.
    pub cross_course_credit: CreditPair,
    /// The level exams (等级考试成绩: CET-4, CET-6...) when the transcript
    /// has that table; never courses, and not in the upstream's shape.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub level_exams: Vec<LevelExam>,
}

/// One row of the transcript's 等级考试成绩 table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LevelExam {
    /// The exam as printed (`CET4`, `大学英语六级`).
    pub name: String,
    /// The score as printed (`523`).
    pub score: Option<String>,
    /// The date as printed (`2022-12`).
    pub date: Option<String>,
}

/// One course row of the transcript.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TranscriptCourse {
    /// Course name; a name wrapped onto two lines in its cell is joined.
    pub name: String,
    /// Course type (课程性质) as printed: 必修, 选修, 跨学科选修...
    pub course_type: Option<String>,
    /// Credits as printed (`3.0`).
    pub credit: Option<String>,
    /// Score as printed: a number, a grade word, 缓考, 免修, or marked (`61△`).
    pub score: Option<String>,
    /// Ordinal of the term header above the course (1, 2, 3... across the
    /// whole transcript); 0 before the first header.
    pub term: u32,
}

/// Credits required and earned, as printed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CreditPair {
    /// Credits required (应修).
    pub required: Option<String>,
    /// Credits earned (已修/获得).
    pub earned: Option<String>,
}

/// The upstream toolkit's JSON of a transcript (`transcript.py`): keys
/// `college, major, student_id, name, scores, average_score, gpa,
/// total_credit, compulsory_credit, elective_credit, cross_course_credit` in
/// that order, texts as strings, `term` an integer, credit pairs as
/// two-element lists. Built by [`Transcript::upstream`].
///
/// Where the upstream prints a made-up default for a missing value (an
/// average of `"100"`, a GPA of `"4.0"`, credits of `"0"`), this prints
/// `null`; identity fields and scores it reads as `""` when empty are `""`
/// here too (the cell's real text).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct UpstreamTranscript<'a> {
    college: &'a str,
    major: &'a str,
    student_id: &'a str,
    name: &'a str,
    scores: Vec<UpstreamCourse<'a>>,
    average_score: Option<&'a str>,
    gpa: Option<&'a str>,
    total_credit: [Option<&'a str>; 2],
    compulsory_credit: [Option<&'a str>; 2],
    elective_credit: [Option<&'a str>; 2],
    cross_course_credit: [Option<&'a str>; 2],
}

/// One entry of [`UpstreamTranscript`]'s `scores`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct UpstreamCourse<'a> {
    name: &'a str,
    #[serde(rename = "type")]
    course_type: Option<&'a str>,
    credit: Option<&'a str>,
    score: &'a str,
    term: u32,
}

impl CreditPair {
    fn upstream(&self) -> [Option<&str>; 2] {
        [self.required.as_deref(), self.earned.as_deref()]
    }
}

impl Transcript {
    /// The upstream toolkit's JSON shape of this transcript (see
    /// [`UpstreamTranscript`] for what absent values become).
    pub fn upstream(&self) -> UpstreamTranscript<'_> {
        UpstreamTranscript {
            college: self.college.as_deref().unwrap_or_default(),
            major: self.major.as_deref().unwrap_or_default(),
            student_id: self.student_id.as_deref().unwrap_or_default(),
            name: self.name.as_deref().unwrap_or_default(),
            scores: self
                .courses
                .iter()
                .map(|course| UpstreamCourse {
                    name: &course.name,
                    course_type: course.course_type.as_deref(),
                    credit: course.credit.as_deref(),
                    score: course.score.as_deref().unwrap_or_default(),
                    term: course.term,
                })
                .collect(),
            average_score: self.average_score.as_deref(),
            gpa: self.gpa.as_deref(),
            total_credit: self.total_credit.upstream(),
            compulsory_credit: self.compulsory_credit.upstream(),
            elective_credit: self.elective_credit.upstream(),
            cross_course_credit: self.cross_course_credit.upstream(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(required: &str, earned: Option<&str>) -> CreditPair {
        CreditPair {
            required: Some(required.into()),
            earned: earned.map(Into::into),
        }
    }

    #[test]
    fn upstream_json_has_the_upstream_keys_in_order_and_no_invented_values() {
        let transcript = Transcript {
            college: Some("示例学院".into()),
            major: None,
            student_id: Some("202200000000".into()),
            name: Some("张三".into()),
            courses: vec![TranscriptCourse {
                name: "高等数学".into(),
                course_type: Some("必修".into()),
                credit: Some("5.0".into()),
                score: None,
                term: 1,
            }],
            average_score: None,
            gpa: Some("3.42".into()),
            total_credit: pair("160.0", Some("5.0")),
            compulsory_credit: pair("120.0", None),
            elective_credit: CreditPair::default(),
            cross_course_credit: pair("8.0", Some("0")),
            level_exams: vec![LevelExam {
                name: "CET4".into(),
                score: Some("523".into()),
                date: Some("2022-12".into()),
            }],
        };
        let json = serde_json::to_string(&transcript.upstream()).expect("serializes");
        assert_eq!(
            json,
            r#"{"college":"示例学院","major":"","student_id":"202200000000","name":"张三","scores":[{"name":"高等数学","type":"必修","credit":"5.0","score":"","term":1}],"average_score":null,"gpa":"3.42","total_credit":["160.0","5.0"],"compulsory_credit":["120.0",null],"elective_credit":[null,null],"cross_course_credit":["8.0","0"]}"#
        );
    }
}
