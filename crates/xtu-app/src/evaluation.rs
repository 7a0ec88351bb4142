//! Course evaluation (评教): list the forms, fill the pending ones from a
//! policy and save them, submit saved ones only when told.
//!
//! The first use case that writes to the site, so it goes read, check,
//! write, read back: every form is read and every answer checked against
//! its form before the first write (a bad answers file sends nothing); each
//! save is read back and compared before going on; a submit sends only what
//! the site shows as saved, after the caller's confirmation, and stops at
//! the first refusal; submitted forms are never touched again, so a second
//! run sends nothing.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use xtu_ems::EmsClient;
use xtu_ems::evaluation::{
    EvaluationWrite, MAX_COMMENT_CHARS, WriteOutcome, check_answers, form_fields, score_text,
    total_score,
};
use xtu_model::{Answer, Evaluation, EvaluationForm, EvaluationState, Question, QuestionKind};

use crate::error::Error;
use crate::session::Xtu;

/// An answer as a person writes it: a level's label (优秀) or a score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum GivenAnswer {
    /// A score, for a scored question.
    Score(f64),
    /// A level's label, for a graded question (a number in text is a score).
    Level(String),
}

/// Answers for the questions of a form, keyed by the question's 1-based
/// index (`"3"`) or its text (`"讲解清楚，重点突出"`, numbering optional).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CourseAnswers {
    /// The course: its name or its code.
    pub course: String,
    /// Only this teacher's form of the course.
    #[serde(default)]
    pub teacher: Option<String>,
    /// Answers that replace the file's for this course.
    #[serde(default)]
    pub answers: BTreeMap<String, GivenAnswer>,
    /// The level for the graded questions not listed.
    #[serde(default)]
    pub default: Option<String>,
    /// The score for the scored questions not listed.
    #[serde(default)]
    pub default_score: Option<f64>,
    /// The comment (评语).
    #[serde(default)]
    pub comment: Option<String>,
}

/// An answers file (TOML or JSON): answers for every form, and per-course
/// overrides (`[[course]]`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerFile {
    /// Per question (index or text): a level's label or a score.
    #[serde(default)]
    pub answers: BTreeMap<String, GivenAnswer>,
    /// The level for the graded questions not listed.
    #[serde(default)]
    pub default: Option<String>,
    /// The score for the scored questions not listed.
    #[serde(default)]
    pub default_score: Option<f64>,
    /// The comment (评语) of every form.
    #[serde(default)]
    pub comment: Option<String>,
    /// Overrides for some courses.
    #[serde(default)]
    pub course: Vec<CourseAnswers>,
}

impl AnswerFile {
    /// Reads an answers file: JSON when its name ends in `.json`, else TOML.
    pub fn read(path: &Path) -> Result<Self, Error> {
        let text = std::fs::read_to_string(path)
            .map_err(Error::io(format!("could not read {}", path.display())))?;
        let is_json = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"));
        if is_json {
            Self::from_json(&text).map_err(|e| Error::Usage(format!("{}: {e}", path.display())))
        } else {
            toml::from_str(&text).map_err(|e| {
                // One line: where, and what toml says (its own text draws
                // the line over several).
                let line = e
                    .span()
                    .and_then(|span| text.get(..span.start))
                    .map_or(String::new(), |before| {
                        format!(" at line {}", before.matches('\n').count() + 1)
                    });
                Error::Usage(format!(
                    "{}: not a valid answers file{line}: {}",
                    path.display(),
                    e.message().trim().replace('\n', "; ")
                ))
            })
        }
    }

    /// An answers file in JSON (as the Python SDK and MCP give it).
    pub fn from_json(text: &str) -> Result<Self, String> {
        serde_json::from_str(text).map_err(|e| format!("not a valid answers file: {e}"))
    }
}

/// Where the answers come from.
#[derive(Debug, Clone, PartialEq)]
pub enum Policy {
    /// The highest level everywhere (scores at their top), with one question
    /// one level lower where the site refuses uniform answers.
    Best,
    /// An answers file.
    Answers(AnswerFile),
}

