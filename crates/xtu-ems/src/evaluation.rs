//! 学生评价 (module N401605): the list, a form, the score check, and the
//! two writes (save, submit) with the exact fields they send
//! (docs/protocol.md §5.15).
//!
//! The writes are the only requests of this crate that change something on
//! the site. They go through `EmsClient::post_write`, sent once and never
//! retried: a write whose answer was lost may have been applied, and only
//! reading the state back can tell.

use xtu_model::{Answer, Evaluation, EvaluationForm, EvaluationKeys, QuestionKind};

use crate::client::EmsClient;
use crate::error::{EmsError, parse_page};
use crate::pages::{self, Page, excerpt, recognize_error_page};

/// ZhengFang's check of a form's total score before a save (`bfzpf`): its
/// own form script refuses to save when the answer is not `0`.
pub const SCORE_CHECK_PATH: &str = "xspjgl/xspj_cxSftf.html?gnmkdm=N401605";
/// The message ZhengFang's form script shows when the score check refuses
/// (the answer itself is only a number).
pub const SCORE_CHECK_REFUSAL: &str = "同学，存在分数与当前评价分相同，请做调整";
/// The longest comment the site takes (its refusal: 评语不能超过500字).
pub const MAX_COMMENT_CHARS: usize = 500;
/// The longest site answer kept in a refusal.
const MAX_REASON_CHARS: usize = 200;

/// A request that changes an evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvaluationWrite {
    /// 保存 (`xspj_bcXspj`, `tjzt=0`): still editable afterwards.
    Save,
    /// 提交 (`xspj_tjXspj`, `tjzt=1`): final.
    Submit,
}

impl EvaluationWrite {
    /// Request path under `{ems}/jwglxt/`.
    pub fn path(self) -> &'static str {
        match self {
            Self::Save => "xspjgl/xspj_bcXspj.html?gnmkdm=N401605",
            Self::Submit => "xspjgl/xspj_tjXspj.html?gnmkdm=N401605",
        }
    }

    /// The `tjzt` it sends.
    pub fn tjzt(self) -> &'static str {
        match self {
            Self::Save => "0",
            Self::Submit => "1",
        }
    }
}

/// What the site answered to a write or to the score check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteOutcome {
    /// Accepted, with the site's message (…成功).
    Accepted(String),
    /// Refused, with the site's reason.
    Refused(String),
}

/// Answers that do not fit their form: caught before anything is sent.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum AnswerError {
    /// Not one answer per question.
    #[error("{got} answers for a form of {expected} questions")]
    Count {
        /// Questions of the form.
        expected: usize,
        /// Answers given.
        got: usize,
    },
    /// A level the question does not offer.
    #[error("question {index} offers no level {level:?}")]
    NotOffered {
        /// 1-based question.
        index: usize,
        /// The level given.
        level: String,
    },
    /// A score for a graded question, or a level for a scored one.
    #[error("question {index} is {expected}, not answered so")]
    Kind {
        /// 1-based question.
        index: usize,
        /// How it is answered.
        expected: &'static str,
    },
    /// A score outside the question's range.
    #[error("question {index}: score {score} is outside {min}-{max}")]
    OutOfRange {
        /// 1-based question.
        index: usize,
        /// The score given.
        score: f64,
        /// Lowest allowed.
        min: f64,
        /// Highest allowed.
        max: f64,
    },
    /// A comment longer than the site takes.
    #[error("the comment has {chars} characters; the site takes at most {MAX_COMMENT_CHARS}")]
    CommentTooLong {
        /// Its length in characters.
        chars: usize,
    },
}

