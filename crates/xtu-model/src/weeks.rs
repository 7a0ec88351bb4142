//! ZhengFang's week and section strings: `1-8周,10-16周(双)`, `3周`,
//! `1-16周(单)`; sections `1-2`, `9-11`.

use std::collections::BTreeSet;

/// The highest week number accepted: XTU terms have about 20 teaching weeks;
/// the slack keeps odd summer or make-up arrangements readable.
pub const MAX_WEEK: u8 = 30;

/// A week or section string that could not be read. Shows the whole text
/// (it is course metadata, never personal data) and what was wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {what} {text:?}: {reason}")]
pub struct RangeParseError {
    what: &'static str,
    text: String,
    reason: &'static str,
}

/// Which weeks of a range count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Parity {
    All,
    Odd,
    Even,
}

/// Expands a week string into sorted, distinct week numbers.
///
/// Segments are separated by `,` (ASCII or full-width) or `、`; each is `N`
/// or `N-M`, optionally followed by `周` and a parity `(单)` (odd weeks) or
/// `(双)` (even weeks), in either order, with ASCII or full-width brackets.
pub fn parse_weeks(text: &str) -> Result<Vec<u8>, RangeParseError> {
    let error = |reason| RangeParseError {
        what: "weeks",
        text: text.to_owned(),
        reason,
    };
    let mut weeks = BTreeSet::new();
    let mut segments = 0;
    for segment in text.split([',', '，', '、']) {
        let segment = segment.trim();
        if segment.is_empty() {
            continue;
        }
        segments += 1;
        let (range, parity) = strip_parity(segment);
        let range = range.trim().trim_end_matches('周').trim();
        let (first, last) = parse_range(range).map_err(error)?;
        if first == 0 || last > MAX_WEEK {
            return Err(error("week numbers run from 1 to 30"));
        }
        weeks.extend((first..=last).filter(|w| match parity {
            Parity::All => true,
            Parity::Odd => w % 2 == 1,
            Parity::Even => w % 2 == 0,
        }));
    }
    if segments == 0 {
        return Err(error("no weeks given"));
    }
    Ok(weeks.into_iter().collect())
}

/// Splits `(单)`/`(双)` (or their full-width spellings, before or after
/// `周`) off a segment.
fn strip_parity(segment: &str) -> (String, Parity) {
    let mut parity = Parity::All;
    let mut rest = segment.to_owned();
    for (marker, kind) in [("单", Parity::Odd), ("双", Parity::Even)] {
        for (open, close) in [('(', ')'), ('（', '）'), ('(', '）'), ('（', ')')] {
            let spelled = format!("{open}{marker}{close}");
            if rest.contains(&spelled) {
                rest = rest.replace(&spelled, "");
                parity = kind;
            }
        }
    }
    (rest, parity)
}

/// `N` or `N-M` with `N <= M`.
fn parse_range(range: &str) -> Result<(u8, u8), &'static str> {
    let number = |s: &str| {
        let s = s.trim();
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || s.len() > 3 {
            return Err("expected numbers like 1-8 or 3");
        }
        s.parse::<u8>().map_err(|_| "number too large")
    };
    let (first, last) = match range.split_once(['-', '–', '~']) {
        Some((first, last)) => (number(first)?, number(last)?),
        None => {
            let n = number(range)?;
            (n, n)
        }
    };
    if first > last {
        return Err("a range must not run backwards");
    }
    Ok((first, last))
}

/// Expands a section string (`1-2`, `9-11`, `3`; also `1,2`) into sorted,
/// distinct sections 1..=11.
pub fn parse_sections(text: &str) -> Result<Vec<u8>, RangeParseError> {
    let error = |reason| RangeParseError {
        what: "sections",
        text: text.to_owned(),
        reason,
    };
    let mut sections = BTreeSet::new();
    for part in text.split([',', '，']) {
        let part = part.trim().trim_end_matches('节').trim();
        if part.is_empty() {
            continue;
        }
        let (first, last) = parse_range(part).map_err(error)?;
        if first == 0 || last > crate::sections::SECTIONS {
            return Err(error("sections run from 1 to 11"));
        }
        sections.extend(first..=last);
    }
    if sections.is_empty() {
        return Err(error("no sections given"));
    }
    Ok(sections.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_zhengfang_week_strings() {
        let cases: [(&str, Vec<u8>); 9] = [
            (
                "1-8周,10-16周(双)",
                vec![1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16],
            ),
            ("3周", vec![3]),
            ("1-16周(单)", vec![1, 3, 5, 7, 9, 11, 13, 15]),
            ("2-9周（双）", vec![2, 4, 6, 8]),
            ("1-4(单)周", vec![1, 3]),
            ("1-2周，5周、7-8周", vec![1, 2, 5, 7, 8]),
            (" 1 - 3 周 ", vec![1, 2, 3]),
            ("5-6周,1-2周,5周", vec![1, 2, 5, 6]),
            ("2周(单)", vec![]),
        ];
        for (text, weeks) in cases {
            assert_eq!(parse_weeks(text), Ok(weeks), "{text}");
        }
    }

    #[test]
    fn bad_week_strings_name_the_text() {
        for text in [
            "", "周", "0-3周", "1-31周", "8-1周", "a-b周", "1-周", "1--3周", "999周",
        ] {
            let error = parse_weeks(text).expect_err(text);
            assert!(error.to_string().contains(&format!("{text:?}")), "{error}");
        }
    }

    #[test]
    fn reads_sections() {
        assert_eq!(parse_sections("1-2"), Ok(vec![1, 2]));
        assert_eq!(parse_sections("9-11节"), Ok(vec![9, 10, 11]));
        assert_eq!(parse_sections("3,5"), Ok(vec![3, 5]));
        for text in ["", "0-2", "10-12", "2-1", "x"] {
            assert!(parse_sections(text).is_err(), "{text}");
        }
    }
}
