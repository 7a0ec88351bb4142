//! The one rule for "the current term", shared by every command and front
//! end: the term the academic system's teaching calendar names as current;
//! the term of today's Beijing date ([`Term::around`]) only when the
//! calendar names none a query can take (its header unreadable, or the
//! summer term). At each turn of the year the two differ for weeks: the
//! site switches when the school does, not on the first of a month, and the
//! clock alone asked for the term just ended and got an empty answer.
//!
//! An empty answer is never silent: [`TermAnswer::notes`] says which term
//! it is for and, when the site's current term is another, which that is.

use std::future::Future;

use chrono::NaiveDate;
use xtu_ems::{EmsClient, EmsError, TermSpec};
use xtu_model::{Exam, Grade, TeachingCalendar, Term, Timetable};

use crate::error::Error;
use crate::session::Xtu;

/// Where the term of a query came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TermSource {
    /// The caller named it.
    Asked,
    /// The academic system's teaching calendar names it as current.
    Site,
    /// Today's Beijing date: the calendar named no term a query takes.
    Clock,
}

/// The term a query is for, and how it was chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChosenTerm {
    /// The term asked of the site.
    pub spec: TermSpec,
    /// Where it came from.
    pub source: TermSource,
    /// The site's current term, when its calendar was read and named one.
    pub site: Option<Term>,
    /// With [`TermSource::Clock`]: why the calendar's term was not taken.
    pub fallback: Option<String>,
}

/// The term of `today` by the date rule ([`Term::around`]): the rule's
/// fallback, and the graduate system's only source.
fn spec_around(today: NaiveDate) -> Result<TermSpec, xtu_ems::QueryError> {
    let term = Term::around(today);
    TermSpec::new(term.start_year, term.term)
}

/// Which term(s) a caller asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TermAsked {
    /// The current term, by the rule of this module.
    Current,
    /// This term.
    Term(TermSpec),
    /// Every term (exams and grades only).
    All,
}

impl TermAsked {
    /// From a front end's options: `year` and `term` together or neither
    /// (the current term), or `all` alone.
    pub fn from_options(year: Option<u16>, term: Option<u8>, all: bool) -> Result<Self, Error> {
        match (year, term, all) {
            (None, None, true) => Ok(Self::All),
            (_, _, true) => Err(Error::Usage(
                "every term cannot be combined with a year or term".into(),
            )),
            (None, None, false) => Ok(Self::Current),
            (Some(year), Some(term), false) => Ok(Self::Term(TermSpec::new(year, term)?)),
            _ => Err(Error::Usage(
                "give both the year and the term, or neither for the current term".into(),
            )),
        }
    }

    /// [`Self::from_options`] for a query of one term (no "every term").
    pub fn one(year: Option<u16>, term: Option<u8>) -> Result<Self, Error> {
        Self::from_options(year, term, false)
    }

    /// The term asked, or the current one by today's Beijing date: for a
    /// system that publishes no teaching calendar (the graduate system),
    /// where the rule's fallback is its only source.
    pub fn by_date(self) -> Result<TermSpec, Error> {
        match self {
            Self::Term(spec) => Ok(spec),
            Self::Current => Ok(spec_around(xtu_model::beijing_today())?),
            Self::All => Err(Error::Usage("a timetable is of one term".into())),
        }
    }
}

/// An answer about a term, the term it is for (`None`: every term) and what
/// to tell the user about it (how the term was chosen when not by the site,
/// an empty answer), for stderr or a warning: the answer's own JSON is left
/// as the commands and the upstream print it.
#[derive(Debug, Clone)]
pub struct TermAnswer<T> {
    /// The answer.
    pub answer: T,
    /// The term asked of the site; `None` for every term.
    pub term: Option<ChosenTerm>,
    /// Sentences for the user, possibly none.
    pub notes: Vec<String>,
}

impl ChosenTerm {
    /// The term.
    pub fn term(&self) -> Term {
        self.spec.into()
    }

    /// A term the caller asked for.
    pub fn asked(spec: TermSpec) -> Self {
        Self {
            spec,
            source: TermSource::Asked,
            site: None,
            fallback: None,
        }
    }

    /// The current term from the teaching calendar's answer (`calendar`),
    /// else from `today`. An unreadable calendar falls back to the date; any
    /// other failure (the network, an expired session) is the caller's:
    /// the query after it would fail the same way.
    pub fn current(
        calendar: Result<&TeachingCalendar, &EmsError>,
        today: NaiveDate,
    ) -> Option<Self> {
        let (site, reason) = match calendar {
            Ok(calendar) => match calendar.term() {
                Some(site) => match TermSpec::new(site.start_year, site.term) {
                    Ok(spec) => {
                        return Some(Self {
                            spec,
                            source: TermSource::Site,
                            site: Some(site),
                            fallback: None,
                        });
                    }
                    Err(_) => (
                        Some(site),
                        format!(
                            "the academic system's current term is {site}, which has no \
                             timetable, exams or grades of its own"
                        ),
                    ),
                },
                None => (
                    None,
                    format!(
                        "the teaching calendar's term {:?} is not understood",
                        calendar.term_id
                    ),
                ),
            },
            Err(error @ (EmsError::Parse(_) | EmsError::UnreadablePage(_))) => (
                None,
                format!("the teaching calendar could not be read ({error})"),
            ),
            Err(_) => return None,
        };
        let spec = spec_around(today).ok()?;
        Some(Self {
            spec,
            source: TermSource::Clock,
            site,
            fallback: Some(reason),
        })
    }