/// Checks `answers` (one per question, in form order) and `comment` against
/// `form`.
pub fn check_answers(
    form: &EvaluationForm,
    answers: &[Answer],
    comment: &str,
) -> Result<(), AnswerError> {
    let expected = form.questions().count();
    if answers.len() != expected {
        return Err(AnswerError::Count {
            expected,
            got: answers.len(),
        });
    }
    for (question, answer) in form.questions().zip(answers) {
        let index = question.index;
        match (&question.kind, answer) {
            (QuestionKind::Graded { levels }, Answer::Level(id)) => {
                if !levels.iter().any(|level| &level.id == id) {
                    return Err(AnswerError::NotOffered {
                        index,
                        level: id.clone(),
                    });
                }
            }
            (QuestionKind::Scored { min, max }, Answer::Score(score)) => {
                if !score.is_finite() || score < min || score > max {
                    return Err(AnswerError::OutOfRange {
                        index,
                        score: *score,
                        min: *min,
                        max: *max,
                    });
                }
            }
            (QuestionKind::Graded { .. }, Answer::Score(_)) => {
                return Err(AnswerError::Kind {
                    index,
                    expected: "graded",
                });
            }
            (QuestionKind::Scored { .. }, Answer::Level(_)) => {
                return Err(AnswerError::Kind {
                    index,
                    expected: "scored",
                });
            }
        }
    }
    let chars = comment.chars().count();
    if chars > MAX_COMMENT_CHARS {
        return Err(AnswerError::CommentTooLong { chars });
    }
    Ok(())
}

/// The fields a save or submit sends, in the order ZhengFang's form script
/// builds them: the keys, then per panel (`modelList[i]`) its ids, comment
/// and `pjzt=1`, then per group (`xspjList[j]`) and question
/// (`childXspjList[k]`) the answer and the row's ids, and `tjzt` last. The
/// chosen level travels in `pfdjdmxmb_id`; `pfdjdmb_id` is the row's rating
/// scale, sent unchanged. A scored question sends its score in `pjf`.
pub fn form_fields(
    keys: &EvaluationKeys,
    form: &EvaluationForm,
    answers: &[Answer],
    comment: &str,
    write: EvaluationWrite,
) -> Result<Vec<(String, String)>, AnswerError> {
    check_answers(form, answers, comment)?;
    let or = |a: &str, b: &str| {
        if a.is_empty() {
            b.to_owned()
        } else {
            a.to_owned()
        }
    };
    let mut fields: Vec<(String, String)> = vec![
        ("ztpjbl".into(), or(&form.ztpjbl, "100")),
        ("jszdpjbl".into(), or(&form.jszdpjbl, "0")),
        ("xykzpjbl".into(), or(&form.xykzpjbl, "0")),
        ("jxb_id".into(), or(&form.jxb_id, &keys.jxb_id)),
        ("kch_id".into(), keys.kch_id.clone()),
        ("jgh_id".into(), or(&form.jgh_id, &keys.jgh_id)),
        ("xsdm".into(), keys.xsdm.clone()),
    ];
    let mut answers = answers.iter();
    for (i, panel) in form.panels.iter().enumerate() {
        let model = format!("modelList[{i}]");
        fields.push((
            format!("{model}.pjmbmcb_id"),
            or(&panel.pjmbmcb_id, &keys.pjmbmcb_id),
        ));
        fields.push((format!("{model}.pjdxdm"), panel.pjdxdm.clone()));
        fields.push((format!("{model}.xspfb_id"), panel.xspfb_id.clone()));
        fields.push((format!("{model}.fxzgf"), panel.fxzgf.clone()));
        let py = if panel.has_comment { comment } else { "" };
        fields.push((format!("{model}.py"), py.to_owned()));
        fields.push((format!("{model}.pjzt"), "1".into()));
        for (j, group) in panel.groups.iter().enumerate() {
            let list = format!("{model}.xspjList[{j}]");
            fields.push((format!("{list}.pjzbxm_id"), group.pjzbxm_id.clone()));
            for (k, question) in group.questions.iter().enumerate() {
                let child = format!("{list}.childXspjList[{k}]");
                match answers.next() {
                    Some(Answer::Level(id)) => {
                        fields.push((format!("{child}.pfdjdmxmb_id"), id.clone()))
                    }
                    Some(Answer::Score(score)) => {
                        fields.push((format!("{child}.pjf"), score_text(*score)))
                    }
                    // check_answers counted one answer per question.
                    None => {}
                }
                fields.push((format!("{child}.pfdjdmb_id"), question.pfdjdmb_id.clone()));
                fields.push((format!("{child}.pjzbxm_id"), question.pjzbxm_id.clone()));
                fields.push((format!("{child}.zsmbmcb_id"), question.zsmbmcb_id.clone()));
            }
        }
    }
    fields.push(("tjzt".into(), write.tjzt().into()));
    Ok(fields)
}

