//! Validated inputs of the free-classroom query.

use std::collections::BTreeSet;

use xtu_model::Term;

/// XTU teaches at most this many weeks in a term.
pub const MAX_WEEK: u8 = 25;
/// XTU has 11 sections a day (1-2, 3-4, 5-6, 7-8, 9-11).
pub const MAX_SECTION: u8 = 11;
const YEARS: std::ops::RangeInclusive<u16> = 2000..=2099;

/// A query input that makes no sense; the message names the flag's value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QueryError {
    /// Term other than 1 or 2.
    #[error("invalid term {0}: expected 1 or 2")]
    Term(u8),
    /// Year out of range.
    #[error("invalid year {0}: expected the academic year's first calendar year, {min}..={max} (e.g. 2025 for 2025-2026)", min = YEARS.start(), max = YEARS.end())]
    Year(u16),
    /// Week outside 1..=25.
    #[error("invalid week {0}: expected 1..={MAX_WEEK}")]
    Week(u8),
    /// Day outside 1..=7.
    #[error("invalid day of week {0}: expected 1 (Monday) ..= 7 (Sunday)")]
    Day(u8),
    /// Section outside 1..=11.
    #[error("invalid section {0}: expected 1..={MAX_SECTION}")]
    Section(u8),
    /// An empty list.
    #[error("no {0} given: at least one is needed")]
    Empty(&'static str),
    /// A term range that runs backwards.
    #[error("invalid term range {from} to {to}: the first term comes after the last")]
    Range {
        /// First term.
        from: String,
        /// Last term.
        to: String,
    },
    /// A campus, building or room-type code that is not a plain code.
    #[error("invalid {what} {value:?}: expected letters and digits only")]
    Code {
        /// Which filter.
        what: &'static str,
        /// The value given.
        value: String,
    },
}

/// A term checked to be one the academic system can be asked about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TermSpec(Term);

impl TermSpec {
    /// Validates a year and term.
    pub fn new(start_year: u16, term: u8) -> Result<Self, QueryError> {
        if !YEARS.contains(&start_year) {
            return Err(QueryError::Year(start_year));
        }
        if !matches!(term, 1 | 2) {
            return Err(QueryError::Term(term));
        }
        Ok(Self(Term { start_year, term }))
    }

    /// The academic year's first calendar year (`xnm`).
    pub fn start_year(self) -> u16 {
        self.0.start_year
    }

    /// 1 or 2.
    pub fn term(self) -> u8 {
        self.0.term
    }

    /// ZhengFang's term code (`xqm`).
    pub fn xqm(self) -> &'static str {
        self.0.xqm()
    }
}

impl From<TermSpec> for Term {
    fn from(spec: TermSpec) -> Self {
        spec.0
    }
}

/// The free-classroom query: which rooms are free in all these weeks, on these
/// days, in all these sections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassroomQuery {
    term: TermSpec,
    weeks: BTreeSet<u8>,
    days: BTreeSet<u8>,
    sections: BTreeSet<u8>,
    /// Campus code (`xqh_id`): `02` 校本部 (default), `03` 兴湘学院.
    pub campus: String,
    /// Room type (`cdlb_id`): `01` 教室 (default); empty for all types.
    pub room_type: String,
    /// Building code (`lh`, e.g. `101` 第一教学楼); empty for any.
    pub building: String,
    /// Minimum number of seats.
    pub min_seats: Option<u32>,
}

fn checked(
    values: impl IntoIterator<Item = u8>,
    what: &'static str,
    range: std::ops::RangeInclusive<u8>,
    error: fn(u8) -> QueryError,
) -> Result<BTreeSet<u8>, QueryError> {
    let set = values
        .into_iter()
        .map(|v| {
            if range.contains(&v) {
                Ok(v)
            } else {
                Err(error(v))
            }
        })
        .collect::<Result<BTreeSet<u8>, _>>()?;
    if set.is_empty() {
        return Err(QueryError::Empty(what));
    }
    Ok(set)
}

impl ClassroomQuery {
    /// Validates the seed's inputs; duplicates are dropped.
    pub fn new(
        term: TermSpec,
        weeks: impl IntoIterator<Item = u8>,
        days: impl IntoIterator<Item = u8>,
        sections: impl IntoIterator<Item = u8>,
    ) -> Result<Self, QueryError> {
        Ok(Self {
            term,
            weeks: checked(weeks, "weeks", 1..=MAX_WEEK, QueryError::Week)?,
            days: checked(days, "days of week", 1..=7, QueryError::Day)?,
            sections: checked(sections, "sections", 1..=MAX_SECTION, QueryError::Section)?,
            campus: "02".to_owned(),
            room_type: "01".to_owned(),
            building: String::new(),
            min_seats: None,
        })
    }

    /// The term queried.
    pub fn term(&self) -> TermSpec {
        self.term
    }