    /// How the term was chosen, when not by the caller or the site.
    pub fn note(&self) -> Option<String> {
        let reason = self.fallback.as_deref()?;
        Some(format!("{reason}: using {} by today's date", self.term()))
    }

    /// What to say when the answer about this term holds no `what`
    /// (`classes`, `exams`, `grades`).
    pub fn empty_note(&self, what: &str) -> String {
        let term = self.term();
        match (self.source, self.site) {
            (TermSource::Site, _) => {
                format!("no {what} in {term}, the academic system's current term")
            }
            (_, Some(site)) if site != term => format!(
                "no {what} in {term}; the academic system's current term is {site} \
                 (year {}, term {})",
                site.start_year, site.term
            ),
            (TermSource::Asked, Some(_)) => {
                format!("no {what} in {term}, the academic system's current term")
            }
            (TermSource::Asked, None) => format!("no {what} in {term}"),
            (TermSource::Clock, _) => format!("no {what} in {term}, the term of today's date"),
        }
    }
}

/// [`ChosenTerm::current`] of the calendar's answer, with the calendar
/// when it came; its failure when the date cannot stand in for it.
pub(crate) fn current_of(
    calendar: Result<TeachingCalendar, EmsError>,
    today: NaiveDate,
) -> Result<(ChosenTerm, Option<TeachingCalendar>), EmsError> {
    match ChosenTerm::current(calendar.as_ref(), today) {
        Some(chosen) => Ok((chosen, calendar.ok())),
        None => Err(calendar.err().unwrap_or_else(|| {
            EmsError::Internal(format!("no term of the academic system holds {today}"))
        })),
    }
}

/// The term to ask for, reading the calendar only when the current one is
/// wanted.
async fn choose(asked: TermAsked, ems: &EmsClient) -> Result<Option<ChosenTerm>, EmsError> {
    match asked {
        TermAsked::All => Ok(None),
        TermAsked::Term(spec) => Ok(Some(ChosenTerm::asked(spec))),
        TermAsked::Current => {
            let calendar = ems.teaching_calendar().await;
            current_of(calendar, xtu_model::beijing_today()).map(|(chosen, _)| Some(chosen))
        }
    }
}

/// Notes for an answer: how its term was chosen, and, when it is empty,
/// what it is empty for (the site's current term looked up for an asked
/// term, only then).
async fn notes(
    chosen: &mut Option<ChosenTerm>,
    empty: bool,
    what: &str,
    ems: &EmsClient,
) -> Vec<String> {
    let mut notes: Vec<String> = chosen
        .as_ref()
        .and_then(ChosenTerm::note)
        .into_iter()
        .collect();
    if !empty {
        return notes;
    }
    match chosen {
        Some(chosen) => {
            if chosen.source == TermSource::Asked {
                // Only to say more about an empty answer: a failure here
                // leaves the note shorter, never the answer failed.
                chosen.site = ems
                    .teaching_calendar()
                    .await
                    .ok()
                    .and_then(|calendar| calendar.term());
            }
            notes.push(chosen.empty_note(what));
        }
        None => notes.push(format!("no {what} in any term")),
    }
    notes
}

impl Xtu {
    /// Asks `fetch` about the chosen term (see the module), with its notes.
    async fn about_term<T, F, Fut>(
        &self,
        asked: TermAsked,
        token: Option<&str>,
        what: &str,
        is_empty: fn(&T) -> bool,
        fetch: F,
    ) -> Result<TermAnswer<T>, Error>
    where
        F: Fn(EmsClient, Option<TermSpec>) -> Fut,
        Fut: Future<Output = Result<T, EmsError>>,
    {
        let fetch = &fetch;
        self.query(token, |ems| async move {
            let mut term = choose(asked, &ems).await?;
            let answer = fetch(ems.clone(), term.as_ref().map(|t| t.spec)).await?;
            let notes = notes(&mut term, is_empty(&answer), what, &ems).await;
            Ok(TermAnswer {
                answer,
                term,
                notes,
            })
        })
        .await
    }

    /// The personal timetable of the term asked for, else of the current
    /// term ([`TermAsked::All`] is refused).
    pub async fn timetable(
        &self,
        asked: TermAsked,
        token: Option<&str>,
    ) -> Result<TermAnswer<Timetable>, Error> {
        if asked == TermAsked::All {
            return Err(Error::Usage("a timetable is of one term".into()));
        }
        self.about_term(
            asked,
            token,
            "classes",
            |t: &Timetable| t.courses.is_empty() && t.practice.is_empty(),
            |ems, term| async move {
                match term {
                    Some(term) => ems.timetable(term).await,
                    None => Err(EmsError::Internal("no term chosen".into())),
                }
            },
        )
        .await
    }

