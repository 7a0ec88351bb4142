//! The week parser against an independent model of ZhengFang's week strings.

use std::collections::BTreeSet;

use proptest::prelude::*;
use xtu_model::weeks::{MAX_WEEK, parse_weeks};

/// One segment as ZhengFang writes it: a range, and optionally odd or even.
#[derive(Debug, Clone)]
struct Segment {
    first: u8,
    last: u8,
    parity: Option<bool>,
    full_width: bool,
}

impl Segment {
    fn text(&self) -> String {
        let range = if self.first == self.last {
            format!("{}周", self.first)
        } else {
            format!("{}-{}周", self.first, self.last)
        };
        let (open, close) = if self.full_width {
            ('（', '）')
        } else {
            ('(', ')')
        };
        match self.parity {
            None => range,
            Some(true) => format!("{range}{open}单{close}"),
            Some(false) => format!("{range}{open}双{close}"),
        }
    }

    fn weeks(&self) -> impl Iterator<Item = u8> + '_ {
        (self.first..=self.last).filter(|w| match self.parity {
            None => true,
            Some(odd) => (w % 2 == 1) == odd,
        })
    }
}

fn segment() -> impl Strategy<Value = Segment> {
    (
        1..=MAX_WEEK,
        0u8..10,
        prop::option::of(any::<bool>()),
        any::<bool>(),
    )
        .prop_map(|(first, len, parity, full_width)| Segment {
            first,
            last: first.saturating_add(len).min(MAX_WEEK),
            parity,
            full_width,
        })
}

proptest! {
    #[test]
    fn expands_what_zhengfang_writes(segments in prop::collection::vec(segment(), 1..6),
                                     separator in prop::sample::select(vec![",", "，", "、"])) {
        let text: Vec<String> = segments.iter().map(Segment::text).collect();
        let text = text.join(separator);
        let expected: BTreeSet<u8> = segments.iter().flat_map(Segment::weeks).collect();
        let weeks = parse_weeks(&text).expect("valid week string");
        prop_assert_eq!(weeks, expected.into_iter().collect::<Vec<_>>());
    }

    #[test]
    fn never_panics_and_only_yields_valid_weeks(text in "\\PC{0,40}") {
        if let Ok(weeks) = parse_weeks(&text) {
            prop_assert!(weeks.windows(2).all(|w| w[0] < w[1]));
            prop_assert!(weeks.iter().all(|w| (1..=MAX_WEEK).contains(w)));
        }
    }

    #[test]
    fn week_like_noise_never_panics(text in "[0-9周单双(),，、（）\\- ]{0,30}") {
        let _ = parse_weeks(&text);
    }
}
