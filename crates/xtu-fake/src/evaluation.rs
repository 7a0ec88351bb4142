//! 学生评价 (course evaluation, N401605): the list, the forms (the fixtures,
//! with what was saved filled in), ZhengFang's score check, save and
//! submit, and the grade page's gate while any evaluation is not submitted.
//!
//! Closed by default (an empty list, no gate), so the other pages behave as
//! before; [`crate::FakeXtu::open_evaluations`] opens three: 高等数学A(一)
//! (教师甲, the graded template) and 大学物理 with two teachers (教师乙,
//! 教师丙: the template with a scored question, which refuses a form whose
//! graded answers are all the same level, through the score check and on
//! save). Every write is recorded with its fields in the order received.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;

use crate::ems::{html, xhr};
use crate::{FakeState, lock};

const GRADED: &str = include_str!("../../../fixtures/ems/eval-form.html");
const SCORED: &str = include_str!("../../../fixtures/ems/eval-form.scored.html");
/// What the site says when evaluation is not open for the student.
const NOT_OPEN: &str = "目前未对你放开教学质量评价";
/// The score check's refusal as ZhengFang's form script shows it.
const UNIFORM_REFUSAL: &str = "同学，存在分数与当前评价分相同，请做调整";

/// One request that changed (or tried to change) an evaluation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvaluationWrite {
    /// `save` (`xspj_bcXspj`) or `submit` (`xspj_tjXspj`).
    pub kind: &'static str,
    /// The fields, in the order received.
    pub fields: Vec<(String, String)>,
}

#[derive(Clone)]
struct Item {
    course: &'static str,
    code: &'static str,
    teacher: &'static str,
    jxb_id: &'static str,
    jgh_id: &'static str,
    template: &'static str,
    /// The template refuses uniform answers.
    strict: bool,
    /// -1 not started, 0 saved, 1 submitted.
    tjzt: i8,
    /// Saved answers: question id → level id or score.
    answers: HashMap<String, String>,
    comment: String,
    /// A refusal to answer every write of this item (a test's knob).
    refusal: Option<String>,
}

impl Item {
    /// The form as the site shows it: the template, this item's keys, and
    /// what was saved.
    fn form(&self) -> String {
        let mut page = self.template.to_owned();
        if self.template == SCORED {
            page = page
                .replace(SCORED_JGH, self.jgh_id)
                .replace("教师乙", self.teacher);
        }
        for (question, answer) in &self.answers {
            let radio = format!("name=\"{question}\" data-pfdjdmxmb_id=\"{answer}\"");
            page = page.replace(&radio, &format!("{radio} checked"));
            page = page.replace(
                &format!("name=\"{question}\" value=\"\""),
                &format!("name=\"{question}\" value=\"{}\"", escape(answer)),
            );
        }
        if self.tjzt >= 0 {
            page = page.replace(
                "data-xspfb_id=\"\"",
                &format!("data-xspfb_id=\"PFB{}\"", &self.jxb_id[3..]),
            );
            page = page.replace(
                "maxlength=\"500\"></textarea>",
                &format!("maxlength=\"500\">{}</textarea>", escape(&self.comment)),
            );
        }
        page
    }

    /// The question ids of the template, in order.
    fn questions(&self) -> Vec<String> {
        const ROW: &str = "class=\"tr-xspj\" data-pjzbxm_id=\"";
        self.template
            .match_indices(ROW)
            .filter_map(|(at, _)| {
                let rest = &self.template[at + ROW.len()..];
                rest.split('"').next().map(str::to_owned)
            })
            .collect()
    }

    fn list_item(&self, row: usize) -> serde_json::Value {
        let label = match self.tjzt {
            1 => "已评完",
            0 => "已评未提交",
            _ => "未评",
        };
        serde_json::json!({
            "jgh_id": self.jgh_id, "jxb_id": self.jxb_id, "jzgmc": self.teacher,
            "kch_id": self.code, "kcmc": self.course,
            "pjmbmcb_id": match (self.tjzt >= 0, self.template == SCORED) {
                (false, _) => "",
                (true, false) => "MB000000000000000000000000000001",
                (true, true) => "MB000000000000000000000000000002",
            },
            "row_id": row.to_string(), "sfcjlrjs": "1", "tjzt": self.tjzt.to_string(),
            "tjztmc": label, "xsdm": "01", "xsmc": "理论",
        })
    }
}

/// The scored fixture's teacher, replaced for the course's second teacher.
const SCORED_JGH: &str = "JGH0000000000000000000000000000000000000000000000000000000000002";

