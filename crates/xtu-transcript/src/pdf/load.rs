//! Bounded loading: lopdf reads the structure (cross-reference tables and
//! streams, with recovery of a broken table; incremental updates; every
//! standard stream filter; the standard security handler), inside limits
//! set here, and with what it leaves unbounded done here instead:
//!
//! - object streams are kept packed while lopdf loads (see [`lopdf_gaps`])
//!   and unpacked here: only the members the cross-reference table asks
//!   for, each parsed from its own byte range;
//! - an encrypted file is loaded as if it were not (its `/Encrypt` key
//!   hidden from the loader, see [`lopdf_gaps`]), then decrypted by lopdf's
//!   own [`Document::decrypt`], before object streams are unpacked.
//!
//! Every stream we decode (object streams, contents, fonts, maps) is charged
//! to one inflation budget per parse; the cross-reference streams lopdf
//! decodes itself are charged up front at their cap.
//!
//! [`lopdf_gaps`]: super::lopdf_gaps

use std::collections::{BTreeMap, HashMap};

use lopdf::xref::XrefEntry;
use lopdf::{Dictionary, Document, Object, ObjectStream, Stream};

use super::lopdf_gaps::{self, LoadedDocument};
use super::{Pdf, font};
use crate::TranscriptError;

/// Largest PDF accepted. A real transcript is tens of kilobytes (a few
/// hundred with embedded font subsets).
pub const MAX_PDF_BYTES: usize = 4 * 1024 * 1024;
/// Most objects a PDF may hold (a transcript has well under a hundred).
const MAX_OBJECTS: usize = 20_000;
/// What lopdf may inflate for one cross-reference stream. A transcript's is
/// well under a kilobyte; 20,000 objects take 100 KiB.
const MAX_STRUCTURE_STREAM_BYTES: usize = 256 * 1024;
/// What all the streams of one parse may inflate to, together.
pub const MAX_INFLATED_BYTES: usize = 8 * 1024 * 1024;

impl Pdf {
    /// Loads a PDF, refusing what is not one or exceeds the limits.
    pub fn load(bytes: &[u8]) -> Result<Self, TranscriptError> {
        if bytes.len() > MAX_PDF_BYTES {
            return Err(TranscriptError::TooLarge {
                limit: MAX_PDF_BYTES,
            });
        }
        // Viewers accept a header within the first kilobyte (after junk a
        // server or a mail gateway put in front).
        if memchr::memmem::find(&bytes[..bytes.len().min(1024)], b"%PDF-").is_none() {
            return Err(TranscriptError::NotPdf);
        }
        // Cross-reference streams are decoded inside lopdf, each up to its
        // cap: charged here, at that cap, before anything else is read.
        let mut budget = lopdf_gaps::xref_stream_count(bytes)
            .checked_mul(MAX_STRUCTURE_STREAM_BYTES)
            .and_then(|reserved| MAX_INFLATED_BYTES.checked_sub(reserved))
            .ok_or(TranscriptError::TooMuchData {
                limit: MAX_INFLATED_BYTES,
            })?;
        let LoadedDocument { mut doc, encrypted } =
            lopdf_gaps::load_packed(bytes, MAX_STRUCTURE_STREAM_BYTES)
                .map_err(|e| TranscriptError::Malformed(e.to_string()))?;
        check_object_count(&doc)?;
        if encrypted {
            decrypt(&mut doc)?;
        }
        unpack_object_streams(&mut doc, &mut budget)?;
        check_object_count(&doc)?;
        Ok(Self {
            doc,
            inflate_budget: budget,
            font_budget: font::MAX_FONT_WORK,
            fonts: HashMap::new(),
            forms: HashMap::new(),
        })
    }
}

fn check_object_count(doc: &Document) -> Result<(), TranscriptError> {
    if doc.objects.len() > MAX_OBJECTS {
        return Err(TranscriptError::Malformed(format!(
            "{} objects (at most {MAX_OBJECTS} are read)",
            doc.objects.len()
        )));
    }
    Ok(())
}

