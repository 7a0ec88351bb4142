//! Read Xiangtan University's academic system (ZhengFang jwglxt).
//!
//! Transport ([`EmsClient`]) is kept apart from parsing ([`pages`]): every page
//! module has a pure `parse(&str)` that does no IO, so recorded pages can be
//! parsed offline, in tests and by `xtu parse`.
#![deny(missing_docs)]

mod client;
mod error;
pub mod pages;
mod query;
pub mod transcript;

pub use client::{DEFAULT_BASE_URL, EmsClient, EmsClientBuilder, RawRequest, SLOW_PAGE_TIMEOUT};
pub use error::EmsError;
pub use pages::{Page, ParseError};
pub use query::{
    ClassroomQuery, CourseScope, GpaQuery, MAX_SECTION, MAX_WEEK, QueryError, TermSpec,
};
pub use transcript::TranscriptError;
