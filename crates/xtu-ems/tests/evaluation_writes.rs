//! The course evaluation's writes against the fake: what a save sends, what
//! the site's answers mean, and that a write is sent once whatever happens
//! to it (a lost answer is never retried: the save may have been applied).

mod common;

use std::time::Duration;

use xtu_ems::evaluation::{EvaluationWrite, WriteOutcome, form_fields, total_score};
use xtu_fake::{Account, FakeXtu, Fault, FaultRule, System};
use xtu_model::{Answer, EvaluationState, QuestionKind};

const USER: &str = "202205561111";
const PASSWORD: &str = "Xtu@2025!";
const SAVE: &str = "/jwglxt/xspjgl/xspj_bcXspj.html";

async fn open() -> (FakeXtu, xtu_ems::EmsClient) {
    let fake = FakeXtu::builder()
        .account(Account::new(USER, PASSWORD))
        .start()
        .await;
    fake.open_evaluations();
    let ems = common::entered(&fake, USER, PASSWORD, Duration::from_secs(5)).await;
    (fake, ems)
}

fn best(form: &xtu_model::EvaluationForm) -> Vec<Answer> {
    form.questions()
        .map(|q| match &q.kind {
            QuestionKind::Graded { levels } => Answer::Level(levels[0].id.clone()),
            QuestionKind::Scored { max, .. } => Answer::Score(*max),
        })
        .collect()
}

#[tokio::test]
async fn a_save_is_read_back_from_the_form() {
    let (fake, ems) = open().await;
    let list = ems.evaluations().await.expect("list");
    assert_eq!(list.len(), 3);
    assert!(list.iter().all(|e| e.state == EvaluationState::Pending));
    let first = &list[0];
    let form = ems.evaluation_form(&first.keys).await.expect("form");
    let answers = best(&form);
    let fields =
        form_fields(&first.keys, &form, &answers, "好", EvaluationWrite::Save).expect("valid");
    let outcome = ems
        .write_evaluation(EvaluationWrite::Save, &fields)
        .await
        .expect("answered");
    assert!(matches!(outcome, WriteOutcome::Accepted(ref text) if text.contains("成功")));
    assert_eq!(fake.evaluation_writes()[0].fields, fields);
    let saved = ems.evaluation_form(&first.keys).await.expect("form");
    let kept: Vec<Option<Answer>> = saved.questions().map(|q| q.saved.clone()).collect();
    assert_eq!(kept, answers.into_iter().map(Some).collect::<Vec<_>>());
    assert_eq!(saved.panels[0].comment, "好");
    let list = ems.evaluations().await.expect("list");
    assert_eq!(list[0].state, EvaluationState::Saved);
}

#[tokio::test]
async fn the_score_check_refuses_uniform_best_answers_on_the_strict_template() {
    let (_fake, ems) = open().await;
    let list = ems.evaluations().await.expect("list");
    let physics = &list[1];
    let form = ems.evaluation_form(&physics.keys).await.expect("form");
    let total = total_score(&form, &best(&form)).expect("scored levels");
    let outcome = ems
        .check_evaluation_score(&physics.keys, &form, &total)
        .await
        .expect("answered");
    assert!(matches!(outcome, WriteOutcome::Refused(ref why) if why.contains("请做调整")));
}

#[tokio::test]
async fn a_write_is_sent_once_even_when_its_answer_is_lost() {
    let (fake, ems) = open().await;
    let list = ems.evaluations().await.expect("list");
    let first = &list[0];
    let form = ems.evaluation_form(&first.keys).await.expect("form");
    let fields =
        form_fields(&first.keys, &form, &best(&form), "", EvaluationWrite::Save).expect("valid");
    for fault in [Fault::BadGateway, Fault::Reset] {
        fake.clear_requests();
        fake.inject(FaultRule::new(System::Ems, fault).path(SAVE).times(1));
        let result = ems.write_evaluation(EvaluationWrite::Save, &fields).await;
        assert!(result.is_err(), "{fault:?}: {result:?}");
        assert_eq!(
            fake.count(System::Ems, "POST", SAVE),
            1,
            "{fault:?}: retried"
        );
    }
}
