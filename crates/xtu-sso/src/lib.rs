//! Log in to XTU single sign-on.
#![deny(missing_docs)]
