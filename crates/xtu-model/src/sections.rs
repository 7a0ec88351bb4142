//! XTU's daily timetable: 11 sections of 45 minutes, with summer and winter
//! afternoon/evening times (docs/protocol.md §7).

use chrono::{Datelike as _, NaiveDate, NaiveTime};

/// Which daily timetable is in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Season {
    /// May to September: afternoon from 14:30, evening from 19:30.
    Summer,
    /// October to April: afternoon from 14:00, evening from 19:00.
    Winter,
}

impl Season {
    /// The timetable of a date. XTU switches on 1 May and 1 October, like
    /// most universities in Hunan; docs/protocol.md §7 gives the times, not the
    /// switch dates, so this is the documented assumption.
    pub fn of(date: NaiveDate) -> Self {
        if (5..=9).contains(&date.month()) {
            Self::Summer
        } else {
            Self::Winter
        }
    }
}

/// Number of sections a day.
pub const SECTIONS: u8 = 11;
/// Length of one section in minutes.
pub const SECTION_MINUTES: i64 = 45;

const MORNING: [(u32, u32); 4] = [(8, 0), (8, 55), (10, 10), (11, 5)];
const SUMMER_REST: [(u32, u32); 7] = [
    (14, 30),
    (15, 25),
    (16, 40),
    (17, 35),
    (19, 30),
    (20, 25),
    (21, 20),
];
const WINTER_REST: [(u32, u32); 7] = [
    (14, 0),
    (14, 55),
    (16, 10),
    (17, 5),
    (19, 0),
    (19, 55),
    (20, 50),
];

/// Start time of a section (1..=11).
pub fn section_start(section: u8, season: Season) -> Option<NaiveTime> {
    let (hour, minute) = match section {
        1..=4 => MORNING[usize::from(section - 1)],
        5..=11 => match season {
            Season::Summer => SUMMER_REST[usize::from(section - 5)],
            Season::Winter => WINTER_REST[usize::from(section - 5)],
        },
        _ => return None,
    };
    NaiveTime::from_hms_opt(hour, minute, 0)
}

/// End time of a section.
pub fn section_end(section: u8, season: Season) -> Option<NaiveTime> {
    section_start(section, season).map(|start| start + chrono::Duration::minutes(SECTION_MINUTES))
}

/// The section in progress at `time`, or else the next one to start that day.
pub fn current_or_next_section(time: NaiveTime, season: Season) -> Option<u8> {
    (1..=SECTIONS).find(|&s| section_end(s, season).is_some_and(|end| time < end))
}

/// XTU's section blocks: 1-2, 3-4, 5-6, 7-8, 9-11. Classes take whole blocks.
pub fn block_of(section: u8) -> Option<std::ops::RangeInclusive<u8>> {
    match section {
        1 | 2 => Some(1..=2),
        3 | 4 => Some(3..=4),
        5 | 6 => Some(5..=6),
        7 | 8 => Some(7..=8),
        9..=11 => Some(9..=11),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).expect("valid time")
    }

    #[test]
    fn summer_and_winter_differ_in_the_afternoon_only() {
        assert_eq!(
            section_start(1, Season::Summer),
            section_start(1, Season::Winter)
        );
        assert_eq!(section_start(5, Season::Summer), Some(t(14, 30)));
        assert_eq!(section_start(5, Season::Winter), Some(t(14, 0)));
        assert_eq!(section_end(11, Season::Summer), Some(t(22, 5)));
        assert_eq!(section_start(12, Season::Summer), None);
    }

    #[test]
    fn finds_the_current_or_next_section() {
        assert_eq!(current_or_next_section(t(7, 0), Season::Summer), Some(1));
        assert_eq!(current_or_next_section(t(8, 44), Season::Summer), Some(1));
        assert_eq!(current_or_next_section(t(8, 45), Season::Summer), Some(2));
        assert_eq!(current_or_next_section(t(12, 0), Season::Winter), Some(5));
        assert_eq!(current_or_next_section(t(14, 20), Season::Winter), Some(5));
        assert_eq!(current_or_next_section(t(14, 20), Season::Summer), Some(5));
        assert_eq!(current_or_next_section(t(22, 10), Season::Summer), None);
    }

    #[test]
    fn seasons_switch_in_may_and_october() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).expect("valid date");
        assert_eq!(Season::of(d(4, 30)), Season::Winter);
        assert_eq!(Season::of(d(5, 1)), Season::Summer);
        assert_eq!(Season::of(d(9, 30)), Season::Summer);
        assert_eq!(Season::of(d(10, 1)), Season::Winter);
    }

    #[test]
    fn blocks() {
        assert_eq!(block_of(4), Some(3..=4));
        assert_eq!(block_of(10), Some(9..=11));
        assert_eq!(block_of(0), None);
    }
}
