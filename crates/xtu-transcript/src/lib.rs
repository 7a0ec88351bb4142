//! Reads Xiangtan University's printable transcript (成绩单 PDF): a pure,
//! bounded PDF text and table extractor. [`parse`] takes the PDF's bytes and
//! gives the identity, every course and the summary; it does no IO (the
//! academic-system client `xtu-ems` fetches the PDF and calls it).
#![deny(missing_docs)]

mod glyphs;
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
    /// Encrypted with a user password: a viewer would ask for it too.
    #[error("the transcript pdf needs a password to open")]
    NeedsPassword,
    /// Encrypted in a way that is not read: only the standard security
    /// handler (RC4 and AES, revisions 2 to 6) is.
    #[error("the transcript pdf is encrypted with an unsupported method: {0}")]
    UnsupportedEncryption(String),
    /// A font shows a glyph whose text cannot be told (no ToUnicode entry,
    /// no cmap or glyph name for it): guessing would print wrong text.
    #[error(
        "the transcript pdf's font {font} shows a glyph (code {code:#06x}) that cannot be mapped to text"
    )]
    UnmappedGlyph {
        /// The font's name (`/BaseFont`).
        font: String,
        /// The code shown.
        code: u32,
    },
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
        return Err(TranscriptError::Malformed("no pages found".into()));
    }
    let mut pages = Vec::new();
    for page in page_ids {
        pages.push(text::read_page(&mut document, page)?);
    }
    layout::transcript(&pages)
}
