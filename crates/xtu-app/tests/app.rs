//! The library against the fake XTU over loopback: what the CLI and the MCP
//! server do, called as another program would.

use std::time::Duration;

use xtu_app::{
    Config, Error, GpaRequest, IcsRequest, LoginOptions, RoomQuery, RoomTime, StoreDir, Vault, Xtu,
};
use xtu_fake::{Account, FakeXtu, System};

const USER: &str = "202205561111";
const PASSWORD: &str = "correct horse";

async fn fake() -> FakeXtu {
    FakeXtu::builder()
        .account(Account::new(USER, PASSWORD))
        .start()
        .await
}

fn xtu(fake: &FakeXtu, dir: &tempfile::TempDir) -> Xtu {
    Xtu::new(
        Config {
            sso_base_url: fake.sso_base_url().to_owned(),
            ems_base_url: fake.ems_base_url().to_owned(),
            grad_base_url: fake.grad_base_url().to_owned(),
            timeout: Duration::from_secs(10),
            user: None,
            proxy: xtu_app::ProxySetting::Direct,
        },
        StoreDir::new(dir.path().join("state")),
        // Never a real user's keyring.
        Vault::none(),
    )
}

/// The toolkit on `dir`, logged in as the fake's account.
async fn logged_in(fake: &FakeXtu, dir: &tempfile::TempDir) -> Xtu {
    let xtu = xtu(fake, dir);
    xtu.login(USER, PASSWORD, LoginOptions::default(), &mut |_| None)
        .await
        .expect("login");
    xtu
}

fn posts(fake: &FakeXtu) -> usize {
    fake.count(System::Sso, "POST", "/cas/login")
}

#[tokio::test]
async fn a_login_is_stored_privately_and_queries_need_no_token() {
    let fake = fake().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let xtu = logged_in(&fake, &dir).await;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = |p: std::path::PathBuf| {
            std::fs::metadata(p).expect("stat").permissions().mode() & 0o777
        };
        assert_eq!(mode(dir.path().join("state")), 0o700);
        assert_eq!(
            mode(dir.path().join(format!("state/sessions/{USER}.json"))),
            0o600
        );
    }
    fake.clear_requests();
    let profile = xtu
        .query(None, |ems| async move { ems.student_profile().await })
        .await
        .expect("profile");
    assert_eq!(profile.student_id, USER);
    assert_eq!(fake.requests().len(), 1, "a warm query is one request");
    assert!(xtu.whoami().await.expect("whoami").ems_session_valid);
    let logout = xtu.logout().expect("logout");
    assert!(logout.was_logged_in);
    assert!(matches!(
        xtu.query(None, |ems| async move { ems.teaching_calendar().await })
            .await,
        Err(Error::SessionExpired(_))
    ));
}

#[tokio::test]
async fn an_expired_academic_session_is_re_entered_without_a_password() {
    let fake = fake().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let xtu = logged_in(&fake, &dir).await;
    fake.expire_ems_sessions();
    let calendar = xtu
        .query(None, |ems| async move { ems.teaching_calendar().await })
        .await
        .expect("re-entered");
    assert_eq!(calendar.term_id, "2025-2026-1");
    assert_eq!(posts(&fake), 1, "no second password");

    // Both sessions gone and no password remembered: the user is told.
    fake.expire_ems_sessions();
    fake.expire_sso_sessions();
    let expired = xtu
        .query(None, |ems| async move { ems.teaching_calendar().await })
        .await;
    match expired {
        Err(Error::SessionExpired(message)) => assert!(message.contains("xtu login")),
        other => panic!("expected an expired session, got {other:?}"),
    }
    assert_eq!(posts(&fake), 1);
}

#[tokio::test]
async fn a_remembered_password_logs_in_again_once() {
    let fake = fake().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let xtu = xtu(&fake, &dir);
    let remember = LoginOptions {
        remember: true,
        insecure_store: true,
        ..LoginOptions::default()
    };
    xtu.login(USER, PASSWORD, remember, &mut |_| None)
        .await
        .expect("login");
    fake.expire_ems_sessions();
    fake.expire_sso_sessions();
    xtu.query(None, |ems| async move { ems.student_profile().await })
        .await
        .expect("logged in again by itself");
    assert_eq!(posts(&fake), 2);
}