fn opened() -> Vec<Item> {
    let item = |course, code, teacher, jxb_id, jgh_id, template, strict| Item {
        course,
        code,
        teacher,
        jxb_id,
        jgh_id,
        template,
        strict,
        tjzt: -1,
        answers: HashMap::new(),
        comment: String::new(),
        refusal: None,
    };
    vec![
        item(
            "高等数学A(一)",
            "KCH00001",
            "教师甲",
            "JXB00000000000000000000000000001",
            "JGH0000000000000000000000000000000000000000000000000000000000001",
            GRADED,
            false,
        ),
        item(
            "大学物理",
            "KCH00002",
            "教师乙",
            "JXB00000000000000000000000000002",
            SCORED_JGH,
            SCORED,
            true,
        ),
        item(
            "大学物理",
            "KCH00002",
            "教师丙",
            "JXB00000000000000000000000000002",
            "JGH0000000000000000000000000000000000000000000000000000000000003",
            SCORED,
            true,
        ),
    ]
}

/// What the fake remembers of evaluations.
#[derive(Default)]
pub(crate) struct EvaluationState {
    /// `None` while evaluation is closed.
    items: Mutex<Option<Vec<Item>>>,
    writes: Mutex<Vec<EvaluationWrite>>,
}

impl EvaluationState {
    /// Whether the grade page is held back: evaluation is open and some
    /// form is not submitted.
    pub(crate) fn gates_grades(&self) -> bool {
        lock(&self.items)
            .as_ref()
            .is_some_and(|items| items.iter().any(|item| item.tjzt != 1))
    }
}

/// The grade page while evaluations are pending: an empty list (docs/
/// protocol.md §13: no public capture shows more).
pub(crate) const GATED_GRADES: &str =
    r#"{"currentPage":1,"items":[],"showCount":15,"totalCount":0,"totalPage":0,"totalResult":0}"#;

/// The evaluation routes, merged into the academic system's router.
pub(crate) fn routes() -> Router<Arc<FakeState>> {
    Router::new()
        .route("/jwglxt/xspjgl/xspj_cxXspjIndex.html", post(list))
        .route("/jwglxt/xspjgl/xspj_cxXspjDisplay.html", post(form))
        .route("/jwglxt/xspjgl/xspj_cxSftf.html", post(score_check))
        .route("/jwglxt/xspjgl/xspj_bcXspj.html", post(save))
        .route("/jwglxt/xspjgl/xspj_tjXspj.html", post(submit))
}

fn fields(body: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect()
}

fn text(body: impl Into<String>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/html;charset=UTF-8")],
        body.into(),
    )
        .into_response()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

async fn list(State(state): State<Arc<FakeState>>, headers: HeaderMap, body: String) -> Response {
    let form: HashMap<String, String> = fields(&body).into_iter().collect();
    if let Some(response) = xhr(&state, &headers, "eval-list", &form) {
        return response;
    }
    let items: Vec<serde_json::Value> = lock(&state.evaluation.items)
        .as_ref()
        .map(|items| {
            items
                .iter()
                .enumerate()
                .map(|(row, item)| item.list_item(row + 1))
                .collect()
        })
        .unwrap_or_default();
    let answer = serde_json::json!({
        "currentPage": 1, "totalPage": 1, "totalResult": items.len(), "items": items,
    });
    (
        [(header::CONTENT_TYPE, "application/json;charset=UTF-8")],
        answer.to_string(),
    )
        .into_response()
}

/// The item a request names by teaching class and teacher.
fn find<'a>(items: &'a mut [Item], form: &HashMap<String, String>) -> Option<&'a mut Item> {
    let get = |key: &str| form.get(key).map_or("", String::as_str);
    items
        .iter_mut()
        .find(|item| item.jxb_id == get("jxb_id") && item.jgh_id == get("jgh_id"))
}

async fn form(State(state): State<Arc<FakeState>>, headers: HeaderMap, body: String) -> Response {
    let form: HashMap<String, String> = fields(&body).into_iter().collect();
    if let Some(response) = xhr(&state, &headers, "eval-form", &form) {
        return response;
    }
    let mut items = lock(&state.evaluation.items);
    match items.as_mut().and_then(|items| find(items, &form)) {
        Some(item) => html(item.form()),
        None => html(format!(
            "<html><body><div class=\"alert\">{NOT_OPEN}</div></body></html>"
        )),
    }
}