    /// The exams of the term asked for, of the current term, or of every term.
    pub async fn exams(
        &self,
        asked: TermAsked,
        token: Option<&str>,
    ) -> Result<TermAnswer<Vec<Exam>>, Error> {
        self.about_term(
            asked,
            token,
            "exams",
            Vec::is_empty,
            |ems, term| async move { ems.exams(term).await },
        )
        .await
    }

    /// The grades of the term asked for, of the current term, or of every term.
    pub async fn grades(
        &self,
        asked: TermAsked,
        token: Option<&str>,
    ) -> Result<TermAnswer<Vec<Grade>>, Error> {
        self.about_term(
            asked,
            token,
            "grades",
            Vec::is_empty,
            |ems, term| async move { ems.grades(term).await },
        )
        .await
    }

    /// The current term by the rule of this module.
    pub async fn current_term(&self, token: Option<&str>) -> Result<ChosenTerm, Error> {
        self.query(token, |ems| async move {
            choose(TermAsked::Current, &ems)
                .await?
                .ok_or_else(|| EmsError::Internal("no current term".into()))
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use xtu_ems::ParseError;

    fn date(text: &str) -> NaiveDate {
        text.parse().expect("date")
    }

    fn calendar(term_id: &str) -> TeachingCalendar {
        TeachingCalendar {
            term_id: term_id.into(),
            start_date: date("2027-02-22"),
            end_date: date("2027-07-04"),
        }
    }

    #[test]
    fn the_site_term_wins_over_the_date() {
        // 2027-01-20 is term 1 by the date; the site has moved on.
        let chosen =
            ChosenTerm::current(Ok(&calendar("2026-2027-2")), date("2027-01-20")).expect("chosen");
        assert_eq!(chosen.term().to_string(), "2026-2027-2");
        assert_eq!(chosen.source, TermSource::Site);
        assert_eq!(chosen.note(), None);
        assert_eq!(
            chosen.empty_note("classes"),
            "no classes in 2026-2027-2, the academic system's current term"
        );
    }

    #[test]
    fn the_date_only_when_the_calendar_names_no_usable_term() {
        let summer =
            ChosenTerm::current(Ok(&calendar("2026-2027-3")), date("2027-07-20")).expect("chosen");
        assert_eq!(summer.source, TermSource::Clock);
        assert_eq!(summer.term().to_string(), "2026-2027-2");
        assert!(
            summer
                .note()
                .is_some_and(|n| n.contains("2026-2027-3")
                    && n.ends_with("using 2026-2027-2 by today's date")),
            "{:?}",
            summer.note()
        );
        assert_eq!(
            summer.empty_note("exams"),
            "no exams in 2026-2027-2; the academic system's current term is 2026-2027-3 (year 2026, term 3)"
        );
        let unreadable = EmsError::from(ParseError::UnexpectedPage {
            page: "teaching-calendar",
            missing: "the term header".into(),
        });
        let by_date = ChosenTerm::current(Err(&unreadable), date("2026-09-10")).expect("chosen");
        assert_eq!(
            (by_date.source, by_date.term().to_string()),
            (TermSource::Clock, "2026-2027-1".to_owned())
        );
        assert!(
            by_date
                .note()
                .is_some_and(|n| n.contains("could not be read"))
        );
        // The network's failure is not papered over by the date.
        assert_eq!(
            ChosenTerm::current(Err(&EmsError::SessionExpired), date("2026-09-10")),
            None
        );
    }

    #[test]
    fn an_empty_answer_for_another_term_names_the_current_one() {
        let mut asked = ChosenTerm::asked(TermSpec::new(2026, 1).expect("valid"));
        assert_eq!(asked.empty_note("classes"), "no classes in 2026-2027-1");
        asked.site = Term::new(2026, 2);
        assert_eq!(
            asked.empty_note("classes"),
            "no classes in 2026-2027-1; the academic system's current term is 2026-2027-2 (year 2026, term 2)"
        );
        asked.site = Term::new(2026, 1);
        assert_eq!(
            asked.empty_note("classes"),
            "no classes in 2026-2027-1, the academic system's current term"
        );
    }

    #[test]
    fn options_are_both_or_neither_and_all_alone() {
        assert!(TermAsked::one(Some(2025), None).is_err());
        assert!(TermAsked::one(None, Some(1)).is_err());
        assert_eq!(TermAsked::one(None, None).ok(), Some(TermAsked::Current));
        assert_eq!(
            TermAsked::one(Some(2025), Some(1)).ok(),
            TermSpec::new(2025, 1).ok().map(TermAsked::Term)
        );
        assert!(TermAsked::from_options(Some(2025), Some(1), true).is_err());
        assert_eq!(
            TermAsked::from_options(None, None, true).ok(),
            Some(TermAsked::All)
        );
    }
}