/// Decrypts every object with the empty user password, which is how a
/// viewer opens a file whose owner password only restricts editing
/// (lopdf's [`Document::decrypt`]; object streams are still packed then,
/// so it expands none of them).
fn decrypt(doc: &mut Document) -> Result<(), TranscriptError> {
    let unsupported = |error: lopdf::Error| match error {
        lopdf::Error::InvalidPassword
        | lopdf::Error::Decryption(lopdf::encryption::DecryptionError::IncorrectPassword) => {
            TranscriptError::NeedsPassword
        }
        lopdf::Error::UnsupportedSecurityHandler(name) => TranscriptError::UnsupportedEncryption(
            format!("security handler /{}", String::from_utf8_lossy(&name)),
        ),
        other => TranscriptError::UnsupportedEncryption(other.to_string()),
    };
    let handler = doc
        .get_encrypted()
        .and_then(|dict| dict.get(b"Filter"))
        .and_then(Object::as_name)
        .map_err(|_| TranscriptError::UnsupportedEncryption("no encryption dictionary".into()))?;
    if handler != b"Standard" {
        return Err(unsupported(lopdf::Error::UnsupportedSecurityHandler(
            handler.to_vec(),
        )));
    }
    doc.authenticate_password("").map_err(unsupported)?;
    match doc.decrypt("") {
        Ok(()) => Ok(()),
        // lopdf takes `/Encrypt` out of the trailer once the password is
        // right and the objects are decrypted; still there, the failure
        // is the password or the encryption dictionary.
        Err(error) if doc.trailer.has(b"Encrypt") => Err(unsupported(error)),
        // Some object did not decrypt: read as it is, its ciphertext would
        // come out as garbage text.
        Err(error) => Err(TranscriptError::Malformed(format!(
            "an object does not decrypt: {error}"
        ))),
    }
}

/// Unpacks the object streams: every member the cross-reference table
/// places in one (and no other object already holds the number of), parsed
/// from its own byte range, each stream decoded once against the budget.
fn unpack_object_streams(doc: &mut Document, budget: &mut usize) -> Result<(), TranscriptError> {
    let mut wanted: BTreeMap<u32, Vec<(u32, u16)>> = BTreeMap::new();
    for (&number, entry) in &doc.reference_table.entries {
        if let XrefEntry::Compressed { container, index } = *entry
            && !doc.objects.contains_key(&(number, 0))
        {
            wanted.entry(container).or_default().push((number, index));
        }
    }
    let mut unpacked = Vec::new();
    for (container, members) in wanted {
        let Some(Object::Stream(stream)) = doc.objects.get(&(container, 0)) else {
            continue;
        };
        if !stream.dict.has_type(lopdf_gaps::PACKED_OBJECT_STREAM) {
            continue;
        }
        let data = decode_stream(stream, budget)?;
        let Some(index) = MemberIndex::read(&stream.dict, &data) else {
            continue;
        };
        for (number, position) in members {
            if let Some(range) = index.member(number, position)
                && let Some(object) = parse_member(number, &data[range])
            {
                unpacked.push(((number, 0), object));
            }
            if unpacked.len() > MAX_OBJECTS {
                return Err(TranscriptError::Malformed(format!(
                    "more than {MAX_OBJECTS} objects in object streams"
                )));
            }
        }
    }
    doc.objects.extend(unpacked);
    Ok(())
}

/// The header of an object stream: its members' numbers and byte ranges.
struct MemberIndex {
    /// (object number, start) in stream order; the start is `None` for an
    /// entry that does not come after the one before it (entries sharing
    /// bytes would let one member be parsed over and over).
    entries: Vec<(u32, Option<usize>)>,
    len: usize,
}

impl MemberIndex {
    fn read(dict: &Dictionary, data: &[u8]) -> Option<Self> {
        let count = usize::try_from(dict.get(b"N").and_then(Object::as_i64).ok()?).ok()?;
        let first = usize::try_from(dict.get(b"First").and_then(Object::as_i64).ok()?).ok()?;
        let header = data.get(..first)?;
        let mut numbers = header
            .split(|b| b.is_ascii_whitespace())
            .filter(|token| !token.is_empty())
            .map(|token| std::str::from_utf8(token).ok()?.parse::<usize>().ok());
        let mut entries = Vec::new();
        let mut last = None;
        for _ in 0..count.min(MAX_OBJECTS) {
            let (Some(Some(number)), Some(Some(offset))) = (numbers.next(), numbers.next()) else {
                break;
            };
            let number = u32::try_from(number).ok()?;
            let start = first
                .checked_add(offset)
                .filter(|&start| start < data.len() && last.is_none_or(|last| start > last));
            if start.is_some() {
                last = start;
            }
            entries.push((number, start));
        }
        Some(Self {
            entries,
            len: data.len(),
        })
    }

    /// The bytes of the member at `position`, if it is object `number`:
    /// from its start to the next member's.
    fn member(&self, number: u32, position: u16) -> Option<std::ops::Range<usize>> {
        let position = usize::from(position);
        let (listed, start) = *self.entries.get(position)?;
        let start = start.filter(|_| listed == number)?;
        let end = self.entries[position + 1..]
            .iter()
            .find_map(|&(_, next)| next)
            .unwrap_or(self.len);
        Some(start..end)
    }
}