    /// Checks the free-text codes before they go into a request.
    pub fn validate_codes(&self) -> Result<(), QueryError> {
        for (what, value) in [
            ("campus", &self.campus),
            ("room type", &self.room_type),
            ("building", &self.building),
        ] {
            if !value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
                return Err(QueryError::Code {
                    what,
                    value: value.clone(),
                });
            }
        }
        Ok(())
    }

    /// The POST form of one result page.
    pub(crate) fn form(&self, page: u32, now_ms: u128) -> Vec<(&'static str, String)> {
        let mask =
            |set: &BTreeSet<u8>| set.iter().map(|v| 1u64 << (v - 1)).sum::<u64>().to_string();
        let days = self
            .days
            .iter()
            .map(u8::to_string)
            .collect::<Vec<_>>()
            .join(",");
        vec![
            ("fwzt", "cx".to_owned()),
            ("xqh_id", self.campus.clone()),
            ("xnm", self.term.start_year().to_string()),
            ("xqm", self.term.xqm().to_owned()),
            ("cdlb_id", self.room_type.clone()),
            ("cdejlb_id", String::new()),
            (
                "qszws",
                self.min_seats.map(|s| s.to_string()).unwrap_or_default(),
            ),
            ("jszws", String::new()),
            ("cdmc", String::new()),
            ("lh", self.building.clone()),
            ("jyfs", "0".to_owned()),
            ("cdjylx", String::new()),
            ("zcd", mask(&self.weeks)),
            ("xqj", days),
            ("jcd", mask(&self.sections)),
            ("_search", "false".to_owned()),
            ("nd", now_ms.to_string()),
            ("queryModel.showCount", PAGE_SIZE.to_string()),
            ("queryModel.currentPage", page.to_string()),
            ("queryModel.sortName", "cdbh".to_owned()),
            ("queryModel.sortOrder", "asc".to_owned()),
            ("time", "0".to_owned()),
        ]
    }
}

/// Rows asked for per page. jqGrid servers may cap it lower; the client then
/// fetches the remaining pages.
pub(crate) const PAGE_SIZE: u32 = 5000;

/// jqGrid's paging fields. The sort name stays empty: XTU answers its error
/// page to a grades query sorted by anything (docs/protocol.md §5.9).
pub(crate) fn paging(page: u32, now_ms: u128) -> [(&'static str, String); 7] {
    [
        ("_search", "false".to_owned()),
        ("nd", now_ms.to_string()),
        ("queryModel.showCount", PAGE_SIZE.to_string()),
        ("queryModel.currentPage", page.to_string()),
        ("queryModel.sortName", String::new()),
        ("queryModel.sortOrder", "asc".to_owned()),
        ("time", "0".to_owned()),
    ]
}

/// `xnm`/`xqm` of a term, both empty for "every term".
fn term_fields(term: Option<TermSpec>) -> [(&'static str, String); 2] {
    [
        (
            "xnm",
            term.map(|t| t.start_year().to_string()).unwrap_or_default(),
        ),
        ("xqm", term.map(|t| t.xqm().to_owned()).unwrap_or_default()),
    ]
}

/// The form of the personal timetable.
pub(crate) fn timetable_form(term: TermSpec) -> Vec<(&'static str, String)> {
    let mut form = term_fields(Some(term)).to_vec();
    form.extend([
        ("kzlx", "ck".to_owned()),
        ("xsdm", String::new()),
        ("kclbdm", String::new()),
    ]);
    form
}

/// The form of one page of the exams or grades list. The term code is
/// ZhengFang's (3/12), also for exams, where the upstream sent 1/2.
pub(crate) fn term_list_form(
    term: Option<TermSpec>,
    page: u32,
    now_ms: u128,
) -> Vec<(&'static str, String)> {
    let mut form = term_fields(term).to_vec();
    form.extend(paging(page, now_ms));
    form
}

/// Which courses a GPA covers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CourseScope {
    /// Every course.
    #[default]
    All,
    /// Compulsory courses (必修) only.
    Compulsory,
    /// Elective courses (选修) only.
    Elective,
}

/// The GPA and ranking query: a range of terms (open ends = from the first /
/// to the last term) and the courses counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GpaQuery {
    from: Option<TermSpec>,
    to: Option<TermSpec>,
    /// Courses counted.
    pub scope: CourseScope,
}

impl GpaQuery {
    /// Checks that the range does not run backwards.
    pub fn new(
        from: Option<TermSpec>,
        to: Option<TermSpec>,
        scope: CourseScope,
    ) -> Result<Self, QueryError> {
        if let (Some(from), Some(to)) = (from, to)
            && Term::from(from) > Term::from(to)
        {
            return Err(QueryError::Range {
                from: Term::from(from).to_string(),
                to: Term::from(to).to_string(),
            });
        }
        Ok(Self { from, to, scope })
    }

