//! The personal timetable (个人课表).

use serde::{Deserialize, Serialize};

/// One weekly class meeting of a course.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Course {
    /// Course name (`kcmc`).
    pub name: String,
    /// Teacher(s) (`xm`, or `jsxm`), as the site lists them.
    pub teacher: String,
    /// Room (`cdmc`); empty when none is assigned.
    pub location: String,
    /// 1 (Monday) ..= 7 (Sunday) (`xqj`).
    pub day_of_week: u8,
    /// Sections, e.g. `[1, 2]` (from `jcs` `1-2`).
    pub sections: Vec<u8>,
    /// Teaching weeks, expanded (from `zcd`).
    pub weeks: Vec<u8>,
    /// The site's week string, e.g. `1-8周,10-16周(双)`.
    pub weeks_text: String,
    /// Campus (`xqmc`).
    pub campus: String,
    /// Course code (`kch_id`).
    pub course_code: String,
    /// Teaching class (`jxbmc`).
    pub class_name: String,
}

/// A practice course without weekly meetings (`sjkList`): internships,
/// course design weeks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PracticeCourse {
    /// Course name (`kcmc`).
    pub name: String,
    /// Teacher(s) as the site lists them, comma-separated (`jsxm`); empty
    /// when not given.
    pub teacher: String,
    /// Weeks (`qsjsz`, else the range after the `/` of the description);
    /// empty when the site gives none in a readable form.
    pub weeks: Vec<u8>,
    /// The site's description (`sjkcgs`/`qtkcgs`), e.g. `生产实习 17-18周`.
    pub description: String,
}

/// A term's timetable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Timetable {
    /// `2025-2026-1`; the summer term is `2025-2026-3`.
    pub term: String,
    /// Weekly meetings, by day, first section, then name.
    pub courses: Vec<Course>,
    /// Practice courses.
    pub practice: Vec<PracticeCourse>,
}
