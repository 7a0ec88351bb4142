//! One teaching week at a glance: which classes meet on which day and
//! sections, for the week grid of `xtu timetable --week`.

use chrono::NaiveDate;
use serde::Serialize;
use xtu_model::{Course, PracticeCourse, TeachingCalendar, Timetable};

use crate::error::Error;
use crate::ics::date_of;
use crate::session::Xtu;
use crate::term::{ChosenTerm, TermAnswer, TermAsked, current_of};

/// The classes of one teaching week.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct WeekView {
    /// `2025-2026-1`.
    pub term: String,
    /// The teaching week (1-based).
    pub week: u8,
    /// Monday..Sunday of the week, when the teaching calendar is the term's.
    pub dates: Option<Vec<NaiveDate>>,
    /// Today's day (1 = Monday), when today is in this week.
    pub today: Option<u8>,
    /// The meetings of this week (only those whose weeks include it), by
    /// day, first section, then name.
    pub courses: Vec<Course>,
    /// Courses without a day or sections on the site: they have no cell.
    pub unscheduled: Vec<Course>,
    /// Practice courses of this week (no weekly meetings); one whose weeks
    /// the site does not give is listed in every week.
    pub practice: Vec<PracticeCourse>,
}

impl WeekView {
    /// Pairs of meetings of this week on the same day that share a section
    /// (indices into [`Self::courses`]).
    pub fn clashes(&self) -> Vec<(usize, usize)> {
        let mut pairs = Vec::new();
        for (i, a) in self.courses.iter().enumerate() {
            for (j, b) in self.courses.iter().enumerate().skip(i + 1) {
                if a.day_of_week == b.day_of_week
                    && a.sections.iter().any(|s| b.sections.contains(s))
                {
                    pairs.push((i, j));
                }
            }
        }
        pairs
    }
}

fn is_scheduled(course: &Course) -> bool {
    (1..=7).contains(&course.day_of_week) && !course.sections.is_empty()
}

/// The view of `week` (default: the week holding `today`, from `calendar`)
/// of `timetable`. `calendar` dates the week only when it is the
/// timetable's term.
pub fn week_view(
    timetable: &Timetable,
    calendar: &TeachingCalendar,
    week: Option<u8>,
    today: NaiveDate,
) -> Result<WeekView, Error> {
    let same_term = calendar.term_id == timetable.term;
    let week = match week {
        // The one limit of a teaching week a user may ask for, as for rooms.
        Some(week) if !(1..=xtu_ems::MAX_WEEK).contains(&week) => {
            return Err(xtu_ems::QueryError::Week(week).into());
        }
        Some(week) => week,
        None if !same_term => {
            return Err(Error::Usage(format!(
                "the teaching calendar is that of {}, not of {}: give the week (--week N)",
                calendar.term_id, timetable.term
            )));
        }
        None => calendar
            .week_of(today)
            .and_then(|w| u8::try_from(w).ok())
            .ok_or_else(|| {
                Error::Usage(format!(
                    "today ({today}) is outside the term {} ({} to {}): give the week (--week N)",
                    calendar.term_id, calendar.start_date, calendar.end_date
                ))
            })?,
    };
    let dates: Option<Vec<NaiveDate>> = same_term
        .then(|| (1..=7).map(|day| date_of(calendar, week, day)).collect())
        .flatten();
    let today_day = dates
        .as_ref()
        .and_then(|dates| dates.iter().position(|d| *d == today))
        .and_then(|i| u8::try_from(i + 1).ok());
    let (scheduled, unscheduled): (Vec<&Course>, Vec<&Course>) =
        timetable.courses.iter().partition(|c| is_scheduled(c));
    let mut courses: Vec<Course> = scheduled
        .into_iter()
        .filter(|c| c.weeks.contains(&week))
        .cloned()
        .collect();
    courses.sort_by(|a, b| {
        (a.day_of_week, a.sections.first(), &a.name).cmp(&(
            b.day_of_week,
            b.sections.first(),
            &b.name,
        ))
    });
    Ok(WeekView {
        term: timetable.term.clone(),
        week,
        dates,
        today: today_day,
        courses,
        unscheduled: unscheduled.into_iter().cloned().collect(),
        practice: timetable
            .practice
            .iter()
            .filter(|p| p.weeks.is_empty() || p.weeks.contains(&week))
            .cloned()
            .collect(),
    })
}