/// A score as the form's input holds it: `92`, `92.5`.
pub fn score_text(score: f64) -> String {
    format!("{}", score + 0.0)
}

/// The form's total score, as the score check (`bfzpf`) takes it: the mean
/// of the questions' scores, a level counting its `data-dyf` and a score its
/// share of the range's top, on 100, with two decimals. `None` when a level
/// carries no score. ZhengFang's own computation (its
/// `calculatePjmbPjzf`) was in no public copy found: this is our reading.
pub fn total_score(form: &EvaluationForm, answers: &[Answer]) -> Option<String> {
    let mut scores = Vec::new();
    for (question, answer) in form.questions().zip(answers) {
        let score = match (&question.kind, answer) {
            (QuestionKind::Graded { levels }, Answer::Level(id)) => {
                levels.iter().find(|level| &level.id == id)?.score?
            }
            (QuestionKind::Scored { max, .. }, Answer::Score(score)) if *max > 0.0 => {
                score / max * 100.0
            }
            _ => return None,
        };
        scores.push(score);
    }
    if scores.is_empty() {
        return None;
    }
    #[allow(clippy::cast_precision_loss)] // a form has a few dozen questions
    let mean = scores.iter().sum::<f64>() / scores.len() as f64;
    Some(format!("{mean:.2}"))
}

/// The site's answer to a write: text (or a JSON string), success contains
/// 成功.
fn outcome(body: &str) -> Result<WriteOutcome, EmsError> {
    if let Some(error) = recognize_error_page(body) {
        return Err(error.into());
    }
    let text =
        serde_json::from_str::<String>(body.trim()).unwrap_or_else(|_| body.trim().to_owned());
    let text = excerpt(&pages::normalize(&text), MAX_REASON_CHARS);
    Ok(if text.contains("成功") {
        WriteOutcome::Accepted(text)
    } else if text.is_empty() {
        WriteOutcome::Refused("an empty answer".into())
    } else {
        WriteOutcome::Refused(text)
    })
}

impl EmsClient {
    /// Every course and teacher to evaluate this term, in the site's order.
    pub async fn evaluations(&self) -> Result<Vec<Evaluation>, EmsError> {
        self.all_pages(|client, page| async move {
            let body = client
                .raw(crate::RawRequest::EvaluationList { page })
                .await?;
            parse_page(Page::EvaluationList, &body, pages::evaluation_list::parse)
        })
        .await
    }

    /// One evaluation's form, with what was saved in it.
    pub async fn evaluation_form(&self, keys: &EvaluationKeys) -> Result<EvaluationForm, EmsError> {
        let body = self.raw(crate::RawRequest::EvaluationForm { keys }).await?;
        parse_page(Page::EvaluationForm, &body, pages::evaluation_form::parse)
    }

    /// ZhengFang's score check before a save (`xspj_cxSftf`, read-only):
    /// `0` lets the form through; anything else is the refusal its form
    /// script shows as [`SCORE_CHECK_REFUSAL`].
    pub async fn check_evaluation_score(
        &self,
        keys: &EvaluationKeys,
        form: &EvaluationForm,
        total: &str,
    ) -> Result<WriteOutcome, EmsError> {
        let jxb_id = if form.jxb_id.is_empty() {
            &keys.jxb_id
        } else {
            &form.jxb_id
        };
        let jgh_id = if form.jgh_id.is_empty() {
            &keys.jgh_id
        } else {
            &form.jgh_id
        };
        let fields = [
            ("bfzpf", total.to_owned()),
            ("jxb_id", jxb_id.clone()),
            ("jgh_id", jgh_id.clone()),
        ];
        let body = self
            .post_form(
                SCORE_CHECK_PATH,
                &fields,
                self.timeout,
                xtu_sso::http::Effect::Reads,
            )
            .await?;
        if let Some(error) = recognize_error_page(&body) {
            return Err(error.into());
        }
        let answer = body.trim().trim_matches('"').trim();
        Ok(if answer == "0" {
            WriteOutcome::Accepted(answer.to_owned())
        } else {
            WriteOutcome::Refused(format!(
                "{SCORE_CHECK_REFUSAL} (score check answered {:?})",
                excerpt(answer, 40)
            ))
        })
    }

