//! What users of Xiangtan University's web systems do, for every front end.
//!
//! The `xtu` command and its MCP server are thin translators over this
//! crate: they turn flags or tool arguments into the typed inputs here
//! ([`Config`], [`StoreDir`], [`RoomQuery`], [`GpaRequest`], [`IcsRequest`])
//! and print what comes back. Another program gets the same behaviour by
//! calling the same functions.
//!
//! - [`Xtu`]: log in once and store the session (0600 files, atomic writes,
//!   a file lock), re-enter the academic system silently, the lockout guard,
//!   remembered passwords in the OS keyring ([`Vault`]);
//! - free-room planning from now or a time ([`Xtu::free_rooms`]);
//! - the upstream toolkit's JSON shapes ([`course_schedule`], [`exam_schedule`], [`Xtu::compat_gpa`]);
//! - grade watching ([`Xtu::watch_grades`]), the GPA report ([`Xtu::gpa`]);
//! - watching grades, exams and notices ([`Xtu::watch_once`],
//!   [`Xtu::watch_every`]) with delivery to a command, a webhook or the
//!   desktop ([`Delivery`]);
//! - iCalendar export ([`Xtu::export_ics`]), WakeUp课程表's CSV template
//!   ([`Xtu::export_wakeup`]), one week at a glance ([`Xtu::week`]);
//! - the current term, one rule for all (the site's calendar, the date
//!   only as a fallback) and never a silent empty answer ([`TermAsked`],
//!   [`TermAnswer`], [`Xtu::timetable`], [`Xtu::exams`], [`Xtu::grades`]);
//! - graduate students: the graduate system's timetable and its exports
//!   ([`Xtu::grad_timetable`], [`Xtu::grad_week`], [`Xtu::grad_export_ics`],
//!   [`Xtu::grad_export_wakeup`]);
//! - course evaluation (评教): list, fill from a policy and save, submit
//!   when told ([`Xtu::evaluations`], [`Xtu::fill_evaluations`],
//!   [`Xtu::submit_evaluations`]);
//! - diagnostics: [`Xtu::doctor`] and [`Xtu::save_failed_page`];
//! - what is left to graduate: the degree audit ([`Xtu::progress`]) and
//!   the programme plan ([`Xtu::plan`], [`Xtu::majors`]).
#![deny(missing_docs)]

mod academic;
mod audit;
mod deliver;
mod diagnose;
mod error;
mod evaluation;
mod grad;
mod ics;
mod rooms;
mod session;
mod store;
mod term;
mod units;
mod vault;
mod wakeup;
mod watch;
mod week;

pub use academic::{
    CompatCourse, CompatExam, CompatGpa, CompatGpaRequest, GpaReport, GpaRequest, GradeChange,
    GradeWatch, compat_gpa, course_schedule, exam_schedule, grade_changes, section_text,
};
pub use audit::{PlanRequest, ProgressRequest};
pub use deliver::{Delivery, Desktop, Webhook};
pub use diagnose::{SavedPage, doctor_exit_code, parse_saved_page, parse_saved_transcript};
pub use error::{Error, ExitCode};
pub use evaluation::{
    AnswerFile, AnswerLine, CourseAnswers, EvaluationReport, Field, FillRequest, FormAction,
    FormReport, GivenAnswer, Policy, Selection,
};
pub use grad::GradRequest;
pub use ics::{Export, IcsRequest, date_of, parse_alarm, render};
pub use rooms::{FreeRooms, Plan, RoomQuery, RoomTime, filter, parse_at, parse_sections, plan};
pub use session::{Config, LoginOptions, Logout, WhoAmI, Xtu};
pub use store::{
    FAILURE_WINDOW_SECS, Guard, MAX_MANUAL_FAILURES, Store, StoreDir, StoreLock, StoredSession,
};
pub use term::{ChosenTerm, TermAnswer, TermAsked, TermSource};
pub use units::{DEFAULT_UNIT_INTERVAL, UnitKind, unit_file};
pub use vault::Vault;
pub use wakeup::{
    LeftOut, WAKEUP_HEADER, WakeUpExport, parse_wakeup_weeks, wakeup_csv, wakeup_weeks,
};
pub use watch::{
    Difference, Event, MAX_BACKOFF, MIN_INTERVAL, MIN_INTERVAL_ENV, Source, WatchCheck,
    WatchReport, WatchRequest, backoff, checked_interval, differences, grade_key, is_retryable,
    parse_sources,
};
pub use week::{WeekView, week_view};
pub use xtu_sso::{ProxyError, ProxySetting, ProxyUrl};
