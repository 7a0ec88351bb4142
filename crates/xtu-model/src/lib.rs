//! Data models of Xiangtan University's web systems.
//!
//! Plain serde types shared by the scrapers, the CLI and the fake server.
//! Their serialized form is the seed-compatible JSON: field names and order
//! are part of the public contract. Nothing here does IO.
#![deny(missing_docs)]

mod calendar;
mod classroom;
mod profile;
pub mod sections;

pub use calendar::{TeachingCalendar, Term, TermParseError};
pub use classroom::{Building, Classroom, ClassroomPage};
pub use profile::StudentProfile;
