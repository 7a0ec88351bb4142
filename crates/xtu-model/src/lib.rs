//! Data models of Xiangtan University's web systems.
//!
//! Plain serde types shared by the scrapers, the CLI and the fake server.
//! Their serialized form is the seed-compatible JSON: field names and order
//! are part of the public contract. Nothing here does IO (reading the clock
//! in [`beijing_now`] aside).
#![deny(missing_docs)]

mod audit;
mod calendar;
mod classroom;
mod evaluation;
mod exams;
mod grades;
mod notices;
mod profile;
pub mod sections;
mod timetable;
mod transcript;
pub mod weeks;

pub use audit::{
    AuditCategory, AuditCourse, AuditSummary, CourseStatus, DegreeAudit, Major, PlanChoice,
    PlanCourse, PlanSelection, ProgrammePlan,
};
pub use calendar::{
    SUMMER_TERM, TeachingCalendar, Term, TermParseError, beijing_now, beijing_today,
};
pub use classroom::{Building, Classroom, ClassroomPage};
pub use evaluation::{
    Answer, Evaluation, EvaluationForm, EvaluationKeys, EvaluationState, FormPanel, Level,
    Question, QuestionGroup, QuestionKind,
};
pub use exams::{Exam, parse_exam_time};
pub use grades::{GPA_FORMULA, GpaRank, GpaRankTexts, Grade, WeightedGpa, credit_weighted_gpa};
pub use notices::{Notice, split_notice_kind};
pub use profile::StudentProfile;
pub use timetable::{Course, PracticeCourse, Timetable};
pub use transcript::{
    CreditPair, LevelExam, Transcript, TranscriptCourse, UpstreamCourse, UpstreamTranscript,
};
