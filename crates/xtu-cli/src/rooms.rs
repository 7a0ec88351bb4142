//! `xtu rooms`: free classrooms now, at a time, or for given weeks, in one
//! command. Works out the term and teaching week from the teaching calendar
//! and the section from XTU's daily timetable (summer/winter).

use chrono::{Datelike as _, FixedOffset, NaiveDateTime, Utc};
use xtu_ems::{ClassroomQuery, TermSpec};
use xtu_model::sections::{self, Season};
use xtu_model::{Classroom, TeachingCalendar};

use crate::args::{GlobalArgs, OutputFormat, RoomsArgs, Sections};
use crate::commands::with_ems;
use crate::failure::Failure;

/// XTU keeps Beijing time whatever the machine's zone.
pub fn beijing_now() -> NaiveDateTime {
    let offset =
        FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| unreachable!("+08:00 is a valid offset"));
    Utc::now().with_timezone(&offset).naive_local()
}

/// Parses `--at`: `YYYY-MM-DD HH:MM` (Beijing time).
pub fn parse_at(text: &str) -> Result<NaiveDateTime, String> {
    NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%d %H:%M").map_err(|_| {
        format!("invalid time {text:?}: expected \"YYYY-MM-DD HH:MM\", e.g. \"2025-11-03 14:30\"")
    })
}

/// Parses `--sections`: `3-4`, `3,4`, `3`.
pub fn parse_sections(text: &str) -> Result<Sections, String> {
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
    Ok(Sections(out))
}

/// What to ask the site, worked out from the flags and the calendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub term: TermSpec,
    pub weeks: Vec<u8>,
    pub day: u8,
    pub sections: Vec<u8>,
}

