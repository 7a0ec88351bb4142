//! `xtu eval` (评教) through the built binary against the fake XTU: the
//! list, fill and save, the confirmation before a submit, refusals, and the
//! grade page that reads again once every form is submitted.

mod common;

use common::{PASSWORD, USER, fake, xtu};
use serde_json::Value;
use xtu_fake::{FakeXtu, System};

struct Session {
    fake: FakeXtu,
    dir: tempfile::TempDir,
}

impl Session {
    /// Logged in, with the three evaluations open.
    async fn new() -> Self {
        let fake = fake().await;
        fake.open_evaluations();
        let dir = tempfile::tempdir().expect("tempdir");
        let session = Self { fake, dir };
        let dir = session.dir.path().to_string_lossy().into_owned();
        let login = xtu(
            &session.fake,
            &["login", "--username", USER],
            &[("XTU_STATE_DIR", &dir), ("XTU_PASSWORD", PASSWORD)],
            None,
        )
        .await;
        assert_eq!(login.code, 0, "{login:#?}");
        session
    }

    async fn run(&self, args: &[&str]) -> common::Run {
        let dir = self.dir.path().to_string_lossy().into_owned();
        xtu(&self.fake, args, &[("XTU_STATE_DIR", &dir)], None).await
    }

    async fn json(&self, args: &[&str]) -> Value {
        let run = self.run(args).await;
        serde_json::from_str(run.ok()).unwrap_or_else(|e| panic!("{e}: {run:#?}"))
    }

    /// The tjzt of each form, in list order.
    fn states(&self) -> Vec<i8> {
        self.fake
            .evaluation_states()
            .into_iter()
            .map(|(_, _, tjzt)| tjzt)
            .collect()
    }

    fn writes(&self, kind: &str) -> usize {
        self.fake
            .evaluation_writes()
            .iter()
            .filter(|w| w.kind == kind)
            .count()
    }

    fn answers_file(&self, name: &str, text: &str) -> String {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).expect("write the answers file");
        path.to_string_lossy().into_owned()
    }
}

