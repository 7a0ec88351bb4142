//! Read Xiangtan University's academic system (ZhengFang jwglxt).
//!
//! Transport ([`EmsClient`]) is kept apart from parsing ([`pages`]): every page
//! module has a pure `parse(&str)` that does no IO, so recorded pages can be
//! parsed offline, in tests and by `xtu parse`.
#![deny(missing_docs)]

pub mod pages;
