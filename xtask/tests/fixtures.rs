//! `cargo xtask fixtures` against the fake, so the recorder cannot rot.

use std::time::Duration;

use xtask::fixtures::{RecordConfig, record};
use xtu_fake::{Account, FakeXtu, Fault, FaultRule, System};

fn config(fake: &FakeXtu, out_dir: &std::path::Path) -> RecordConfig {
    RecordConfig {
        sso_base_url: fake.sso_base_url().to_owned(),
        ems_base_url: fake.ems_base_url().to_owned(),
        username: "202205561111".into(),
        password: "Xtu@2025!".into(),
        out_dir: out_dir.to_path_buf(),
        delay: Duration::ZERO,
        proxy: xtu_sso::ProxySetting::Direct,
    }
}

#[tokio::test]
async fn records_every_page_scrubbed() {
    let fake = FakeXtu::builder()
        .account(Account::new("202205561111", "Xtu@2025!"))
        .start()
        .await;
    // A profile as a real student's would look: the recorder must scrub it.
    let real = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fixtures/ems/student-info.html"
    ))
    .expect("fixture")
    .replace("202205561111", "201905001234")
    .replace("张三", "李四光")
    .replace("Zhang San", "Li Siguang")
    .replace("2004-01-01", "2001-06-15")
    .replace("[ID-NUMBER]", "430102200106151234")
    .replace("[PHONE]", "13912345678")
    .replace("[ADDRESS]", "湖南省湘潭市雨湖区羊牯塘27号")
    .replace("[EMAIL]", "lisiguang@example.com");
    fake.serve_profile(real);
    let out = tempfile::tempdir().expect("tempdir");
    let config = config(&fake, out.path());
    let recording = record(&config).await.expect("recording works");
    assert_eq!(recording.failures, []);
    let written = recording.written;
    let mut names: Vec<String> = written
        .iter()
        .filter_map(|p| p.file_name()?.to_str().map(str::to_owned))
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "buildings.json",
            "classroom-availability.json",
            "eval-form.html",
            "eval-list.json",
            "exams.json",
            "gpa-rank.json",
            "grades.json",
            "majors.json",
            "notices.json",
            "plan-page.html",
            "plan-query.json",
            "plan.json",
            "progress-courses.json",
            "progress-outside-plan.json",
            "progress.html",
            "student-info.html",
            "teaching-calendar.html",
            "timetable.json"
        ]
    );
    // What was recorded still parses, and is scrubbed.
    let profile = std::fs::read_to_string(out.path().join("student-info.html")).expect("written");
    let parsed = xtu_ems::pages::student_info::parse(&profile).expect("parses");
    assert_eq!(parsed.student_id, "202205561111");
    assert_eq!(parsed.name, "张三");
    for page in &written {
        let text = std::fs::read_to_string(page).expect("written");
        for secret in [
            "Xtu@2025!",
            "201905001234",
            "李四光",
            "Li Siguang",
            "2001-06-15",
            "430102200106151234",
            "13912345678",
            "羊牯塘",
            "lisiguang@",
        ] {
            assert!(
                !text.contains(secret),
                "{secret} left in {}",
                page.display()
            );
        }
    }
    // The structure is kept: the scrubbed page parses like the fixture.
    assert_eq!(parsed.gender, "男");
    assert_eq!(parsed.major, "通信工程(00837)");
    // Sequential and once per page: one request for each, after the login.
    assert_eq!(
        fake.count(
            xtu_fake::System::Ems,
            "GET",
            "/jwglxt/xsxxxggl/xsgrxxwh_cxXsgrxx.html"
        ),
        1
    );
    assert_eq!(
        fake.count(
            xtu_fake::System::Ems,
            "POST",
            "/jwglxt/cdjy/cdjy_cxKxcdlb.html"
        ),
        1
    );
}

#[tokio::test]
async fn a_failing_page_is_reported_and_the_others_recorded() {
    let fake = FakeXtu::builder()
        .account(Account::new("202205561111", "Xtu@2025!"))
        .start()
        .await;
    // The building list answers 502 every time (retries included).
    fake.inject(
        FaultRule::new(System::Ems, Fault::BadGateway).path("/jwglxt/cdjy/cdjy_cxXqjc.html"),
    );
    let out = tempfile::tempdir().expect("tempdir");
    let config = config(&fake, out.path());
    let recording = record(&config).await.expect("the others are recorded");
    assert_eq!(recording.written.len(), xtu_ems::Page::ALL.len() - 1);
    assert!(!out.path().join("buildings.json").exists());
    assert!(out.path().join("grades.json").exists());
    let [failure] = recording.failures.as_slice() else {
        panic!("one failure expected: {:?}", recording.failures);
    };
    assert_eq!(failure.page, xtu_ems::Page::Buildings);
    assert_eq!(failure.status, Some(502));
    assert!(
        failure.to_string().starts_with("buildings: HTTP 502"),
        "{failure}"
    );
}