/// Which evaluations an action is about.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// A course's code, or part of its name.
    pub course: Option<String>,
    /// Part of a teacher's name.
    pub teacher: Option<String>,
}

impl Selection {
    fn matches(&self, evaluation: &Evaluation) -> bool {
        self.course.as_deref().is_none_or(|course| {
            evaluation.course_code == course || evaluation.course.contains(course)
        }) && self
            .teacher
            .as_deref()
            .is_none_or(|teacher| evaluation.teacher.contains(teacher))
    }

    fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(course) = &self.course {
            parts.push(format!("--course {course:?}"));
        }
        if let Some(teacher) = &self.teacher {
            parts.push(format!("--teacher {teacher:?}"));
        }
        parts.join(" ")
    }
}

/// What `eval fill` does.
#[derive(Debug, Clone, PartialEq)]
pub struct FillRequest {
    /// Where the answers come from.
    pub policy: Policy,
    /// The comment of every form (an answers file's own comes first).
    pub comment: Option<String>,
    /// Which forms.
    pub selection: Selection,
    /// Show what would be sent; send nothing.
    pub dry_run: bool,
    /// Submit after saving (asks the caller's confirmation first).
    pub submit: bool,
}

/// One field of a request, as sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Field {
    /// The field's name.
    pub name: String,
    /// Its value.
    pub value: String,
}

/// One answer, as a person reads it.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct AnswerLine {
    /// 1-based question.
    pub index: usize,
    /// The question's text.
    pub question: String,
    /// The level's label or the score.
    pub answer: String,
}

/// What happened to one form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FormAction {
    /// Dry run: would be saved with these fields.
    WouldSave,
    /// Dry run: would be submitted after the save.
    WouldSubmit,
    /// Saved and read back.
    Saved,
    /// Submitted and read back.
    Submitted,
}

/// One form of a report.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct FormReport {
    /// Course name.
    pub course: String,
    /// Course code.
    pub course_code: String,
    /// Teacher.
    pub teacher: String,
    /// What was done.
    pub action: FormAction,
    /// The answers.
    pub answers: Vec<AnswerLine>,
    /// The comment.
    pub comment: String,
    /// The question lowered one level because the site refused uniform
    /// answers (`--best`).
    pub lowered: Option<usize>,
    /// The request's fields exactly as sent (or as they would be).
    pub fields: Vec<Field>,
}

/// What `eval fill` or `eval submit` did.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct EvaluationReport {
    /// Nothing was sent.
    pub dry_run: bool,
    /// The forms acted on, in the site's order.
    pub forms: Vec<FormReport>,
    /// Forms left alone, with why (`高等数学 (教师甲): already submitted`).
    pub skipped: Vec<String>,
}

/// A form ready to send: its answers checked against it.
struct Plan {
    evaluation: Evaluation,
    form: EvaluationForm,
    answers: Vec<Answer>,
    comment: String,
    lowered: Option<usize>,
}

impl Plan {
    fn fields(&self, write: EvaluationWrite) -> Result<Vec<(String, String)>, Error> {
        form_fields(
            &self.evaluation.keys,
            &self.form,
            &self.answers,
            &self.comment,
            write,
        )
        .map_err(|e| Error::Usage(format!("{}: {e}", self.evaluation.title())))
    }

    fn report(&self, action: FormAction, write: EvaluationWrite) -> Result<FormReport, Error> {
        let fields = self
            .fields(write)?
            .into_iter()
            .map(|(name, value)| Field { name, value })
            .collect();
        Ok(FormReport {
            course: self.evaluation.course.clone(),
            course_code: self.evaluation.course_code.clone(),
            teacher: self.evaluation.teacher.clone(),
            action,
            answers: self
                .form
                .questions()
                .zip(&self.answers)
                .map(|(question, answer)| AnswerLine {
                    index: question.index,
                    question: question.label.clone(),
                    answer: answer_text(question, answer),
                })
                .collect(),
            comment: self.comment.clone(),
            lowered: self.lowered,
            fields,
        })
    }
}