#[tokio::test]
async fn without_a_keyring_remember_is_refused_before_any_request() {
    let fake = fake().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let xtu = xtu(&fake, &dir);
    let remember = LoginOptions {
        remember: true,
        ..LoginOptions::default()
    };
    let refused = xtu.login(USER, PASSWORD, remember, &mut |_| None).await;
    assert!(matches!(refused, Err(Error::Usage(m)) if m.contains("--insecure-store")));
    assert!(fake.requests().is_empty());
}

#[tokio::test]
async fn three_failures_in_a_day_stop_the_next_login_before_it_is_sent() {
    let fake = fake().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let xtu = xtu(&fake, &dir);
    for _ in 0..3 {
        let failed = xtu
            .login(USER, "wrong", LoginOptions::default(), &mut |_| None)
            .await;
        assert_eq!(failed.expect_err("refused").exit_code() as u8, 3);
    }
    let refused = xtu
        .login(USER, PASSWORD, LoginOptions::default(), &mut |_| None)
        .await;
    assert!(matches!(refused, Err(Error::Usage(m)) if m.contains("--force")));
    assert_eq!(posts(&fake), 3);
    let forced = LoginOptions {
        force: true,
        ..LoginOptions::default()
    };
    xtu.login(USER, PASSWORD, forced, &mut |_| None)
        .await
        .expect("forced");
    // A success lifts the guard.
    xtu.login(USER, PASSWORD, LoginOptions::default(), &mut |_| None)
        .await
        .expect("again");
}

#[tokio::test]
async fn free_rooms_at_a_time_plan_week_day_and_the_rest_of_the_block() {
    let fake = fake().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let xtu = logged_in(&fake, &dir).await;
    let at = xtu_app::parse_at("2025-11-03 14:20").expect("time");
    let found = xtu
        .free_rooms(&RoomQuery::new(RoomTime::At(at)), None)
        .await
        .expect("rooms");
    assert_eq!(found.plan.weeks, [10]);
    assert_eq!(found.plan.day, 1);
    assert_eq!(found.plan.sections, [5, 6]);
    assert!(!found.rooms.is_empty());
    let everywhere = found.rooms.len();
    let in_one_building = RoomQuery {
        building: Some("化工".into()),
        ..RoomQuery::new(RoomTime::At(at))
    };
    let found = xtu.free_rooms(&in_one_building, None).await.expect("rooms");
    // The filter keeps some rooms and drops others: an empty answer would
    // pass the check below for any filter.
    assert!(
        !found.rooms.is_empty() && found.rooms.len() < everywhere,
        "{} of {everywhere}",
        found.rooms.len()
    );
    assert!(
        found
            .rooms
            .iter()
            .all(|r| r.building.contains("化工") || r.name.contains("化工")),
        "{:?}",
        found.rooms
    );
    let outside = xtu
        .free_rooms(
            &RoomQuery::new(RoomTime::At(
                xtu_app::parse_at("2026-03-02 09:00").expect("time"),
            )),
            None,
        )
        .await;
    assert!(matches!(outside, Err(Error::Usage(m)) if m.contains("outside the current term")));
}

#[tokio::test]
async fn grade_watch_reports_changes_once_saved() {
    let fake = fake().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let xtu = logged_in(&fake, &dir).await;
    let first = xtu.watch_grades(None).await.expect("watch");
    assert!(!first.changes.is_empty());
    assert!(first.changes.iter().all(|c| c.change == "new"));
    // Not saved: the same changes are reported again.
    let again = xtu.watch_grades(None).await.expect("watch");
    assert_eq!(again.changes, first.changes);
    again.save().expect("save");
    let after = xtu.watch_grades(None).await.expect("watch");
    assert!(after.changes.is_empty());
}

#[tokio::test]
async fn gpa_and_calendar_export_come_from_the_same_session() {
    let fake = fake().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let xtu = logged_in(&fake, &dir).await;
    let report = xtu
        .gpa(&GpaRequest::default(), None)
        .await
        .expect("gpa report");
    assert!(report.ranking.is_some());
    assert!(report.computed.courses > 0);
    assert!(report.terms_counted.is_some());

    let text = xtu
        .export_ics(&IcsRequest::default(), None)
        .await
        .expect("ics");
    let calendar = ical::IcalParser::new(text.as_bytes())
        .next()
        .expect("one calendar")
        .expect("valid iCalendar");
    assert!(
        calendar.events.len() > 10,
        "{} events",
        calendar.events.len()
    );
}

