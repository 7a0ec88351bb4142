//! Data models of Xiangtan University's web systems.
//!
//! Plain serde types shared by the scrapers, the CLI and the fake server.
//! Nothing here does IO.
#![deny(missing_docs)]
