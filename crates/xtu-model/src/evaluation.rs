//! Course evaluation (学生评价 / 评教, module N401605): the list of forms to
//! fill, one form's questions, and the answers a student gives.
//!
//! The ids (`jxb_id`, `pjzbxm_id`, `pfdjdmxmb_id`...) are the site's own and
//! travel back unchanged in the save and submit requests; their meaning is in
//! docs/protocol.md §5.15.

use serde::{Deserialize, Serialize};

/// Where one evaluation stands (`tjzt`: -1 not started, 0 saved, 1 submitted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum EvaluationState {
    /// Not started (`tjzt` -1, or blank).
    Pending,
    /// Saved, not submitted: still editable (`tjzt` 0).
    Saved,
    /// Submitted: final (`tjzt` 1).
    Submitted,
    /// A code this toolkit does not know: never written to.
    Unknown,
}

/// The keys that name one evaluation to the site: sent back, unchanged, to
/// open its form and to save or submit it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EvaluationKeys {
    /// Teaching class (`jxb_id`).
    pub jxb_id: String,
    /// Course (`kch_id`).
    pub kch_id: String,
    /// Teacher (`jgh_id`).
    pub jgh_id: String,
    /// Kind of teaching (`xsdm`, e.g. 01 lectures).
    pub xsdm: String,
    /// The state code as the site sent it (`tjzt`).
    pub tjzt: String,
    /// Form template (`pjmbmcb_id`), blank before the first save.
    pub pjmbmcb_id: String,
    /// `sfcjlrjs` (whether the teacher enters grades), passed through.
    pub sfcjlrjs: String,
}

/// One course and teacher to evaluate: a course with two teachers is two.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Evaluation {
    /// Course name (`kcmc`).
    pub course: String,
    /// Course code (`kch_id`, `kch`).
    pub course_code: String,
    /// Teacher (`jzgmc`, `jsxm`).
    pub teacher: String,
    /// Kind of teaching (`xsmc`, e.g. 理论).
    pub kind: String,
    /// Where it stands.
    pub state: EvaluationState,
    /// The site's label of the state (`tjztmc`), e.g. 未评, 已评完.
    pub state_label: String,
    /// What the site needs to open, save and submit it.
    pub keys: EvaluationKeys,
}

impl Evaluation {
    /// `course (teacher)`, how messages name a form.
    pub fn title(&self) -> String {
        if self.teacher.is_empty() {
            self.course.clone()
        } else {
            format!("{} ({})", self.course, self.teacher)
        }
    }
}

/// One level of a graded question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Level {
    /// The level's id (`data-pfdjdmxmb_id`): what a save sends as the answer.
    pub id: String,
    /// Its label, e.g. 优秀.
    pub label: String,
    /// The score the level stands for (`data-dyf`), when the form says.
    pub score: Option<f64>,
}

/// How a question is answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum QuestionKind {
    /// One of several levels, best first as the form lists them.
    Graded {
        /// The levels offered.
        levels: Vec<Level>,
    },
    /// A number in a range (`data-zxfz` to `data-zdfz`).
    Scored {
        /// Lowest score allowed.
        min: f64,
        /// Highest score allowed.
        max: f64,
    },
}

/// A saved answer, as the form shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Answer {
    /// A level, by its id.
    Level(String),
    /// A score.
    Score(f64),
}

/// One question (a row, `tr.tr-xspj`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Question {
    /// 1-based position in the whole form: how answers files name it.
    pub index: usize,
    /// The question's text.
    pub label: String,
    /// Its id (`data-pjzbxm_id`).
    pub pjzbxm_id: String,
    /// Its rating scale (`data-pfdjdmb_id`), not the level chosen.
    pub pfdjdmb_id: String,
    /// `data-zsmbmcb_id`, passed through.
    pub zsmbmcb_id: String,
    /// Levels or a score range.
    pub kind: QuestionKind,
    /// The answer the form shows as saved, if any.
    pub saved: Option<Answer>,
}

/// A group of questions (a table, `table.table-xspj`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct QuestionGroup {
    /// The group's id (`data-pjzbxm_id` of the table).
    pub pjzbxm_id: String,
    /// Its heading, when the form has one.
    pub title: String,
    /// The rows.
    pub questions: Vec<Question>,
}

/// One evaluated party of a form (`div.panel-pjdx`): `modelList[i]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FormPanel {
    /// Template (`data-pjmbmcb_id`).
    pub pjmbmcb_id: String,
    /// Who is evaluated (`data-pjdxdm`).
    pub pjdxdm: String,
    /// The student's score sheet (`data-xspfb_id`), blank before a save.
    pub xspfb_id: String,
    /// `data-fxzgf`, passed through.
    pub fxzgf: String,
    /// The question groups.
    pub groups: Vec<QuestionGroup>,
    /// Whether the panel has a comment box.
    pub has_comment: bool,
    /// The comment the form shows as saved.
    pub comment: String,
}

/// One evaluation form (`xspj_cxXspjDisplay.html`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EvaluationForm {
    /// Teaching class (`data-jxb_id` of `div.xspj-body`), blank if absent.
    pub jxb_id: String,
    /// Teacher (`data-jgh_id` of `div.xspj-body`), blank if absent.
    pub jgh_id: String,
    /// The weights sent back (`data-ztpjbl`, `data-jszdpjbl`, `data-xykzpjbl`).
    pub ztpjbl: String,
    /// See `ztpjbl`.
    pub jszdpjbl: String,
    /// See `ztpjbl`.
    pub xykzpjbl: String,
    /// The panels (`modelList`).
    pub panels: Vec<FormPanel>,
}

impl EvaluationForm {
    /// Every question, in form order.
    pub fn questions(&self) -> impl Iterator<Item = &Question> {
        self.panels
            .iter()
            .flat_map(|panel| panel.groups.iter())
            .flat_map(|group| group.questions.iter())
    }
}