    /// Saves or submits one form: `fields` exactly as [`form_fields`] built
    /// them, sent once (never retried).
    pub async fn write_evaluation(
        &self,
        write: EvaluationWrite,
        fields: &[(String, String)],
    ) -> Result<WriteOutcome, EmsError> {
        let body = self.post_write(write.path(), fields).await?;
        outcome(&body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FORM: &str = include_str!("../../../fixtures/ems/eval-form.scored.html");

    fn best(form: &EvaluationForm) -> Vec<Answer> {
        form.questions()
            .map(|q| match &q.kind {
                QuestionKind::Graded { levels } => Answer::Level(levels[0].id.clone()),
                QuestionKind::Scored { max, .. } => Answer::Score(*max),
            })
            .collect()
    }

    #[test]
    fn the_fields_carry_the_chosen_level_and_the_scale_apart() {
        let form = pages::evaluation_form::parse(FORM).expect("parses");
        let keys = EvaluationKeys {
            jxb_id: "J".into(),
            kch_id: "K".into(),
            xsdm: "01".into(),
            ..EvaluationKeys::default()
        };
        let fields =
            form_fields(&keys, &form, &best(&form), "好", EvaluationWrite::Save).expect("valid");
        let get = |name: &str| {
            fields
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        };
        let first = "modelList[0].xspjList[0].childXspjList[0]";
        assert_eq!(
            get(&format!("{first}.pfdjdmxmb_id")),
            Some("PFL1000000000000000000000000001")
        );
        assert_eq!(
            get(&format!("{first}.pfdjdmb_id")),
            Some("DJ000000000000000000000000000001")
        );
        assert_eq!(
            get("modelList[0].xspjList[1].childXspjList[0].pjf"),
            Some("100")
        );
        assert_eq!(get("modelList[0].py"), Some("好"));
        assert_eq!(fields.first().map(|(n, _)| n.as_str()), Some("ztpjbl"));
        assert_eq!(fields.last(), Some(&("tjzt".to_owned(), "0".to_owned())));
        assert_eq!(total_score(&form, &best(&form)).as_deref(), Some("96.25"));
    }

    #[test]
    fn answers_that_do_not_fit_are_refused() {
        let form = pages::evaluation_form::parse(FORM).expect("parses");
        let mut answers = best(&form);
        answers[3] = Answer::Score(101.0);
        assert!(matches!(
            check_answers(&form, &answers, ""),
            Err(AnswerError::OutOfRange { index: 4, .. })
        ));
        answers[3] = Answer::Level("nope".into());
        assert!(matches!(
            check_answers(&form, &answers, ""),
            Err(AnswerError::Kind { index: 4, .. })
        ));
        answers[3] = Answer::Score(90.0);
        answers[0] = Answer::Level("nope".into());
        assert!(matches!(
            check_answers(&form, &answers, ""),
            Err(AnswerError::NotOffered { index: 1, .. })
        ));
        assert!(matches!(
            check_answers(&form, &best(&form), &"字".repeat(501)),
            Err(AnswerError::CommentTooLong { chars: 501 })
        ));
        assert!(check_answers(&form, &best(&form)[..2], "").is_err());
    }

    #[test]
    fn write_answers_read_as_text_or_json_strings() {
        assert_eq!(
            outcome("\"评价保存成功！\"").ok(),
            Some(WriteOutcome::Accepted("评价保存成功！".into()))
        );
        assert_eq!(
            outcome("评语不能超过500字").ok(),
            Some(WriteOutcome::Refused("评语不能超过500字".into()))
        );
        assert!(matches!(
            outcome("<html><body><h3>出错啦！</h3><p>系统运行异常</p></body></html>"),
            Err(EmsError::ServerError { .. })
        ));
    }
}
