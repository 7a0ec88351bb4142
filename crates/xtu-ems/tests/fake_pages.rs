//! Pages as public ZhengFang V9 captures write them, read over real HTTP
//! from the fake XTU: the fake serves them for 2024-2025-2.

mod common;

use xtu_ems::TermSpec;
use xtu_fake::{Account, FakeXtu};

const USER: &str = "202205561111";
const PASSWORD: &str = "Xtu@2025!";

#[tokio::test]
async fn practice_courses_and_a_header_without_a_term_name() {
    let fake = FakeXtu::builder()
        .account(Account::new(USER, PASSWORD))
        .start()
        .await;
    let ems = common::entered(&fake, USER, PASSWORD, std::time::Duration::from_secs(10)).await;
    let term = TermSpec::new(2024, 2).expect("term");
    let timetable = ems.timetable(term).await.expect("timetable");
    assert_eq!(timetable.term, "2024-2025-2");
    let design = &timetable.practice[0];
    // Teachers from `jsxm`; `(共16周)` is a count, the weeks follow the `/`.
    assert_eq!(design.teacher, "教师卯,教师辰");
    assert_eq!(design.weeks, (1..=16).collect::<Vec<u8>>());
    assert_eq!(timetable.practice[1].weeks, vec![17, 18]);
    // A room the site has not assigned is no room.
    assert!(timetable.courses.iter().any(|c| c.location.is_empty()));
}
