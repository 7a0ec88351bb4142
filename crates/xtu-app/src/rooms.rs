//! Free classrooms now, at a time, or for given weeks. Works out the term and
//! teaching week from the teaching calendar and the section from XTU's daily
//! timetable (summer/winter).

use chrono::{Datelike as _, NaiveDateTime};
use xtu_ems::{ClassroomQuery, TermSpec};
use xtu_model::sections::{self, Season};
use xtu_model::{Classroom, TeachingCalendar};

use crate::error::Error;
use crate::session::Xtu;

/// When the rooms must be free.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoomTime {
    /// From now to the end of the current section block.
    Now,
    /// At this Beijing time, to the end of its section block.
    At(NaiveDateTime),
    /// In every one of these teaching weeks, on `day` (1 = Monday).
    Weeks {
        /// Teaching weeks.
        weeks: Vec<u8>,
        /// Day of week; required.
        day: Option<u8>,
    },
}

/// A free-room question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomQuery {
    /// When.
    pub time: RoomTime,
    /// Sections; default with `Now`/`At`: the rest of the current block.
    pub sections: Option<Vec<u8>>,
    /// A building code (`101`) or part of a building or room name (`逸夫`).
    pub building: Option<String>,
    /// Only rooms with at least this many seats.
    pub min_seats: Option<u32>,
    /// Campus code (`02` 校本部, `03` 兴湘学院); `None`: the main campus.
    pub campus: Option<String>,
}

impl RoomQuery {
    /// Rooms free at `time`, anywhere on the main campus.
    pub fn new(time: RoomTime) -> Self {
        Self {
            time,
            sections: None,
            building: None,
            min_seats: None,
            campus: None,
        }
    }
}

/// The rooms found and the question they answer.
#[derive(Debug, Clone)]
pub struct FreeRooms {
    /// What was asked of the site.
    pub plan: Plan,
    /// The rooms, after the local filters.
    pub rooms: Vec<Classroom>,
}

/// Parses `--at`: `YYYY-MM-DD HH:MM` (Beijing time).
pub fn parse_at(text: &str) -> Result<NaiveDateTime, String> {
    NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%d %H:%M").map_err(|_| {
        format!("invalid time {text:?}: expected \"YYYY-MM-DD HH:MM\", e.g. \"2025-11-03 14:30\"")
    })
}

/// Parses a section list: `3-4`, `3,4`, `3`.
pub fn parse_sections(text: &str) -> Result<Vec<u8>, String> {
    let invalid = || format!("invalid sections {text:?}: expected e.g. 3-4, 1,2 or 5");
    let mut out = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b): (u8, u8) = (
                    a.trim().parse().map_err(|_| invalid())?,
                    b.trim().parse().map_err(|_| invalid())?,
                );
                if a > b {
                    return Err(invalid());
                }
                out.extend(a..=b);
            }
            None => out.push(part.parse().map_err(|_| invalid())?),
        }
    }
    if out.is_empty() {
        return Err(invalid());
    }
    Ok(out)
}

/// What to ask the site, worked out from the flags and the calendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The term.
    pub term: TermSpec,
    /// Teaching weeks.
    pub weeks: Vec<u8>,
    /// Day of week, 1 = Monday.
    pub day: u8,
    /// Sections.
    pub sections: Vec<u8>,
}

/// The moment of a `Now`/`At` question; `None` for explicit weeks.
fn moment(time: &RoomTime) -> Option<NaiveDateTime> {
    match time {
        RoomTime::Now => Some(xtu_model::beijing_now()),
        RoomTime::At(at) => Some(*at),
        RoomTime::Weeks { .. } => None,
    }
}