/// `0` lets the form through; the strict template refuses the all-best
/// total (every level 优秀, the score question at its top: 96.25).
async fn score_check(
    State(state): State<Arc<FakeState>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let form: HashMap<String, String> = fields(&body).into_iter().collect();
    if let Some(response) = xhr(&state, &headers, "eval-score-check", &form) {
        return response;
    }
    let mut items = lock(&state.evaluation.items);
    let strict = items
        .as_mut()
        .and_then(|items| find(items, &form))
        .is_some_and(|item| item.strict);
    let all_best = form.get("bfzpf").map(String::as_str) == Some("96.25");
    text(if strict && all_best { "1" } else { "0" })
}

async fn save(state: State<Arc<FakeState>>, headers: HeaderMap, body: String) -> Response {
    write(state, headers, body, "save").await
}

async fn submit(state: State<Arc<FakeState>>, headers: HeaderMap, body: String) -> Response {
    write(state, headers, body, "submit").await
}

/// A save or submit: recorded, then checked as the site would (every
/// question answered, the comment's length, the state), then applied.
async fn write(
    State(state): State<Arc<FakeState>>,
    headers: HeaderMap,
    body: String,
    kind: &'static str,
) -> Response {
    let ordered = fields(&body);
    let form: HashMap<String, String> = ordered.iter().cloned().collect();
    if let Some(response) = xhr(&state, &headers, "eval-write", &form) {
        return response;
    }
    lock(&state.evaluation.writes).push(EvaluationWrite {
        kind,
        fields: ordered.clone(),
    });
    let mut items = lock(&state.evaluation.items);
    let Some(item) = items.as_mut().and_then(|items| find(items, &form)) else {
        return text(NOT_OPEN);
    };
    if let Some(refusal) = &item.refusal {
        return text(refusal.clone());
    }
    if item.tjzt == 1 {
        return text("已提交的评价不能修改");
    }
    let expected_tjzt = if kind == "save" { "0" } else { "1" };
    if form.get("tjzt").map(String::as_str) != Some(expected_tjzt) {
        return text("评价失败：提交状态不正确");
    }
    // Every question: its id, and the level or score that answers it.
    let mut answers = HashMap::new();
    for (name, value) in &ordered {
        let Some(prefix) = name.strip_suffix(".pjzbxm_id") else {
            continue;
        };
        if !prefix.contains("childXspjList") {
            continue;
        }
        let answer = form
            .get(&format!("{prefix}.pfdjdmxmb_id"))
            .or_else(|| form.get(&format!("{prefix}.pjf")))
            .filter(|answer| !answer.is_empty());
        if let Some(answer) = answer {
            answers.insert(value.clone(), answer.clone());
        }
    }
    if item.questions().iter().any(|q| !answers.contains_key(q)) {
        return text("评价分数不能为空");
    }
    let comment = form.get("modelList[0].py").cloned().unwrap_or_default();
    if comment.chars().count() > 500 {
        return text("评语不能超过500字");
    }
    let levels: Vec<&String> = ordered
        .iter()
        .filter(|(name, _)| name.ends_with(".pfdjdmxmb_id"))
        .map(|(_, value)| value)
        .collect();
    if item.strict && levels.len() > 1 && levels.iter().all(|level| *level == levels[0]) {
        return text(UNIFORM_REFUSAL);
    }
    item.answers = answers;
    item.comment = comment;
    if kind == "save" {
        item.tjzt = 0;
        text("评价保存成功！")
    } else {
        item.tjzt = 1;
        text("评价提交成功！")
    }
}

impl crate::FakeXtu {
    /// Opens the course evaluation: three forms to fill (see the module's
    /// documentation); the grade page shows no grades until all three are
    /// submitted.
    pub fn open_evaluations(&self) {
        *lock(&self.state().evaluation.items) = Some(opened());
    }

    /// Every save and submit received, in order, with its fields as sent.
    pub fn evaluation_writes(&self) -> Vec<EvaluationWrite> {
        lock(&self.state().evaluation.writes).clone()
    }

    /// The state of each open evaluation: (course, teacher, tjzt).
    pub fn evaluation_states(&self) -> Vec<(String, String, i8)> {
        lock(&self.state().evaluation.items)
            .as_ref()
            .map(|items| {
                items
                    .iter()
                    .map(|i| (i.course.to_owned(), i.teacher.to_owned(), i.tjzt))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Every save and submit of `teacher`'s form is answered with `reason`
    /// (a refusal: nothing changes).
    pub fn refuse_evaluation_writes(&self, teacher: &str, reason: &str) {
        if let Some(items) = lock(&self.state().evaluation.items).as_mut() {
            for item in items.iter_mut().filter(|item| item.teacher == teacher) {
                item.refusal = Some(reason.to_owned());
            }
        }
    }
}