#[tokio::test]
async fn the_degree_audit_reads_every_category_and_its_numbers_add_up() {
    let fake = fake().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let xtu = logged_in(&fake, &dir).await;
    fake.clear_requests();
    let audit = xtu
        .progress(&xtu_app::ProgressRequest::default(), None)
        .await
        .expect("progress");
    assert_eq!(audit.student_id, USER);
    // The index page, then one list per leaf category and the courses
    // outside the plan: nothing asked twice.
    let leaves = audit
        .categories
        .iter()
        .filter(|c| {
            !audit
                .categories
                .iter()
                .any(|o| o.parent.as_ref() == Some(&c.id))
        })
        .count();
    assert_eq!(
        fake.count(System::Ems, "GET", "/jwglxt/xsxy/xsxyqk_cxXsxyqkIndex.html"),
        1
    );
    assert_eq!(
        fake.count(
            System::Ems,
            "POST",
            "/jwglxt/xsxy/xsxyqk_cxJxzxjhxfyqKcxx.html"
        ),
        leaves
    );
    assert_eq!(fake.requests().len(), 1 + leaves + 1);
    // Where the site states a leaf's earned credits, they are its passed
    // courses' credits.
    let mut checked = 0;
    for category in audit.categories.iter().filter(|c| !c.courses.is_empty()) {
        let Some(earned) = category.earned_credits else {
            continue;
        };
        let passed: f64 = category
            .courses
            .iter()
            .filter(|c| c.status == xtu_model::CourseStatus::Passed)
            .filter_map(|c| c.credits)
            .sum();
        assert!(
            (passed - earned).abs() < 1e-9,
            "{}: {passed} vs {earned}",
            category.name
        );
        checked += 1;
    }
    assert!(checked >= 5, "only {checked} categories checked");
    let statuses: Vec<_> = audit
        .categories
        .iter()
        .flat_map(|c| &c.courses)
        .map(|c| c.status.as_str())
        .collect();
    for status in ["passed", "failed", "in_progress", "not_taken"] {
        assert!(statuses.contains(&status), "no {status} course");
    }
    assert_eq!(audit.outside_plan.len(), 1);
    assert_eq!(audit.summary.planned, Some(statuses.len() as u32));

    let missing = xtu
        .progress(&xtu_app::ProgressRequest { missing_only: true }, None)
        .await
        .expect("progress --missing");
    assert!(!missing.categories.is_empty());
    assert!(missing.categories.iter().all(|c| c.is_short()));
    assert!(
        missing
            .categories
            .iter()
            .flat_map(|c| &c.courses)
            .all(|c| c.status != xtu_model::CourseStatus::Passed)
    );
}

#[tokio::test]
async fn the_own_plan_another_majors_plan_and_the_majors() {
    let fake = fake().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let xtu = logged_in(&fake, &dir).await;
    let own = xtu
        .plan(&xtu_app::PlanRequest::Own, None)
        .await
        .expect("own plan");
    assert_eq!(own.major.code, "0501");
    assert_eq!(own.grade, "2022");
    assert_eq!(own.college.as_ref().map(|c| c.code.as_str()), Some("05"));
    assert!(own.courses.iter().any(|c| c.code == "2521100a"));
    let query = fake.ems_forms("plan-query");
    assert_eq!(
        query
            .last()
            .and_then(|f| f.get("zyh_id"))
            .map(String::as_str),
        Some("0501")
    );

    let request = xtu_app::PlanRequest::of("0502", "2022").expect("valid");
    let other = xtu.plan(&request, None).await.expect("other plan");
    assert_eq!(other.major.name.as_deref(), Some("软件工程"));
    assert!(!other.courses.is_empty() && other.courses.len() < own.courses.len());

    let none = xtu_app::PlanRequest::of("0999", "2022").expect("valid");
    let error = xtu.plan(&none, None).await.expect_err("no such plan");
    assert_eq!(error.exit_code(), xtu_app::ExitCode::Usage, "{error}");
    assert!(error.to_string().contains("0999"), "{error}");

    let majors = xtu.majors(None).await.expect("majors");
    let codes: Vec<&str> = majors.iter().map(|m| m.code.as_str()).collect();
    assert_eq!(codes, ["0501", "0502"]);
}
