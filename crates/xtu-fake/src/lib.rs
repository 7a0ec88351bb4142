//! Fake XTU servers.
