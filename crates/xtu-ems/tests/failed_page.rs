//! A page the site changed, end to end: the error keeps the body, which is
//! saved scrubbed and reproduces the same error offline.

mod common;

use xtu_ems::scrub::{self, Secrets};
use xtu_ems::{Page, pages};
use xtu_fake::{Account, FakeXtu};

const USER: &str = "201905001234";
const PASSWORD: &str = "Xtu@2025!";

#[tokio::test]
async fn a_changed_page_is_kept_saved_scrubbed_and_reproducible() {
    let fake = FakeXtu::builder()
        .account(Account::new(USER, PASSWORD))
        .start()
        .await;
    // The site renamed the student-id field: the parser cannot find it.
    let changed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/ems/student-info.html"
    ))
    .expect("fixture")
    .replace("col_xh\"", "col_xsxh\"")
    .replace("202205561111", USER)
    .replace("张三", "李四光")
    .replace("[PHONE]", "13912345678")
    .replace("[ID-NUMBER]", "430102200106151234")
    .replace("[ADDRESS]", "湖南省湘潭市雨湖区羊牯塘27号");
    fake.serve_profile(changed.clone());
    let ems = common::entered(&fake, USER, PASSWORD, std::time::Duration::from_secs(10)).await;

    let error = ems.student_profile().await.expect_err("the page changed");
    let failed = error.unreadable_page().expect("the body is kept");
    assert_eq!(
        (failed.page, failed.body.as_str()),
        (Page::StudentInfo, changed.as_str())
    );

    let mut secrets = Secrets::new();
    secrets.add(USER, scrub::STUDENT_ID);
    secrets.add_cookies(ems.jar());
    let dir = tempfile::tempdir().expect("tempdir");
    let saved =
        scrub::save_failed_page(dir.path(), failed.page, &failed.body, &secrets).expect("saved");
    let text = std::fs::read_to_string(&saved).expect("readable");
    for personal in [
        USER,
        "李四光",
        "13912345678",
        "430102200106151234",
        "羊牯塘",
    ] {
        assert!(
            !text.contains(personal),
            "{personal} in {}",
            saved.display()
        );
    }
    for cookie in ems.jar().cookies() {
        assert!(
            !text.contains(&cookie.value),
            "a cookie value in the saved page"
        );
    }
    // `xtu parse student-info <file>` meets the same error.
    assert_eq!(
        pages::student_info::parse(&text).map_err(|e| e.to_string()),
        Err(error.to_string())
    );
}