    /// First term counted.
    pub fn from(&self) -> Option<TermSpec> {
        self.from
    }

    /// Last term counted.
    pub fn to(&self) -> Option<TermSpec> {
        self.to
    }

    /// Whether a term (`2024-2025-1`) falls in the range; unreadable terms
    /// fall in only an open range.
    pub fn covers(&self, term: &str) -> bool {
        match term.parse::<Term>() {
            Ok(term) => {
                self.from.is_none_or(|from| Term::from(from) <= term)
                    && self.to.is_none_or(|to| term <= Term::from(to))
            }
            Err(_) => self.from.is_none() && self.to.is_none(),
        }
    }

    /// The POST form: `qsXnxq`/`zzXnxq` are year and term code, `202503`.
    pub(crate) fn form(&self, now_ms: u128) -> Vec<(&'static str, String)> {
        let code = |t: Option<TermSpec>| {
            t.map(|t| format!("{}{:0>2}", t.start_year(), t.xqm()))
                .unwrap_or_default()
        };
        let scope = match self.scope {
            CourseScope::All => "",
            CourseScope::Compulsory => "bx",
            CourseScope::Elective => "xx",
        };
        let mut form = vec![
            ("qsXnxq", code(self.from)),
            ("zzXnxq", code(self.to)),
            ("xbx", scope.to_owned()),
        ];
        form.extend(paging(1, now_ms));
        form
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn term() -> TermSpec {
        TermSpec::new(2025, 1).expect("valid")
    }

    #[test]
    fn validates_every_input() {
        assert_eq!(TermSpec::new(2025, 3), Err(QueryError::Term(3)));
        assert_eq!(TermSpec::new(1999, 1), Err(QueryError::Year(1999)));
        assert_eq!(
            ClassroomQuery::new(term(), [0], [1], [1]),
            Err(QueryError::Week(0))
        );
        assert_eq!(
            ClassroomQuery::new(term(), [26], [1], [1]),
            Err(QueryError::Week(26))
        );
        assert_eq!(
            ClassroomQuery::new(term(), [1], [8], [1]),
            Err(QueryError::Day(8))
        );
        assert_eq!(
            ClassroomQuery::new(term(), [1], [1], [12]),
            Err(QueryError::Section(12))
        );
        assert_eq!(
            ClassroomQuery::new(term(), [], [1], [1]),
            Err(QueryError::Empty("weeks"))
        );
    }

    #[test]
    fn encodes_bitmasks_and_term_code() {
        let q = ClassroomQuery::new(
            TermSpec::new(2025, 2).expect("valid"),
            [1, 2, 3, 3],
            [1],
            [1, 2, 11],
        )
        .expect("valid");
        let form = q.form(1, 0);
        let get = |k: &str| {
            form.iter()
                .find(|(key, _)| *key == k)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(get("zcd"), Some("7"));
        assert_eq!(get("jcd"), Some(&*(1u64 + 2 + 1024).to_string()));
        assert_eq!(get("xqm"), Some("12"));
        assert_eq!(get("xnm"), Some("2025"));
        assert_eq!(get("xqj"), Some("1"));
    }

    #[test]
    fn exam_and_grade_forms_use_zhengfang_term_codes() {
        let spring = TermSpec::new(2025, 2).expect("valid");
        let form = term_list_form(Some(spring), 2, 0);
        let get = |k: &str| {
            form.iter()
                .find(|(key, _)| *key == k)
                .map(|(_, v)| v.clone())
        };
        assert_eq!(get("xqm").as_deref(), Some("12"));
        assert_eq!(get("queryModel.currentPage").as_deref(), Some("2"));
        assert_eq!(get("queryModel.sortName").as_deref(), Some(""));
        let all = term_list_form(None, 1, 0);
        assert!(all.iter().any(|(k, v)| *k == "xnm" && v.is_empty()));
    }

    #[test]
    fn gpa_ranges() {
        let t = |y, n| TermSpec::new(y, n).expect("valid");
        let query = GpaQuery::new(Some(t(2022, 1)), Some(t(2025, 2)), CourseScope::Compulsory)
            .expect("valid");
        let form = query.form(0);
        assert_eq!(form[0], ("qsXnxq", "202203".to_owned()));
        assert_eq!(form[1], ("zzXnxq", "202512".to_owned()));
        assert_eq!(form[2], ("xbx", "bx".to_owned()));
        assert!(query.covers("2022-2023-1") && query.covers("2025-2026-2"));
        assert!(!query.covers("2021-2022-2") && !query.covers("2026-2027-1"));
        assert!(!query.covers("garbage"));
        assert!(GpaQuery::default().covers("garbage"));
        assert!(matches!(
            GpaQuery::new(Some(t(2025, 1)), Some(t(2024, 2)), CourseScope::All),
            Err(QueryError::Range { .. })
        ));
    }
}