/// One member of an object stream, parsed by lopdf from its own bytes (a
/// one-member object stream of them: lopdf's parser is not public).
fn parse_member(number: u32, bytes: &[u8]) -> Option<Object> {
    let header = format!("{number} 0 ");
    let mut content = header.clone().into_bytes();
    content.extend_from_slice(bytes);
    let mut dict = Dictionary::new();
    dict.set("Type", Object::Name(b"ObjStm".to_vec()));
    dict.set("N", 1);
    dict.set("First", i64::try_from(header.len()).ok()?);
    let single = Stream::new(dict, content);
    ObjectStream::new_with_limit(&single, None)
        .ok()?
        .objects
        .remove(&(number, 0))
}

/// Undoes a stream's filters (lopdf's decoders: every standard filter, PNG
/// and TIFF predictors, chains), refusing output beyond the budget, and
/// charges the result to it.
pub(super) fn decode_stream(
    stream: &Stream,
    budget: &mut usize,
) -> Result<Vec<u8>, TranscriptError> {
    let data = stream
        .decompressed_content_with_limit(*budget)
        .map_err(|error| match error {
            lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded { .. }) => {
                TranscriptError::TooMuchData {
                    limit: MAX_INFLATED_BYTES,
                }
            }
            lopdf::Error::Unimplemented(_) => {
                let filters = stream.filters().unwrap_or_default();
                let unsupported = filters
                    .iter()
                    .find(|f| !SUPPORTED_FILTERS.contains(f))
                    .map_or_else(|| "?".into(), |f| String::from_utf8_lossy(f).into_owned());
                TranscriptError::Malformed(format!("unsupported stream filter /{unsupported}"))
            }
            other => TranscriptError::Malformed(format!("bad stream data: {other}")),
        })?;
    *budget -= data.len();
    Ok(data)
}

/// The filters lopdf decodes (the image-only ones are not).
const SUPPORTED_FILTERS: [&[u8]; 6] = [
    b"FlateDecode",
    b"LZWDecode",
    b"ASCII85Decode",
    b"ASCIIHexDecode",
    b"RunLengthDecode",
    b"BrotliDecode",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_object_that_does_not_decrypt_is_an_error_not_its_ciphertext() {
        let bytes =
            include_bytes!("../../../../fixtures/transcript/variants/transcript@aes128-objstm.pdf");
        let mut loaded = lopdf_gaps::load_packed(bytes, usize::MAX).expect("loads");
        assert!(loaded.encrypted);
        let stream = loaded
            .doc
            .objects
            .values_mut()
            .find_map(|object| match object {
                Object::Stream(stream) if !stream.dict.has_type(b"XRef") => Some(stream),
                _ => None,
            })
            .expect("a stream");
        // AES ciphertext comes in 16-byte blocks.
        stream.set_content(vec![0; 5]);
        let result = decrypt(&mut loaded.doc);
        assert!(
            matches!(&result, Err(TranscriptError::Malformed(m)) if m.starts_with("an object does not decrypt")),
            "{result:?}"
        );
    }

    #[test]
    fn decoding_stops_at_the_budget() {
        let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut encoder, &[0u8; 10_000]).expect("compress");
        let mut dict = Dictionary::new();
        dict.set("Filter", Object::Name(b"FlateDecode".to_vec()));
        let stream = Stream::new(dict, encoder.finish().expect("compress"));
        let mut budget = 10_000;
        assert_eq!(
            decode_stream(&stream, &mut budget).map(|d| d.len()),
            Ok(10_000)
        );
        assert_eq!(budget, 0);
        let mut budget = 9_999;
        assert!(matches!(
            decode_stream(&stream, &mut budget),
            Err(TranscriptError::TooMuchData { .. })
        ));
    }

    #[test]
    fn object_stream_members_are_read_from_their_own_bytes() {
        let data = b"7 0 8 6 9 6 [1 2] << /A 7 0 R >>";
        let mut dict = Dictionary::new();
        dict.set("N", 3);
        dict.set("First", 12);
        let index = MemberIndex::read(&dict, data).expect("index");
        let first = index.member(7, 0).expect("first");
        assert_eq!(&data[first.clone()], b"[1 2] ");
        assert_eq!(
            parse_member(7, &data[first]),
            Some(Object::Array(vec![1.into(), 2.into()]))
        );
        // The third entry repeats the second's offset: it is not read twice.
        assert!(index.member(8, 1).is_some());
        assert!(index.member(9, 2).is_none());
        // The wrong object number at a position is not taken.
        assert!(index.member(9, 1).is_none());
    }
}
