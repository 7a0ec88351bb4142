//! Read XTU academic system.
#![deny(missing_docs)]
