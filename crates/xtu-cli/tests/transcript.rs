//! `xtu transcript` and `xtu parse transcript` through the built binary
//! against the fake, which serves the transcript flow (two POSTs, then the
//! PDF) with the fixtures' PDFs.

mod common;

use common::{PASSWORD, USER, fake, xtu};
use serde_json::Value;

fn fixture(name: &str) -> String {
    format!(
        "{}/../../fixtures/transcript/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

async fn logged_in(fake: &xtu_fake::FakeXtu, dir: &tempfile::TempDir) -> String {
    let state = dir.path().to_string_lossy().into_owned();
    let login = xtu(
        fake,
        &["login", "--username", USER],
        &[("XTU_STATE_DIR", &state), ("XTU_PASSWORD", PASSWORD)],
        None,
    )
    .await;
    assert_eq!(login.code, 0, "{login:#?}");
    state
}

#[tokio::test]
async fn prints_the_upstream_json_and_saves_the_pdf_privately() {
    let fake = fake().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let state = logged_in(&fake, &dir).await;
    let saved = dir.path().join("mine.pdf");
    let run = xtu(
        &fake,
        &["transcript", "--pdf", &saved.to_string_lossy()],
        &[("XTU_STATE_DIR", &state)],
        None,
    )
    .await;
    let out = run.ok();
    // The upstream's key order and 4-space indent.
    let keys: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("    \"") && !l.starts_with("     "))
        .filter_map(|l| l.trim().split('"').nth(1))
        .collect();
    assert_eq!(
        keys,
        [
            "college",
            "major",
            "student_id",
            "name",
            "scores",
            "average_score",
            "gpa",
            "total_credit",
            "compulsory_credit",
            "elective_credit",
            "cross_course_credit"
        ]
    );
    let json: Value = serde_json::from_str(out).expect("JSON");
    assert_eq!(json["scores"].as_array().map(Vec::len), Some(30));
    assert!(json["scores"][0]["term"].is_u64(), "{json}");
    assert_eq!(json["total_credit"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        std::fs::read(&saved).expect("saved"),
        std::fs::read(fixture("transcript.pdf")).expect("fixture"),
        "the PDF as served"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&saved)
            .expect("stat")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    assert_eq!(fake.transcript_print_bodies().len(), 1);
}

#[tokio::test]
async fn an_expired_session_is_re_entered_and_a_page_that_is_no_pdf_is_an_error() {
    let fake = fake().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let state = logged_in(&fake, &dir).await;
    fake.expire_ems_sessions();
    let run = xtu(
        &fake,
        &["transcript", "--format", "json"],
        &[("XTU_STATE_DIR", &state)],
        None,
    )
    .await;
    assert!(run.ok().contains("\"scores\""));

    // A maintenance page where the PDF should be: not parsed, a typed error.
    fake.serve_transcript(
        "<html><body><h1>系统维护中</h1></body></html>",
        "text/html;charset=UTF-8",
    );
    let run = xtu(&fake, &["transcript"], &[("XTU_STATE_DIR", &state)], None).await;
    assert_eq!(run.code, 9, "{run:#?}");
    assert!(run.stdout.is_empty());
}

#[tokio::test]
async fn parse_reads_every_fixture_offline() {
    let fake = fake().await;
    for (name, code) in [
        ("transcript.pdf", 0),
        ("transcript.identity-h.pdf", 0),
        ("transcript.simple-fonts.pdf", 0),
        ("transcript.gbk-euc.pdf", 0),
        ("transcript.two-pages.pdf", 0),
        ("transcript.empty.pdf", 0),
        ("transcript.mojibake.pdf", 0),
        ("transcript.mojibake-unrepairable.pdf", 9),
        ("transcript.not-pdf.html", 9),
    ] {
        let run = xtu(&fake, &["parse", "transcript", &fixture(name)], &[], None).await;
        assert_eq!(run.code, code, "{name}: {run:#?}");
        if code == 0 {
            let json: Value = serde_json::from_str(&run.stdout).expect("JSON");
            assert!(json["scores"].is_array(), "{name}");
        } else {
            assert_eq!(run.stderr.lines().count(), 1, "{name}: {run:#?}");
        }
    }
    // The three font kinds read the same transcript.
    let read = |name: &'static str| {
        let fake = &fake;
        async move {
            xtu(fake, &["parse", "transcript", &fixture(name)], &[], None)
                .await
                .stdout
        }
    };
    let plain = read("transcript.pdf").await;
    assert_eq!(read("transcript.identity-h.pdf").await, plain);
    assert_eq!(read("transcript.simple-fonts.pdf").await, plain);
}

#[tokio::test]
async fn a_token_plain_or_compressed_works_like_the_stored_session() {
    let fake = fake().await;
    let sso = xtu(
        &fake,
        &["sso-login", "--username", USER, "--compressed"],
        &[("XTU_PASSWORD", PASSWORD)],
        None,
    )
    .await;
    let sso_token = sso.ok().trim().to_owned();
    for compressed in [false, true] {
        let mut args = vec!["ems-auth"];
        if compressed {
            args.push("--compressed");
        }
        let ems = xtu(&fake, &args, &[("XTU_TOKEN", &sso_token)], None).await;
        let ems_token = ems.ok().trim().to_owned();
        assert_eq!(ems_token.starts_with('['), !compressed);
        let run = xtu(
            &fake,
            &["transcript", "--token", "-", "--format", "json"],
            &[],
            Some(&format!("{ems_token}\n")),
        )
        .await;
        let json: Value = serde_json::from_str(run.ok()).expect("JSON");
        assert_eq!(json["scores"].as_array().map(Vec::len), Some(30));
    }
}

/// A second page holding only the 等级考试成绩 table: its exams are never
/// courses; the table shows them on a line of their own, the upstream's
/// JSON keeps its shape.
#[tokio::test]
async fn level_exams_are_never_courses() {
    let fake = fake().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let state = logged_in(&fake, &dir).await;
    let pdf = std::fs::read(fixture("transcript.level-exams.pdf")).expect("fixture");
    fake.serve_transcript(pdf, "application/pdf");
    let env = [("XTU_STATE_DIR", state.as_str())];
    let json = xtu(&fake, &["transcript", "--format", "json"], &env, None).await;
    let json: Value = serde_json::from_str(json.ok()).expect("JSON");
    let plain = xtu(
        &fake,
        &["parse", "transcript", &fixture("transcript.pdf")],
        &[],
        None,
    )
    .await;
    let plain: Value = serde_json::from_str(plain.ok()).expect("JSON");
    // The same courses and keys as the transcript without that page.
    assert_eq!(json, plain);
    let table = xtu(&fake, &["transcript", "--format", "table"], &env, None).await;
    let table = table.ok();
    assert!(
        table.ends_with("level exams: CET4 523 (2022-12), CET6 468 (2023-06)\n"),
        "{table}"
    );
    assert!(
        table.starts_with("202205561111 张三 计算机学院●网络空间安全学院 通信工程\n"),
        "{table}"
    );
}