fn answer_text(question: &Question, answer: &Answer) -> String {
    match (&question.kind, answer) {
        (QuestionKind::Graded { levels }, Answer::Level(id)) => levels
            .iter()
            .find(|level| &level.id == id)
            .map_or_else(|| id.clone(), |level| level.label.clone()),
        (_, Answer::Score(score)) => score_text(*score),
        (_, Answer::Level(id)) => id.clone(),
    }
}

/// Text compared loosely: whitespace and a leading `3.` / `3、` numbering
/// left out.
fn loose(text: &str) -> String {
    let text: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let rest = text.trim_start_matches(|c: char| c.is_ascii_digit());
    if rest.len() < text.len()
        && let Some(stripped) = rest
            .strip_prefix('.')
            .or_else(|| rest.strip_prefix('、'))
            .or_else(|| rest.strip_prefix('．'))
    {
        return stripped.to_owned();
    }
    text
}

/// The question a key names: its index, or its text (whole, or a part that
/// only one question has).
fn find_question<'f>(form: &'f EvaluationForm, key: &str) -> Result<&'f Question, String> {
    let count = form.questions().count();
    if let Ok(index) = key.trim().parse::<usize>() {
        return form
            .questions()
            .find(|q| q.index == index)
            .ok_or_else(|| format!("no question {index} (the form has {count})"));
    }
    let wanted = loose(key);
    if wanted.is_empty() {
        return Err("an empty question label".into());
    }
    if let Some(question) = form.questions().find(|q| loose(&q.label) == wanted) {
        return Ok(question);
    }
    let mut partial = form
        .questions()
        .filter(|q| loose(&q.label).contains(&wanted));
    match (partial.next(), partial.next()) {
        (Some(question), None) => Ok(question),
        (Some(_), Some(_)) => Err(format!("question label {key:?} matches several questions")),
        (None, _) => Err(format!(
            "unknown question label {key:?} (the form asks: {})",
            form.questions()
                .map(|q| q.label.as_str())
                .collect::<Vec<_>>()
                .join(" / ")
        )),
    }
}

