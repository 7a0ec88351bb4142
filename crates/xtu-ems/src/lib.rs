//! Read Xiangtan University's academic system (ZhengFang jwglxt).
//!
//! Transport ([`EmsClient`]) is kept apart from parsing ([`pages`]): every page
//! module has a pure `parse(&str)` that does no IO, so recorded pages can be
//! parsed offline, in tests and by `xtu parse`.
#![deny(missing_docs)]

mod audit;
mod client;
pub mod doctor;
mod error;
pub mod evaluation;
pub mod pages;
mod query;
pub mod scrub;
mod transcript;

pub use audit::{MAX_CONCURRENT_CATEGORY_REQUESTS, PlanSpec};
pub use client::{DEFAULT_BASE_URL, EmsClient, EmsClientBuilder, RawRequest, SLOW_PAGE_TIMEOUT};
pub use error::{EmsError, MAX_KEPT_BODY_BYTES, UnreadablePage};
pub use pages::{Page, ParseError, ParsedPage};
pub use query::{
    ClassroomQuery, CourseScope, GpaQuery, MAX_SECTION, MAX_WEEK, QueryError, TermSpec,
};
pub use xtu_transcript::TranscriptError;
