//! Fetching the transcript.
