//! The printable transcript (成绩单 PDF): fetching it, and a pure parse of it.

mod fetch;
mod layout;
mod pdf;
mod text;

pub use pdf::{MAX_INFLATED_BYTES, MAX_PDF_BYTES};

use xtu_model::Transcript;

/// A transcript PDF that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TranscriptError {
    /// The body does not start with `%PDF-`: typically an HTML page sent
    /// instead of the transcript.
    #[error("the transcript is not a pdf (no %PDF- header): the site may have sent a page instead")]
    NotPdf,
    /// Larger than [`MAX_PDF_BYTES`].
    #[error("the transcript pdf is larger than {limit} bytes")]
    TooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// Its streams inflate to more than [`MAX_INFLATED_BYTES`] together.
    #[error("the transcript pdf's streams inflate to more than {limit} bytes")]
    TooMuchData {
        /// The limit in bytes.
        limit: usize,
    },
    /// An encrypted PDF (transcripts are not).
    #[error("the transcript pdf is encrypted")]
    Encrypted,
    /// The PDF structure could not be read.
    #[error("malformed transcript pdf: {0}")]
    Malformed(String),
    /// A PDF, but not the transcript layout: the site may have changed.
    #[error("unreadable transcript: {0}; the site may have changed its transcript layout")]
    Unreadable(String),
}

/// Reads a transcript PDF: identity, every course (all pages), summary.
/// Pure: no IO. Bounded: input, objects, inflated data and drawing
/// operations are all capped, so any input returns (an error, at worst).
pub fn parse(pdf: &[u8]) -> Result<Transcript, TranscriptError> {
    let mut document = pdf::Pdf::load(pdf)?;
    let page_ids = document.pages();
    if page_ids.is_empty() {
        return Err(TranscriptError::Malformed(
            "no pages found (objects inside compressed object streams are not read)".into(),
        ));
    }
    let mut pages = Vec::new();
    for page in page_ids {
        pages.push(text::read_page(&mut document, page)?);
    }
    layout::transcript(&pages)
}