/// A given answer as the site's, checked against its question.
fn resolve(question: &Question, given: &GivenAnswer) -> Result<Answer, String> {
    let name = format!("question {} {:?}", question.index, question.label);
    match (&question.kind, given) {
        (QuestionKind::Graded { levels }, GivenAnswer::Level(label)) => levels
            .iter()
            .find(|level| loose(&level.label) == loose(label))
            .map(|level| Answer::Level(level.id.clone()))
            .ok_or_else(|| {
                format!(
                    "{name} offers no level {label:?} (it offers {})",
                    levels
                        .iter()
                        .map(|l| l.label.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }),
        (QuestionKind::Graded { levels }, GivenAnswer::Score(score)) => Err(format!(
            "{name} is graded: give a level ({}), not the score {}",
            levels
                .iter()
                .map(|l| l.label.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            score_text(*score)
        )),
        (QuestionKind::Scored { min, max }, given) => {
            let score = match given {
                GivenAnswer::Score(score) => *score,
                GivenAnswer::Level(text) => text.trim().parse::<f64>().map_err(|_| {
                    format!("{name} is scored ({min}-{max}): {text:?} is not a score")
                })?,
            };
            if score.is_finite() && score >= *min && score <= *max {
                Ok(Answer::Score(score))
            } else {
                Err(format!(
                    "{name}: score {} is outside {}-{}",
                    score_text(score),
                    score_text(*min),
                    score_text(*max)
                ))
            }
        }
    }
}

/// The best answer of a question: the level with the highest score (the
/// first listed when the form gives none), or the top of the range.
fn best_answer(question: &Question) -> Option<(Answer, usize)> {
    match &question.kind {
        QuestionKind::Graded { levels } => {
            let best = levels
                .iter()
                .enumerate()
                .max_by(|(i, a), (j, b)| {
                    let a = a.score.unwrap_or(f64::NEG_INFINITY);
                    let b = b.score.unwrap_or(f64::NEG_INFINITY);
                    // Ties (no scores): the first listed wins.
                    a.total_cmp(&b).then(j.cmp(i))
                })
                .map(|(i, _)| i)?;
            Some((Answer::Level(levels[best].id.clone()), best))
        }
        QuestionKind::Scored { max, .. } => Some((Answer::Score(*max), 0)),
    }
}

/// `--best`: every question at its best.
fn best_answers(evaluation: &Evaluation, form: &EvaluationForm) -> Result<Vec<Answer>, Error> {
    form.questions()
        .map(|question| {
            best_answer(question)
                .map(|(answer, _)| answer)
                .ok_or_else(|| {
                    Error::Usage(format!(
                        "{}: question {} offers no level",
                        evaluation.title(),
                        question.index
                    ))
                })
        })
        .collect()
}

/// The same answers with the last graded question one level lower (the
/// next level of its list after the chosen one); its index.
fn lower_one(form: &EvaluationForm, answers: &[Answer]) -> Option<(Vec<Answer>, usize)> {
    let questions: Vec<&Question> = form.questions().collect();
    for (i, question) in questions.iter().enumerate().rev() {
        let (QuestionKind::Graded { levels }, Answer::Level(id)) = (&question.kind, &answers[i])
        else {
            continue;
        };
        let chosen = levels.iter().position(|level| &level.id == id)?;
        // The next lower level: the highest-scored one below the chosen
        // score, else the next listed.
        let lower = match levels[chosen].score {
            Some(score) => levels
                .iter()
                .filter(|level| level.score.is_some_and(|s| s < score))
                .max_by(|a, b| a.score.unwrap_or(0.0).total_cmp(&b.score.unwrap_or(0.0))),
            None => levels.get(chosen + 1),
        }?;
        let mut lowered = answers.to_vec();
        lowered[i] = Answer::Level(lower.id.clone());
        return Some((lowered, question.index));
    }
    None
}

/// The answers an answers file gives one form.
fn file_answers(
    file: &AnswerFile,
    evaluation: &Evaluation,
    form: &EvaluationForm,
    comment: Option<&str>,
) -> Result<(Vec<Answer>, String), Error> {
    let title = evaluation.title();
    let entry = file.course.iter().find(|entry| {
        (entry.course == evaluation.course_code || evaluation.course.contains(&entry.course))
            && entry
                .teacher
                .as_deref()
                .is_none_or(|t| evaluation.teacher.contains(t))
    });
    let mut given = file.answers.clone();
    let mut default = file.default.clone();
    let mut default_score = file.default_score;
    let mut text = file.comment.clone();
    if let Some(entry) = entry {
        given.extend(entry.answers.clone());
        default = entry.default.clone().or(default);
        default_score = entry.default_score.or(default_score);
        text = entry.comment.clone().or(text);
    }
    let mut chosen: Vec<Option<Answer>> = vec![None; form.questions().count()];
    for (key, answer) in &given {
        let question = find_question(form, key)
            .map_err(|e| Error::Usage(format!("{title}: answers entry {key:?}: {e}")))?;
        let resolved =
            resolve(question, answer).map_err(|e| Error::Usage(format!("{title}: {e}")))?;
        chosen[question.index - 1] = Some(resolved);
    }
    let mut answers = Vec::with_capacity(chosen.len());
    for (question, answer) in form.questions().zip(chosen) {
        let answer = match answer {
            Some(answer) => answer,
            None => {
                let fallback = match &question.kind {
                    QuestionKind::Graded { .. } => default.clone().map(GivenAnswer::Level),
                    QuestionKind::Scored { .. } => default_score.map(GivenAnswer::Score),
                };
                let fallback = fallback.ok_or_else(|| {
                    Error::Usage(format!(
                        "{title}: question {} {:?} has no answer (answer it, or set `{}`)",
                        question.index,
                        question.label,
                        if matches!(question.kind, QuestionKind::Graded { .. }) {
                            "default"
                        } else {
                            "default_score"
                        }
                    ))
                })?;
                resolve(question, &fallback)
                    .map_err(|e| Error::Usage(format!("{title}: default: {e}")))?
            }
        };
        answers.push(answer);
    }
    let comment = text.or(comment.map(str::to_owned)).unwrap_or_default();
    Ok((answers, comment))
}

fn check_comment(title: &str, comment: &str) -> Result<(), Error> {
    let chars = comment.chars().count();
    if chars > MAX_COMMENT_CHARS {
        return Err(Error::Usage(format!(
            "{title}: the comment has {chars} characters; the site takes at most {MAX_COMMENT_CHARS}"
        )));
    }
    Ok(())
}

fn refused(evaluation: &Evaluation, what: &str, reason: &str) -> Error {
    Error::Refused(format!(
        "{}: the site refused the {what}: {reason}",
        evaluation.title()
    ))
}

/// The evaluations a selection names; an error when it names none.
fn select(list: Vec<Evaluation>, selection: &Selection) -> Result<Vec<Evaluation>, Error> {
    let any = !list.is_empty();
    let selected: Vec<Evaluation> = list.into_iter().filter(|e| selection.matches(e)).collect();
    if any && selected.is_empty() {
        return Err(Error::Usage(format!(
            "no evaluation matches {}",
            selection.describe()
        )));
    }
    Ok(selected)
}

impl Xtu {
    /// Every course and teacher to evaluate, with its state.
    pub async fn evaluations(&self, token: Option<&str>) -> Result<Vec<Evaluation>, Error> {
        self.query(token, |ems| async move { ems.evaluations().await })
            .await
    }

    /// The list, on a client whose session the list itself proved valid:
    /// everything after it goes through that one client.
    async fn evaluation_session(
        &self,
        token: Option<&str>,
    ) -> Result<(EmsClient, Vec<Evaluation>), Error> {
        self.query(token, |ems| async move {
            let list = ems.evaluations().await?;
            Ok((ems, list))
        })
        .await
    }

    /// Fills every pending form of the selection from the policy and saves
    /// it (with `submit`, submits the saved forms after `confirm` agreed to
    /// the list). Every form is read and every answer checked before the
    /// first write; nothing is sent on a dry run.
    pub async fn fill_evaluations(
        &self,
        token: Option<&str>,
        request: &FillRequest,
        confirm: &mut (dyn FnMut(&[Evaluation]) -> bool + Send),
    ) -> Result<EvaluationReport, Error> {
        if let Some(comment) = &request.comment {
            check_comment("--comment", comment)?;
        }
        let (ems, list) = self.evaluation_session(token).await?;
        let selected = select(list, &request.selection)?;
        if let Policy::Answers(file) = &request.policy {
            // A per-course entry that names no form is a mistake, not a no-op.
            for entry in &file.course {
                let names_one = selected.iter().any(|e| {
                    (entry.course == e.course_code || e.course.contains(&entry.course))
                        && entry
                            .teacher
                            .as_deref()
                            .is_none_or(|t| e.teacher.contains(t))
                });
                if !names_one {
                    return Err(Error::Usage(format!(
                        "answers entry for course {:?}{} matches no evaluation",
                        entry.course,
                        entry
                            .teacher
                            .as_deref()
                            .map(|t| format!(" and teacher {t:?}"))
                            .unwrap_or_default()
                    )));
                }
            }
        }
        let mut skipped = Vec::new();
        let mut plans = Vec::new();
        let mut already_saved = Vec::new();
        for evaluation in selected {
            match evaluation.state {
                EvaluationState::Pending => {
                    plans.push(plan(&ems, &evaluation, request).await?);
                }
                EvaluationState::Saved => {
                    skipped.push(format!("{}: already saved", evaluation.title()));
                    already_saved.push(evaluation);
                }
                EvaluationState::Submitted => {
                    skipped.push(format!("{}: already submitted", evaluation.title()));
                }
                EvaluationState::Unknown => skipped.push(format!(
                    "{}: state {:?} ({}) unknown to this toolkit: left alone",
                    evaluation.title(),
                    evaluation.keys.tjzt,
                    evaluation.state_label
                )),
            }
        }
        // The site's own check, for every form, before the first write.
        for plan in &mut plans {
            score_check(&ems, plan, &request.policy).await?;
        }
        if request.dry_run {
            let mut forms = Vec::new();
            for plan in &plans {
                forms.push(plan.report(FormAction::WouldSave, EvaluationWrite::Save)?);
                if request.submit {
                    forms.push(plan.report(FormAction::WouldSubmit, EvaluationWrite::Submit)?);
                }
            }
            return Ok(EvaluationReport {
                dry_run: true,
                forms,
                skipped,
            });
        }
        let mut forms = Vec::new();
        for plan in &plans {
            let fields = plan.fields(EvaluationWrite::Save)?;
            match ems.write_evaluation(EvaluationWrite::Save, &fields).await? {
                WriteOutcome::Accepted(_) => {}
                WriteOutcome::Refused(reason) => {
                    return Err(refused(&plan.evaluation, "save", &reason));
                }
            }
            // Read back: the form must now hold exactly what was sent.
            let saved = ems.evaluation_form(&plan.evaluation.keys).await?;
            let kept: Vec<Option<Answer>> = saved.questions().map(|q| q.saved.clone()).collect();
            let sent: Vec<Option<Answer>> = plan.answers.iter().cloned().map(Some).collect();
            if kept != sent {
                return Err(refused(
                    &plan.evaluation,
                    "save",
                    "it answered success, but the form read back does not hold the answers sent",
                ));
            }
            forms.push(plan.report(FormAction::Saved, EvaluationWrite::Save)?);
        }
        let mut report = EvaluationReport {
            dry_run: false,
            forms,
            skipped,
        };
        if request.submit {
            let submitted = self.submit_on(&ems, &request.selection, confirm).await?;
            report.forms.extend(submitted.forms);
            report
                .skipped
                .retain(|line| !already_saved.iter().any(|e| line.starts_with(&e.title())));
        }
        Ok(report)
    }

    /// Submits every saved form of the selection, after `confirm` agreed to
    /// the list: each exactly as the site shows it saved. Stops at the
    /// first refusal; submitted forms are skipped.
    pub async fn submit_evaluations(
        &self,
        token: Option<&str>,
        selection: &Selection,
        confirm: &mut (dyn FnMut(&[Evaluation]) -> bool + Send),
    ) -> Result<EvaluationReport, Error> {
        let (ems, _) = self.evaluation_session(token).await?;
        self.submit_on(&ems, selection, confirm).await
    }

    async fn submit_on(
        &self,
        ems: &EmsClient,
        selection: &Selection,
        confirm: &mut (dyn FnMut(&[Evaluation]) -> bool + Send),
    ) -> Result<EvaluationReport, Error> {
        // The state as it is now: what was saved a moment ago included.
        let selected = select(ems.evaluations().await?, selection)?;
        let mut skipped = Vec::new();
        let mut plans = Vec::new();
        for evaluation in selected {
            match evaluation.state {
                EvaluationState::Saved => {
                    let form = ems.evaluation_form(&evaluation.keys).await?;
                    let answers: Option<Vec<Answer>> =
                        form.questions().map(|q| q.saved.clone()).collect();
                    let Some(answers) = answers else {
                        return Err(Error::Usage(format!(
                            "{}: the saved form has unanswered questions: fill it first",
                            evaluation.title()
                        )));
                    };
                    let comment = form
                        .panels
                        .iter()
                        .find(|panel| panel.has_comment)
                        .map(|panel| panel.comment.clone())
                        .unwrap_or_default();
                    check_answers(&form, &answers, &comment).map_err(|e| {
                        Error::Usage(format!("{}: saved form: {e}", evaluation.title()))
                    })?;
                    plans.push(Plan {
                        evaluation,
                        form,
                        answers,
                        comment,
                        lowered: None,
                    });
                }
                EvaluationState::Pending => {
                    skipped.push(format!(
                        "{}: not saved yet (run `xtu eval fill`)",
                        evaluation.title()
                    ));
                }
                EvaluationState::Submitted => {
                    skipped.push(format!("{}: already submitted", evaluation.title()));
                }
                EvaluationState::Unknown => {
                    skipped.push(format!("{}: state unknown: left alone", evaluation.title()));
                }
            }
        }
        if plans.is_empty() {
            return Ok(EvaluationReport {
                dry_run: false,
                forms: Vec::new(),
                skipped,
            });
        }
        let targets: Vec<Evaluation> = plans.iter().map(|p| p.evaluation.clone()).collect();
        if !confirm(&targets) {
            return Err(Error::Usage("not confirmed: nothing was submitted".into()));
        }
        let mut forms = Vec::new();
        for plan in &plans {
            let fields = plan.fields(EvaluationWrite::Submit)?;
            match ems
                .write_evaluation(EvaluationWrite::Submit, &fields)
                .await?
            {
                WriteOutcome::Accepted(_) => {}
                WriteOutcome::Refused(reason) => {
                    return Err(refused(&plan.evaluation, "submission", &reason));
                }
            }
            forms.push(plan.report(FormAction::Submitted, EvaluationWrite::Submit)?);
        }
        // Read back: each one submitted must show as submitted.
        let now = ems.evaluations().await?;
        for plan in &plans {
            let state = now
                .iter()
                .find(|e| {
                    e.keys.jxb_id == plan.evaluation.keys.jxb_id
                        && e.keys.jgh_id == plan.evaluation.keys.jgh_id
                })
                .map(|e| e.state);
            if state != Some(EvaluationState::Submitted) {
                return Err(refused(
                    &plan.evaluation,
                    "submission",
                    "it answered success, but the list does not show it submitted",
                ));
            }
        }
        Ok(EvaluationReport {
            dry_run: false,
            forms,
            skipped,
        })
    }
}

/// Reads one form and answers it from the policy, every answer checked.
async fn plan(
    ems: &EmsClient,
    evaluation: &Evaluation,
    request: &FillRequest,
) -> Result<Plan, Error> {
    let form = ems.evaluation_form(&evaluation.keys).await?;
    let (answers, comment) = match &request.policy {
        Policy::Best => (
            best_answers(evaluation, &form)?,
            request.comment.clone().unwrap_or_default(),
        ),
        Policy::Answers(file) => file_answers(file, evaluation, &form, request.comment.as_deref())?,
    };
    check_comment(&evaluation.title(), &comment)?;
    check_answers(&form, &answers, &comment)
        .map_err(|e| Error::Usage(format!("{}: {e}", evaluation.title())))?;
    Ok(Plan {
        evaluation: evaluation.clone(),
        form,
        answers,
        comment,
        lowered: None,
    })
}

/// ZhengFang's score check (read-only), as its form script runs it before a
/// save. With `--best`, a refusal of uniform answers lowers one question one
/// level and asks again; any other refusal stops before the first write.
async fn score_check(ems: &EmsClient, plan: &mut Plan, policy: &Policy) -> Result<(), Error> {
    let Some(total) = total_score(&plan.form, &plan.answers) else {
        // Levels without scores: the site's check cannot be computed.
        return Ok(());
    };
    let reason = match ems
        .check_evaluation_score(&plan.evaluation.keys, &plan.form, &total)
        .await?
    {
        WriteOutcome::Accepted(_) => return Ok(()),
        WriteOutcome::Refused(reason) => reason,
    };
    if *policy == Policy::Best
        && let Some((answers, index)) = lower_one(&plan.form, &plan.answers)
    {
        let total = total_score(&plan.form, &answers).unwrap_or_default();
        if let WriteOutcome::Accepted(_) = ems
            .check_evaluation_score(&plan.evaluation.keys, &plan.form, &total)
            .await?
        {
            plan.answers = answers;
            plan.lowered = Some(index);
            return Ok(());
        }
    }
    Err(refused(&plan.evaluation, "answers (score check)", &reason))
}

#[cfg(test)]
mod tests {
    use super::*;

    const FORM: &str = include_str!("../../../fixtures/ems/eval-form.scored.html");

    fn form() -> EvaluationForm {
        xtu_ems::pages::evaluation_form::parse(FORM).expect("parses")
    }

    fn evaluation() -> Evaluation {
        Evaluation {
            course: "大学物理".into(),
            course_code: "KCH00002".into(),
            teacher: "教师乙".into(),
            kind: String::new(),
            state: EvaluationState::Pending,
            state_label: String::new(),
            keys: xtu_model::EvaluationKeys::default(),
        }
    }

    fn file(toml_text: &str) -> AnswerFile {
        toml::from_str(toml_text).expect("valid toml")
    }

    #[test]
    fn answers_by_index_label_and_default() {
        let file = file(
            "default = \"良好\"\ncomment = \"好\"\n[answers]\n1 = \"优秀\"\n\"师生互动良好\" = \"中等\"\n4 = 88\n",
        );
        let (answers, comment) = file_answers(&file, &evaluation(), &form(), None).expect("valid");
        let form = form();
        let texts: Vec<String> = form
            .questions()
            .zip(&answers)
            .map(|(q, a)| answer_text(q, a))
            .collect();
        assert_eq!(texts, ["优秀", "中等", "良好", "88"]);
        assert_eq!(comment, "好");
    }

    #[test]
    fn bad_entries_are_named() {
        let cases = [
            ("[answers]\n\"不存在的问题\" = \"优秀\"\n", "不存在的问题"),
            ("default = \"超好\"\n", "超好"),
            ("default = \"优秀\"\n[answers]\n4 = 101\n", "outside 0-100"),
            (
                "default = \"优秀\"\n[answers]\n9 = \"优秀\"\n",
                "no question 9",
            ),
            ("default = \"优秀\"\n", "default_score"),
        ];
        for (text, named) in cases {
            let error = file_answers(&file(text), &evaluation(), &form(), None)
                .expect_err(text)
                .to_string();
            assert!(error.contains(named), "{text}: {error}");
            assert!(error.starts_with("大学物理 (教师乙)"), "{error}");
        }
        assert!(toml::from_str::<AnswerFile>("colour = 1\n").is_err());
    }

    #[test]
    fn a_per_course_entry_overrides_the_file() {
        let file = file(
            "default = \"良好\"\ndefault_score = 90\n[[course]]\ncourse = \"KCH00002\"\ndefault = \"优秀\"\ncomment = \"物理\"\n",
        );
        let (answers, comment) =
            file_answers(&file, &evaluation(), &form(), Some("--comment")).expect("valid");
        assert_eq!(
            answers[0],
            Answer::Level("PFL1000000000000000000000000001".into())
        );
        assert_eq!(comment, "物理");
    }

    #[test]
    fn best_and_one_level_lower() {
        let form = form();
        let best = best_answers(&evaluation(), &form).expect("levels");
        let (lowered, index) = lower_one(&form, &best).expect("a graded question");
        assert_eq!(index, 3);
        assert_eq!(
            lowered[2],
            Answer::Level("PFL2000000000000000000000000001".into())
        );
        assert_eq!(lowered[..2], best[..2]);
    }
}
