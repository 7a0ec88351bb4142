//! ZhengFang's week and section strings, exam times and term ids.
//!
//! Input: the text as lossy UTF-8, given to every parser.
//! Invariants: no panic; weeks and sections sorted, distinct and in range
//! (a week list may be empty: `2周(单)` is deliberately `Ok([])`);
//! an exam starts before it ends; a term id reads back from its display.
#![no_main]

use libfuzzer_sys::fuzz_target;
use xtu_model::Term;
use xtu_model::sections::SECTIONS;
use xtu_model::weeks::{MAX_WEEK, parse_sections, parse_weeks};

fn sorted_within(values: &[u8], max: u8) {
    assert!(values.windows(2).all(|w| w[0] < w[1]), "{values:?}");
    assert!(values.iter().all(|v| (1..=max).contains(v)), "{values:?}");
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match parse_weeks(&text) {
        Ok(weeks) => sorted_within(&weeks, MAX_WEEK),
        Err(error) => {
            let _ = error.to_string();
        }
    }
    match parse_sections(&text) {
        Ok(sections) => {
            assert!(!sections.is_empty(), "an Ok section list is never empty");
            sorted_within(&sections, SECTIONS);
        }
        Err(error) => {
            let _ = error.to_string();
        }
    }
    if let Some((_, start, end)) = xtu_model::parse_exam_time(&text) {
        assert!(start < end);
    }
    if let Ok(term) = text.parse::<Term>() {
        assert!(matches!(term.term, 1 | 2));
        assert_eq!(term.to_string().parse::<Term>(), Ok(term));
        let _ = (term.xqm(), term.academic_year_label());
    }
});
