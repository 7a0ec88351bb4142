//! The transcript through `EmsClient` against the fake XTU: both POSTs, the
//! PDF, session expiry at each step, and a body that is not a PDF.

mod common;

use std::time::Duration;

use xtu_ems::{EmsClient, EmsError, TranscriptError};
use xtu_fake::{Account, FakeXtu, System};

const USER: &str = "202205561111";
const PASSWORD: &str = "Xtu@2025!";
const COUNT: &str = "/jwglxt/bysxxcx/xscjzbdy_cxXsCount.html";
const PRINT: &str = "/jwglxt/bysxxcx/xscjzbdy_dyList.html";
const PDF: &str = "/jwglxt/templete/scorePrint/score_202205561111_1769943281937.pdf";
const FIXTURE: &[u8] = include_bytes!("../../../fixtures/transcript/transcript.pdf");

async fn entered() -> (FakeXtu, EmsClient) {
    let fake = FakeXtu::builder()
        .account(Account::new(USER, PASSWORD))
        .start()
        .await;
    let ems = common::entered(&fake, USER, PASSWORD, Duration::from_secs(5)).await;
    (fake, ems)
}

#[tokio::test]
async fn fetches_the_pdf_with_the_documented_requests() {
    let (fake, ems) = entered().await;
    fake.clear_requests();
    let pdf = ems.transcript_pdf().await.expect("transcript pdf");
    assert_eq!(pdf, FIXTURE);
    assert_eq!(fake.count(System::Ems, "POST", COUNT), 1);
    assert_eq!(fake.count(System::Ems, "POST", PRINT), 1);
    assert_eq!(fake.count(System::Ems, "GET", PDF), 1);
    assert_eq!(
        fake.transcript_print_bodies(),
        [
            "gsdygx=10530-zw-qcmrgs&ids=&bdykcxzDms=&cytjkcxzDms=&cytjkclbDms=&cytjkcgsDms=\
          &bjgbdykcxzDms=&bjgbdyxxkcxzDms=&djksxmDms=&cjbzmcDms=&zdyfsxmDms=\
          &bdymaxcjbzmcDms=&cjdySzxs="
        ]
    );
    let parsed = ems.transcript().await.expect("transcript");
    assert_eq!(
        parsed,
        xtu_transcript::parse(FIXTURE).expect("fixture parses")
    );
    assert_eq!(parsed.courses.len(), 30);
}

#[tokio::test]
async fn an_expired_session_is_session_expired_at_every_step() {
    // Entering took one page request; each budget ends the session before
    // one of the three transcript requests.
    for (budget, method, reached) in [(1, "POST", COUNT), (2, "POST", PRINT), (3, "GET", PDF)] {
        let (fake, ems) = entered().await;
        fake.clear_requests();
        fake.expire_ems_sessions_after(budget);
        let error = ems.transcript_pdf().await.expect_err(reached);
        assert!(
            matches!(error, EmsError::SessionExpired),
            "{reached}: {error:?}"
        );
        // The refused request was the last one made.
        assert_eq!(fake.count(System::Ems, method, reached), 1, "{reached}");
        let requests = fake.count(System::Ems, "POST", COUNT)
            + fake.count(System::Ems, "POST", PRINT)
            + fake.count(System::Ems, "GET", PDF);
        assert_eq!(requests, budget as usize, "{reached}");
    }
}

#[tokio::test]
async fn a_page_instead_of_the_pdf_is_a_typed_error_never_parsed() {
    let (fake, ems) = entered().await;
    fake.serve_transcript(
        "<html><body><p>文件不存在</p></body></html>",
        "text/html;charset=UTF-8",
    );
    let error = ems.transcript_pdf().await.expect_err("not a pdf");
    assert!(
        matches!(error, EmsError::Transcript(TranscriptError::NotPdf)),
        "{error:?}"
    );
    // The login page served with 200 is an expired session.
    fake.serve_transcript(
        include_str!("../../../fixtures/transcript/transcript.not-pdf.html"),
        "text/html;charset=UTF-8",
    );
    let error = ems.transcript().await.expect_err("login page");
    assert!(matches!(error, EmsError::SessionExpired), "{error:?}");
}