impl Xtu {
    /// One week of the timetable of the term asked for, else of the current
    /// term (see [`TermAsked`](crate::TermAsked)): `week`, else this teaching week (from the
    /// teaching calendar, by Beijing date).
    pub async fn week(
        &self,
        asked: TermAsked,
        week: Option<u8>,
        token: Option<&str>,
    ) -> Result<TermAnswer<WeekView>, Error> {
        if asked == TermAsked::All {
            return Err(Error::Usage("a week is of one term".into()));
        }
        let today = xtu_model::beijing_today();
        let (calendar, timetable, chosen) = self
            .query(token, |ems| async move {
                let (chosen, calendar) = match asked {
                    TermAsked::Term(spec) => {
                        let (calendar, timetable) =
                            tokio::try_join!(ems.teaching_calendar(), ems.timetable(spec))?;
                        return Ok((calendar, timetable, ChosenTerm::asked(spec)));
                    }
                    TermAsked::Current | TermAsked::All => {
                        current_of(ems.teaching_calendar().await, today)?
                    }
                };
                let timetable = ems.timetable(chosen.spec).await?;
                // The week needs the calendar to be found and dated: a
                // calendar that could not be read fails here, after all.
                let calendar = match calendar {
                    Some(calendar) => calendar,
                    None => ems.teaching_calendar().await?,
                };
                Ok((calendar, timetable, chosen))
            })
            .await?;
        let view = week_view(&timetable, &calendar, week, today)?;
        let mut chosen = chosen;
        chosen.site = chosen.site.or_else(|| calendar.term());
        let mut notes: Vec<String> = chosen.note().into_iter().collect();
        if timetable.courses.is_empty() && timetable.practice.is_empty() {
            notes.push(chosen.empty_note("classes"));
        }
        Ok(TermAnswer {
            answer: view,
            term: Some(chosen),
            notes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn course(name: &str, day: u8, sections: &[u8], weeks: &[u8]) -> Course {
        Course {
            name: name.into(),
            teacher: String::new(),
            location: String::new(),
            day_of_week: day,
            sections: sections.to_vec(),
            weeks: weeks.to_vec(),
            weeks_text: String::new(),
            campus: String::new(),
            course_code: String::new(),
            class_name: String::new(),
        }
    }

    fn calendar() -> TeachingCalendar {
        TeachingCalendar {
            term_id: "2025-2026-1".into(),
            start_date: NaiveDate::from_ymd_opt(2025, 9, 1).expect("date"),
            end_date: NaiveDate::from_ymd_opt(2026, 1, 18).expect("date"),
        }
    }

    #[test]
    fn this_week_by_default_only_its_meetings_and_today_marked() {
        let timetable = Timetable {
            term: "2025-2026-1".into(),
            courses: vec![
                course("odd", 1, &[1, 2], &[1, 3, 5]),
                course("even", 1, &[1, 2], &[2, 4, 6]),
                course("nowhere", 0, &[], &[2]),
            ],
            practice: vec![],
        };
        let wednesday = NaiveDate::from_ymd_opt(2025, 9, 10).expect("date");
        let view = week_view(&timetable, &calendar(), None, wednesday).expect("in term");
        assert_eq!(view.week, 2);
        assert_eq!(view.today, Some(3));
        assert_eq!(
            view.courses
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>(),
            ["even"]
        );
        assert_eq!(view.unscheduled.len(), 1);
        assert_eq!(
            view.dates.as_ref().map(|d| d[0].to_string()).as_deref(),
            Some("2025-09-08")
        );
        assert!(view.clashes().is_empty());
        let later = week_view(&timetable, &calendar(), Some(3), wednesday).expect("week 3");
        assert_eq!((later.today, later.courses[0].name.as_str()), (None, "odd"));
        let outside = NaiveDate::from_ymd_opt(2026, 3, 1).expect("date");
        let error = week_view(&timetable, &calendar(), None, outside).expect_err("outside");
        assert!(error.to_string().contains("--week N"), "{error}");
    }

    fn practice(name: &str, weeks: &[u8]) -> PracticeCourse {
        PracticeCourse {
            name: name.into(),
            teacher: String::new(),
            weeks: weeks.to_vec(),
            description: String::new(),
        }
    }

    #[test]
    fn a_practice_course_shows_only_in_its_weeks() {
        let timetable = Timetable {
            term: "2025-2026-1".into(),
            courses: vec![],
            practice: vec![
                practice("军事技能", &[1, 2]),
                practice("金工实习", &[9, 11, 13]),
                practice("weeks unknown", &[]),
            ],
        };
        let day = NaiveDate::from_ymd_opt(2025, 9, 1).expect("date");
        let names = |week| {
            let view = week_view(&timetable, &calendar(), Some(week), day).expect("week");
            view.practice
                .into_iter()
                .map(|p| p.name)
                .collect::<Vec<_>>()
        };
        assert_eq!(names(1), ["军事技能", "weeks unknown"]);
        assert_eq!(names(9), ["金工实习", "weeks unknown"]);
        assert_eq!(names(10), ["weeks unknown"]);
    }

    #[test]
    fn weeks_are_limited_as_for_rooms() {
        let timetable = Timetable {
            term: "2025-2026-1".into(),
            courses: vec![],
            practice: vec![],
        };
        let day = NaiveDate::from_ymd_opt(2025, 9, 1).expect("date");
        assert!(week_view(&timetable, &calendar(), Some(xtu_ems::MAX_WEEK), day).is_ok());
        for week in [0, xtu_ems::MAX_WEEK + 1] {
            let error = week_view(&timetable, &calendar(), Some(week), day).expect_err("refused");
            assert_eq!(error.exit_code(), crate::ExitCode::Usage);
            assert!(
                error.to_string().contains(&format!("invalid week {week}")),
                "{error}"
            );
        }
    }

    #[test]
    fn a_shared_section_on_a_day_is_a_clash() {
        let timetable = Timetable {
            term: "2025-2026-1".into(),
            courses: vec![
                course("a", 2, &[3, 4], &[1]),
                course("b", 2, &[4, 5], &[1]),
                course("c", 3, &[3, 4], &[1]),
            ],
            practice: vec![],
        };
        let day = NaiveDate::from_ymd_opt(2025, 9, 1).expect("date");
        let view = week_view(&timetable, &calendar(), Some(1), day).expect("week");
        assert_eq!(view.clashes(), [(0, 1)]);
    }
}
