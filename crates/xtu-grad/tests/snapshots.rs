//! Every fixture of fixtures/grad through its page's parser, snapshotting
//! the `Result` (so the wording of errors is pinned too). The page is the
//! first dot-separated part of the file name.

use serde::Serialize;
use xtu_grad::pages;

#[derive(Serialize)]
#[serde(rename_all = "lowercase")]
enum Outcome<T> {
    Ok(T),
    Error(String),
}

fn outcome<T: Serialize>(result: Result<T, pages::ParseError>) -> serde_json::Value {
    let outcome = match result {
        Ok(value) => Outcome::Ok(value),
        Err(error) => Outcome::Error(error.to_string()),
    };
    serde_json::to_value(outcome).unwrap_or_else(|e| panic!("serializable: {e}"))
}

#[test]
fn every_fixture() {
    insta::glob!("../../../fixtures/grad", "*.*", |path| {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{name}: {e}"));
        let value = match name.split('.').next().unwrap_or_default() {
            "applications" => outcome(pages::graduate_entry(&text)),
            "menu" => outcome(pages::timetable_link(&text)),
            "timetable-page" => outcome(pages::data_url(&text)),
            "timetable-data" => outcome(pages::timetable(&text, "2025-2026-1")),
            other => panic!("{name}: no page named {other}"),
        };
        insta::assert_yaml_snapshot!(value);
    });
}

#[test]
fn a_cell_with_two_courses_gives_two_courses() {
    let text = include_str!("../../../fixtures/grad/timetable-data.json");
    let timetable = pages::timetable(text, "2025-2026-1").expect("reads");
    let tuesday: Vec<_> = timetable
        .courses
        .iter()
        .filter(|c| c.day_of_week == 2)
        .map(|c| (c.name.as_str(), c.sections.clone(), c.weeks.len()))
        .collect();
    assert_eq!(
        tuesday,
        [
            ("工程伦理", vec![3, 4], 7),
            ("自然辩证法概论", vec![3, 4], 8)
        ]
    );
}

#[test]
fn a_course_twice_in_a_day_is_two_meetings_and_no_section_rows_have_none() {
    let text = include_str!("../../../fixtures/grad/timetable-data.json");
    let timetable = pages::timetable(text, "2025-2026-1").expect("reads");
    let friday: Vec<_> = timetable
        .courses
        .iter()
        .filter(|c| c.day_of_week == 5)
        .map(|c| c.sections.clone())
        .collect();
    assert_eq!(friday, [vec![1, 2], vec![7, 8]]);
    let last = timetable.courses.last().expect("courses");
    assert_eq!(
        (
            last.name.as_str(),
            last.day_of_week,
            last.sections.is_empty()
        ),
        ("论文写作指导", 6, true)
    );
    let english = timetable
        .courses
        .iter()
        .find(|c| c.name == "学术英语")
        .expect("english");
    assert_eq!(english.weeks, [1, 3, 5, 7, 9, 11, 13, 15]);
    assert_eq!(english.sections, [9, 10]);
}