/// Works out the query. `moment` is the time for `--now`/`--at`.
pub fn plan(
    args: &RoomsArgs,
    calendar: &TeachingCalendar,
    moment: Option<NaiveDateTime>,
) -> Result<Plan, Failure> {
    let term = calendar.term().ok_or_else(|| {
        Failure::Usage(format!(
            "the teaching calendar's term {:?} is not understood",
            calendar.term_id
        ))
    })?;
    let term = TermSpec::new(term.start_year, term.term).map_err(xtu_ems::EmsError::from)?;
    let (weeks, day, default_sections) = match moment {
        Some(moment) => {
            let date = moment.date();
            let week = calendar.week_of(date).ok_or_else(|| {
                Failure::Usage(format!(
                    "{date} is outside the current term {} ({} to {}): give --week and --day",
                    calendar.term_id, calendar.start_date, calendar.end_date
                ))
            })?;
            let day = u8::try_from(date.weekday().number_from_monday()).unwrap_or(1);
            let season = Season::of(date);
            let section =
                sections::current_or_next_section(moment.time(), season).ok_or_else(|| {
                    Failure::Usage(format!(
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
        None => {
            if args.week.is_empty() {
                return Err(Failure::Usage(
                    "give --now, --at, or --week with --day and --sections".into(),
                ));
            }
            let day = args.day.ok_or_else(|| {
                Failure::Usage("--week needs --day (1 = Monday ... 7 = Sunday)".into())
            })?;
            (args.week.clone(), day, None)
        }
    };
    let sections = match (&args.sections, default_sections) {
        (Some(given), _) => given.0.clone(),
        (None, Some(default)) => default,
        (None, None) => {
            return Err(Failure::Usage(
                "give --sections, e.g. --sections 3-4".into(),
            ));
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
    pub fn query(&self, args: &RoomsArgs) -> Result<ClassroomQuery, Failure> {
        let mut query = ClassroomQuery::new(
            self.term,
            self.weeks.iter().copied(),
            [self.day],
            self.sections.iter().copied(),
        )
        .map_err(xtu_ems::EmsError::from)?;
        query.campus = args.campus.clone();
        // A numeric building is the site's building code; a name is matched
        // locally (see `filter`).
        if let Some(building) = args
            .building
            .as_deref()
            .filter(|b| b.chars().all(|c| c.is_ascii_digit()))
        {
            query.building = building.to_owned();
        }
        query.min_seats = args.min_seats;
        query.validate_codes().map_err(xtu_ems::EmsError::from)?;
        Ok(query)
    }

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
pub fn filter(rooms: Vec<Classroom>, args: &RoomsArgs) -> Vec<Classroom> {
    let name = args
        .building
        .as_deref()
        .filter(|b| !b.chars().all(|c| c.is_ascii_digit()));
    rooms
        .into_iter()
        .filter(|room| name.is_none_or(|n| room.building.contains(n) || room.name.contains(n)))
        .filter(|room| {
            args.min_seats
                .is_none_or(|min| room.seats.is_some_and(|s| s >= min))
        })
        .collect()
}

/// Works out the query from the flags and the teaching calendar, runs it and
/// filters the result: two requests on a warm session.
pub async fn find(global: &GlobalArgs, args: &RoomsArgs) -> Result<Vec<Classroom>, Failure> {
    let moment = moment(args)?;
    let calendar = with_ems(global, args.token.as_deref(), |ems| async move {
        ems.teaching_calendar().await
    })
    .await?;
    let plan = plan(args, &calendar, moment)?;
    let query = &plan.query(args)?;
    eprintln!("free rooms: {}", plan.describe());
    let found = crate::output::with_progress(
        "asking the academic system for free rooms",
        with_ems(global, args.token.as_deref(), |ems| async move {
            ems.free_classrooms(query).await
        }),
    )
    .await?;
    Ok(filter(found, args))
}

pub fn moment(args: &RoomsArgs) -> Result<Option<NaiveDateTime>, Failure> {
    match (&args.at, args.now) {
        (Some(at), _) => parse_at(at).map(Some).map_err(Failure::Usage),
        (None, true) => Ok(Some(beijing_now())),
        (None, false) => Ok(None),
    }
}

pub fn format(args: &RoomsArgs) -> OutputFormat {
    crate::output::format_or_default(args.format)
}

/// The rooms as an aligned table, with a count.
pub fn table(rooms: &[Classroom]) -> String {
    let n = |v: Option<u32>| v.map(|v| v.to_string()).unwrap_or_else(|| "-".into());
    let rows: Vec<Vec<String>> = rooms
        .iter()
        .map(|r| {
            vec![
                r.name.clone(),
                r.building.clone(),
                n(r.seats),
                n(r.exam_seats),
            ]
        })
        .collect();
    let mut out = crate::output::table(&["room", "building", "seats", "exam seats"], &rows, 2);
    out.push_str(&format!(
        "{} free room{}\n",
        rooms.len(),
        if rooms.len() == 1 { "" } else { "s" }
    ));
    out
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

    fn args() -> RoomsArgs {
        RoomsArgs::default()
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
        let mut a = args();
        a.week = vec![3];
        assert!(plan(&a, &calendar(), None).is_err());
        a.day = Some(2);
        a.sections = Some(Sections(vec![3, 4]));
        let plan = plan(&a, &calendar(), None).expect("plan");
        assert_eq!(
            (plan.weeks, plan.day, plan.sections),
            (vec![3], 2, vec![3, 4])
        );
    }

    #[test]
    fn section_shorthand() {
        assert_eq!(parse_sections("3-4"), Ok(Sections(vec![3, 4])));
        assert_eq!(parse_sections("1,2, 5"), Ok(Sections(vec![1, 2, 5])));
        assert_eq!(parse_sections("9-11"), Ok(Sections(vec![9, 10, 11])));
        assert!(parse_sections("4-3").is_err());
        assert!(parse_sections("").is_err());
        assert!(parse_sections("x").is_err());
    }

    #[test]
    fn table_aligns_wide_characters() {
        let room = Classroom {
            name: "一教楼-102".into(),
            building: "第一教学楼".into(),
            seats: Some(120),
            ..Classroom::default()
        };
        let text = table(&[room]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "room        building    seats  exam seats");
        assert_eq!(lines[1], "一教楼-102  第一教学楼    120           -");
        assert_eq!(lines[2], "1 free room");
    }
}