/// Works out what to ask the site. `moment` is the time for `Now`/`At`.
pub fn plan(
    query: &RoomQuery,
    calendar: &TeachingCalendar,
    moment: Option<NaiveDateTime>,
) -> Result<Plan, Error> {
    let term = calendar.term().ok_or_else(|| {
        Error::Usage(format!(
            "the teaching calendar's term {:?} is not understood",
            calendar.term_id
        ))
    })?;
    let term = TermSpec::new(term.start_year, term.term)?;
    let (weeks, day, default_sections) = match (moment, &query.time) {
        (Some(moment), _) => {
            let date = moment.date();
            let week = calendar.week_of(date).ok_or_else(|| {
                Error::Usage(format!(
                    "{date} is outside the current term {} ({} to {}): give --week and --day",
                    calendar.term_id, calendar.start_date, calendar.end_date
                ))
            })?;
            let day = u8::try_from(date.weekday().number_from_monday()).unwrap_or(1);
            let season = Season::of(date);
            let section =
                sections::current_or_next_section(moment.time(), season).ok_or_else(|| {
                    Error::Usage(format!(
                        "no more classes on {date} after {}",
                        moment.format("%H:%M")
                    ))
                })?;
            // The rest of the current block: a room is only useful if it stays free.
            let block_end = sections::block_of(section).map_or(section, |block| *block.end());
            (
                vec![u8::try_from(week).unwrap_or(u8::MAX)],
                day,
                Some((section..=block_end).collect()),
            )
        }
        (None, RoomTime::Weeks { weeks, day }) if !weeks.is_empty() => {
            let day = day.ok_or_else(|| {
                Error::Usage("--week needs --day (1 = Monday ... 7 = Sunday)".into())
            })?;
            (weeks.clone(), day, None)
        }
        (None, _) => {
            return Err(Error::Usage(
                "give --now, --at, or --week with --day and --sections".into(),
            ));
        }
    };
    let sections = match (&query.sections, default_sections) {
        (Some(given), _) => given.clone(),
        (None, Some(default)) => default,
        (None, None) => {
            return Err(Error::Usage("give --sections, e.g. --sections 3-4".into()));
        }
    };
    Ok(Plan {
        term,
        weeks,
        day,
        sections,
    })
}

impl Plan {
    /// The site's query for this plan and the question's filters.
    pub fn query(&self, question: &RoomQuery) -> Result<ClassroomQuery, Error> {
        let mut query = ClassroomQuery::new(
            self.term,
            self.weeks.iter().copied(),
            [self.day],
            self.sections.iter().copied(),
        )?;
        if let Some(campus) = &question.campus {
            query.campus = campus.clone();
        }
        // A numeric building is the site's building code; a name is matched
        // locally (see `filter`).
        if let Some(building) = question
            .building
            .as_deref()
            .filter(|b| b.chars().all(|c| c.is_ascii_digit()))
        {
            query.building = building.to_owned();
        }
        query.min_seats = question.min_seats;
        query.validate_codes()?;
        Ok(query)
    }

    /// The plan in words: `2025-2026-1, week 10, Monday, sections 5,6`.
    pub fn describe(&self) -> String {
        const DAYS: [&str; 7] = [
            "Monday",
            "Tuesday",
            "Wednesday",
            "Thursday",
            "Friday",
            "Saturday",
            "Sunday",
        ];
        let weeks: Vec<String> = self.weeks.iter().map(u8::to_string).collect();
        let sections: Vec<String> = self.sections.iter().map(u8::to_string).collect();
        format!(
            "{}-{}-{}, week {}, {}, sections {}",
            self.term.start_year(),
            self.term.start_year() + 1,
            self.term.term(),
            weeks.join(","),
            DAYS.get(usize::from(self.day.saturating_sub(1)))
                .unwrap_or(&"?"),
            sections.join(",")
        )
    }
}

/// Rooms matching the local filters: a building name, minimum seats (the
/// site filters seats too, but not every deployment honours it).
pub fn filter(rooms: Vec<Classroom>, question: &RoomQuery) -> Vec<Classroom> {
    let name = question
        .building
        .as_deref()
        .filter(|b| !b.chars().all(|c| c.is_ascii_digit()));
    rooms
        .into_iter()
        .filter(|room| name.is_none_or(|n| room.building.contains(n) || room.name.contains(n)))
        .filter(|room| {
            question
                .min_seats
                .is_none_or(|min| room.seats.is_some_and(|s| s >= min))
        })
        .collect()
}

