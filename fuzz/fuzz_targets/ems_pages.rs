//! Every EMS page parser and the error-page recogniser on arbitrary bodies.
//!
//! Input: the first byte picks the page (`byte % Page::ALL.len()`, in the
//! order of `Page::ALL`), the rest is the body as lossy UTF-8.
//! Invariants: no panic; a parsed page serializes to JSON (what `xtu` prints).
#![no_main]

use libfuzzer_sys::fuzz_target;
use xtu_ems::{Page, ParseError, pages};

fn check<T: serde::Serialize>(result: Result<T, ParseError>) {
    match result {
        Ok(value) => {
            serde_json::to_vec(&value).expect("a parsed page serializes");
        }
        Err(error) => {
            let _ = error.to_string();
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let body = String::from_utf8_lossy(body);
    if let Some(error) = pages::recognize_error_page(&body) {
        let _ = error.to_string();
    }
    match Page::ALL[usize::from(selector) % Page::ALL.len()] {
        Page::StudentInfo => check(pages::student_info::parse(&body)),
        Page::TeachingCalendar => check(pages::teaching_calendar::parse(&body)),
        Page::ClassroomAvailability => check(pages::classroom_availability::parse(&body)),
        Page::Buildings => check(pages::buildings::parse(&body)),
        Page::Timetable => check(pages::timetable::parse(&body)),
        Page::Exams => check(pages::exams::parse(&body)),
        Page::Grades => check(pages::grades::parse(&body)),
        Page::GpaRank => check(pages::gpa_rank::parse(&body)),
        // `Page` is exhaustive today; a new page must be added here.
    }
});