#[tokio::test]
async fn eval_lists_the_pending_forms() {
    let s = Session::new().await;
    let list = s.json(&["eval", "--format", "json"]).await;
    let rows: Vec<(String, String, String)> = list
        .as_array()
        .expect("a list")
        .iter()
        .map(|e| {
            (
                e["course"].as_str().unwrap_or_default().to_owned(),
                e["teacher"].as_str().unwrap_or_default().to_owned(),
                e["state"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let expected = [
        ("高等数学A(一)", "教师甲", "pending"),
        ("大学物理", "教师乙", "pending"),
        ("大学物理", "教师丙", "pending"),
    ]
    .map(|(c, t, st)| (c.to_owned(), t.to_owned(), st.to_owned()));
    assert_eq!(rows, expected);
    let table = s.run(&["eval", "--format", "table"]).await;
    assert!(
        table.ok().contains("3 evaluations, 3 not submitted"),
        "{table:#?}"
    );
    // Listing writes nothing.
    assert!(s.fake.evaluation_writes().is_empty());
}

#[tokio::test]
async fn fill_best_saves_each_form_exactly_as_the_dry_run_showed_and_submits_none() {
    let s = Session::new().await;
    let planned = s
        .json(&[
            "eval",
            "fill",
            "--best",
            "--comment",
            "认真负责",
            "--dry-run",
            "--format",
            "json",
        ])
        .await;
    assert!(
        s.fake.evaluation_writes().is_empty(),
        "a dry run sent a write"
    );
    assert_eq!(planned["dry_run"], Value::Bool(true));

    let saved = s
        .json(&[
            "eval",
            "fill",
            "--best",
            "--comment",
            "认真负责",
            "--format",
            "json",
        ])
        .await;
    let writes = s.fake.evaluation_writes();
    assert_eq!(writes.len(), 3, "{writes:#?}");
    assert!(writes.iter().all(|w| w.kind == "save"));
    assert_eq!(s.states(), [0, 0, 0], "saved, none submitted");
    // The fake received exactly the fields the dry run printed, in order.
    for (write, form) in writes
        .iter()
        .zip(planned["forms"].as_array().expect("forms"))
    {
        let shown: Vec<(String, String)> = form["fields"]
            .as_array()
            .expect("fields")
            .iter()
            .map(|f| {
                (
                    f["name"].as_str().unwrap_or_default().to_owned(),
                    f["value"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        assert_eq!(write.fields, shown);
    }
    // The graded form: the best level everywhere, the comment, tjzt=0 last.
    let first = &writes[0].fields;
    let value = |name: &str| {
        first
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(
        value("modelList[0].xspjList[1].childXspjList[1].pfdjdmxmb_id"),
        Some("PFL1000000000000000000000000001")
    );
    assert_eq!(value("modelList[0].py"), Some("认真负责"));
    assert_eq!(
        first.last().map(|(n, v)| (n.as_str(), v.as_str())),
        Some(("tjzt", "0"))
    );
    // The template refusing uniform answers got one question a level lower.
    let physics = &saved["forms"][1];
    assert_eq!(physics["lowered"], Value::from(3));
    assert_eq!(physics["answers"][2]["answer"], Value::from("良好"));
    assert_eq!(physics["answers"][3]["answer"], Value::from("100"));

    // Nothing left to fill: a second run sends nothing.
    let again = s
        .json(&["eval", "fill", "--best", "--format", "json"])
        .await;
    assert_eq!(again["forms"], Value::Array(Vec::new()));
    assert_eq!(s.fake.evaluation_writes().len(), 3);
}

#[tokio::test]
async fn submit_without_yes_off_a_terminal_sends_nothing() {
    let s = Session::new().await;
    s.run(&["eval", "fill", "--best"]).await.ok();
    let before = s.fake.requests().len();
    let run = s.run(&["eval", "submit"]).await;
    let message = run.fails_with(2);
    assert!(
        message.contains("--yes") && message.contains("nothing was sent"),
        "{message}"
    );
    assert_eq!(s.fake.requests().len(), before, "a request was sent");
    // `fill --submit` is held to the same rule, before its first request.
    let run = s.run(&["eval", "fill", "--best", "--submit"]).await;
    run.fails_with(2);
    assert_eq!(s.fake.requests().len(), before);
    assert_eq!(s.states(), [0, 0, 0]);
}

#[tokio::test]
async fn submit_yes_submits_each_once_then_the_grade_page_reads_again() {
    let s = Session::new().await;
    // The gated grade page is empty, and the empty answer is said on stderr.
    let gated = s.run(&["grades", "--all", "--format", "json"]).await;
    assert_eq!(gated.code, 0, "{gated:#?}");
    assert_eq!(
        serde_json::from_str::<Value>(&gated.stdout).expect("JSON"),
        Value::Array(Vec::new()),
        "grades while evaluations are pending"
    );
    assert!(
        gated.stderr.contains("warning: no grades in any term"),
        "{gated:#?}"
    );

    s.run(&["eval", "fill", "--best"]).await.ok();
    let report = s
        .json(&["eval", "submit", "--yes", "--format", "json"])
        .await;
    assert_eq!(report["forms"].as_array().map(Vec::len), Some(3));
    assert_eq!(s.writes("submit"), 3);
    assert_eq!(s.states(), [1, 1, 1]);
    // Each submit sends what the site shows saved, with tjzt=1.
    let submits: Vec<_> = s
        .fake
        .evaluation_writes()
        .into_iter()
        .filter(|w| w.kind == "submit")
        .collect();
    let saves: Vec<_> = s
        .fake
        .evaluation_writes()
        .into_iter()
        .filter(|w| w.kind == "save")
        .collect();
    for (submit, save) in submits.iter().zip(&saves) {
        let answers = |fields: &[(String, String)]| -> Vec<(String, String)> {
            fields
                .iter()
                .filter(|(n, _)| {
                    n.ends_with(".pfdjdmxmb_id") || n.ends_with(".pjf") || n.ends_with(".py")
                })
                .cloned()
                .collect()
        };
        assert_eq!(answers(&submit.fields), answers(&save.fields));
        assert_eq!(submit.fields.last().map(|(_, v)| v.as_str()), Some("1"));
    }

    // A second run finds nothing to submit and sends nothing.
    let again = s
        .json(&["eval", "submit", "--yes", "--format", "json"])
        .await;
    assert_eq!(again["forms"], Value::Array(Vec::new()));
    assert_eq!(s.writes("submit"), 3);

    let grades = s.json(&["grades", "--all", "--format", "json"]).await;
    assert!(
        grades.as_array().is_some_and(|g| !g.is_empty()),
        "the grade page reads once all are submitted: {grades}"
    );
}

#[tokio::test]
async fn an_invalid_answers_file_sends_nothing_and_names_the_bad_entry() {
    let s = Session::new().await;
    let cases = [
        (
            "labels.toml",
            "default = \"优秀\"\ndefault_score = 90\n[answers]\n\"上课玩手机\" = \"优秀\"\n",
            "上课玩手机",
        ),
        (
            "levels.toml",
            "default = \"超级好\"\ndefault_score = 90\n",
            "超级好",
        ),
        (
            "range.json",
            r#"{"default": "优秀", "answers": {"4": 120}}"#,
            "120",
        ),
        (
            "comment.toml",
            &format!(
                "default = \"优秀\"\ndefault_score = 90\ncomment = \"{}\"\n",
                "好".repeat(501)
            ),
            "501 characters",
        ),
        (
            "course.toml",
            "default = \"优秀\"\ndefault_score = 90\n[[course]]\ncourse = \"线性代数\"\n",
            "线性代数",
        ),
        ("syntax.toml", "default = \n", "not a valid answers file"),
    ];
    for (name, text, named) in cases {
        let path = s.answers_file(name, text);
        let run = s.run(&["eval", "fill", "--answers", &path]).await;
        let message = run.fails_with(2);
        assert!(message.contains(named), "{name}: {message}");
    }
    assert!(s.fake.evaluation_writes().is_empty());
    assert_eq!(
        s.fake
            .count(System::Ems, "POST", "/jwglxt/xspjgl/xspj_cxSftf.html"),
        0
    );
    assert_eq!(s.states(), [-1, -1, -1]);

    // A valid file saves what it says.
    let path = s.answers_file(
        "good.toml",
        "default = \"良好\"\ndefault_score = 88\n[answers]\n1 = \"优秀\"\n\
         [[course]]\ncourse = \"高等数学\"\ndefault = \"优秀\"\n",
    );
    let report = s
        .json(&["eval", "fill", "--answers", &path, "--format", "json"])
        .await;
    assert_eq!(
        report["forms"][0]["answers"][0]["answer"],
        Value::from("优秀")
    );
    // The strict template refuses uniform answers: the file varies them.
    assert_eq!(
        report["forms"][1]["answers"][0]["answer"],
        Value::from("优秀")
    );
    assert_eq!(
        report["forms"][1]["answers"][1]["answer"],
        Value::from("良好")
    );
    assert_eq!(
        report["forms"][1]["answers"][3]["answer"],
        Value::from("88")
    );
}

#[tokio::test]
async fn a_refusal_stops_the_run_and_names_the_course() {
    let s = Session::new().await;
    s.fake
        .refuse_evaluation_writes("教师乙", "目前未对你放开教学质量评价");
    let run = s
        .run(&["eval", "fill", "--best", "--teacher", "教师"])
        .await;
    let message = run.fails_with(11);
    assert!(message.contains("大学物理 (教师乙)"), "{message}");
    assert!(message.contains("目前未对你放开教学质量评价"), "{message}");
    // 教师甲's form was saved before; 教师丙's was never sent.
    let writes = s.fake.evaluation_writes();
    assert_eq!(writes.len(), 2, "{writes:#?}");
    assert_eq!(s.states(), [0, -1, -1]);
}

#[tokio::test]
async fn the_selection_picks_forms_by_course_and_teacher() {
    let s = Session::new().await;
    s.run(&[
        "eval",
        "fill",
        "--best",
        "--course",
        "KCH00002",
        "--teacher",
        "丙",
    ])
    .await
    .ok();
    assert_eq!(s.states(), [-1, -1, 0]);
    let run = s
        .run(&["eval", "fill", "--best", "--course", "线性代数"])
        .await;
    assert!(run.fails_with(2).contains("线性代数"));
}

#[cfg_attr(windows, ignore = "`script` (a pseudo-terminal) is a unix tool")]
#[tokio::test]
async fn submit_asks_on_a_terminal_and_no_sends_nothing() {
    let s = Session::new().await;
    s.run(&["eval", "fill", "--best"]).await.ok();
    let dir = s.dir.path().to_string_lossy().into_owned();
    let (status, shown) = common::on_terminal(
        &s.fake,
        &["eval", "submit"],
        &[("XTU_STATE_DIR", &dir)],
        "[y/N]",
        "n",
    )
    .await;
    assert!(!status.success(), "{shown}");
    assert!(shown.contains("高等数学A(一) (教师甲)"), "{shown}");
    assert!(shown.contains("cannot be changed"), "{shown}");
    assert_eq!(s.writes("submit"), 0);
    let (status, shown) = common::on_terminal(
        &s.fake,
        &["eval", "submit"],
        &[("XTU_STATE_DIR", &dir)],
        "[y/N]",
        "y",
    )
    .await;
    assert!(status.success(), "{shown}");
    assert_eq!(s.states(), [1, 1, 1]);
}