impl Xtu {
    /// Works out the query from the question and the teaching calendar, runs
    /// it and filters the result: two requests on a warm session.
    pub async fn free_rooms(
        &self,
        question: &RoomQuery,
        token: Option<&str>,
    ) -> Result<FreeRooms, Error> {
        let moment = moment(&question.time);
        let calendar = self
            .query(token, |ems| async move { ems.teaching_calendar().await })
            .await?;
        let plan = plan(question, &calendar, moment)?;
        let query = &plan.query(question)?;
        let found = self
            .query(token, |ems| async move { ems.free_classrooms(query).await })
            .await?;
        Ok(FreeRooms {
            plan,
            rooms: filter(found, question),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn calendar() -> TeachingCalendar {
        TeachingCalendar {
            term_id: "2025-2026-1".into(),
            start_date: "2025-09-01".parse().expect("date"),
            end_date: "2026-01-18".parse().expect("date"),
        }
    }

    fn args() -> RoomQuery {
        RoomQuery::new(RoomTime::Now)
    }

    fn at(text: &str) -> Option<NaiveDateTime> {
        Some(parse_at(text).expect("valid"))
    }

    #[test]
    fn now_resolves_week_day_and_the_rest_of_the_block() {
        // Monday of week 10, winter timetable: 14:20 is before section 5 (14:00-14:45)? No: inside it.
        let plan = plan(&args(), &calendar(), at("2025-11-03 14:20")).expect("plan");
        assert_eq!(plan.weeks, [10]);
        assert_eq!(plan.day, 1);
        assert_eq!(plan.sections, [5, 6]);
        // The same clock time in September is summer: section 5 starts at 14:30.
        let plan = plan_at("2025-09-10 14:20");
        assert_eq!(
            (plan.weeks.clone(), plan.day, plan.sections.clone()),
            (vec![2], 3, vec![5, 6])
        );
        // Evening block 9-11.
        assert_eq!(plan_at("2025-12-05 20:00").sections, [10, 11]);
    }

    fn plan_at(text: &str) -> Plan {
        plan(&args(), &calendar(), at(text)).expect("plan")
    }

    #[test]
    fn outside_the_term_or_after_classes_is_an_error() {
        assert!(plan(&args(), &calendar(), at("2026-01-19 09:00")).is_err());
        assert!(plan(&args(), &calendar(), at("2025-08-31 09:00")).is_err());
        assert!(plan(&args(), &calendar(), at("2025-11-03 22:30")).is_err());
    }

    #[test]
    fn explicit_weeks_need_day_and_sections() {
        let mut a = RoomQuery::new(RoomTime::Weeks {
            weeks: vec![3],
            day: None,
        });
        assert!(plan(&a, &calendar(), None).is_err());
        a.time = RoomTime::Weeks {
            weeks: vec![3],
            day: Some(2),
        };
        assert!(plan(&a, &calendar(), None).is_err());
        a.sections = Some(vec![3, 4]);
        let plan = plan(&a, &calendar(), None).expect("plan");
        assert_eq!(
            (plan.weeks, plan.day, plan.sections),
            (vec![3], 2, vec![3, 4])
        );
    }

    #[test]
    fn section_shorthand() {
        assert_eq!(parse_sections("3-4"), Ok(vec![3, 4]));
        assert_eq!(parse_sections("1,2, 5"), Ok(vec![1, 2, 5]));
        assert_eq!(parse_sections("9-11"), Ok(vec![9, 10, 11]));
        assert!(parse_sections("4-3").is_err());
        assert!(parse_sections("").is_err());
        assert!(parse_sections("x").is_err());
    }
}
