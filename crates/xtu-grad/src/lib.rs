//! Read Xiangtan University's graduate system (研究生系统, a Southsoft
//! "gmis" system at `gmsstu.xtu.edu.cn`) through the same single sign-on as
//! the academic system.
//!
//! The portal (on the CAS's host) lists the account's applications; the
//! graduate system's entry carries the link that opens it with the SSO
//! session ([`GradClientBuilder::enter`]). Its timetable page names the URL
//! of its data, which changes per session, so it is read from the page every
//! time ([`GradClient::timetable`]). Transport is kept apart from parsing:
//! [`pages`] holds pure parsers. The timetable is `xtu-model`'s, so every
//! exporter of the undergraduate timetable takes it as it is.
#![deny(missing_docs)]

mod client;
mod error;
pub mod pages;
mod term;

pub use client::{
    APPLICATIONS_PATH, DEFAULT_BASE_URL, GradClient, GradClientBuilder, SESSION_COOKIE,
};
pub use error::GradError;
pub use pages::{Page, ParseError};
pub use term::termcode;
