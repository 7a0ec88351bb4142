//! The PDF layer: loading with hard limits, stream decoding with a hard output
//! cap, and fonts (code → text and width).
//!
//! lopdf reads the object structure; everything that could grow without
//! bound is done here instead: object streams are not expanded (their
//! expansion in lopdf parses every header entry from its offset, which a
//! crafted stream turns into quadratic work and memory), and stream data is
//! inflated by [`decode_stream`] against a budget shared by the whole parse.

use std::collections::HashMap;
use std::io::Read;

use lopdf::{Dictionary, Document, LoadOptions, Object, ObjectId, Stream};

use super::TranscriptError;

/// Largest PDF accepted. A real transcript is tens of kilobytes (a few
/// hundred with embedded font subsets).
pub const MAX_PDF_BYTES: usize = 4 * 1024 * 1024;
/// Most objects a PDF may hold (a transcript has well under a hundred).
const MAX_OBJECTS: usize = 20_000;
/// Most pages read.
const MAX_PAGES: usize = 16;
/// What lopdf may inflate for one structural stream (cross-reference streams).
const MAX_STRUCTURE_STREAM_BYTES: usize = 1024 * 1024;
/// What all the content and font-map streams of one parse may inflate to, together.
pub const MAX_INFLATED_BYTES: usize = 8 * 1024 * 1024;
/// Stream filters applied in a chain, at most.
const MAX_FILTERS: usize = 4;
/// Glyph codes mapped by one ToUnicode map, at most (a bfrange can name 65,536).
const MAX_CMAP_ENTRIES: usize = 70_000;

/// A loaded PDF and what remains of the inflation budget.
pub struct Pdf {
    doc: Document,
    inflate_budget: usize,
}

/// Drops object streams before lopdf expands them (see the module doc).
/// lopdf keeps its own copy of an object the filter accepts in one loading
/// path and the returned one in another, so the object is returned as a copy.
fn without_object_streams(id: ObjectId, object: &mut Object) -> Option<(ObjectId, Object)> {
    match object {
        Object::Stream(stream) if stream.dict.has_type(b"ObjStm") => None,
        _ => Some((id, object.clone())),
    }
}

impl Pdf {
    /// Loads a PDF, refusing what is not one or exceeds the limits.
    pub fn load(bytes: &[u8]) -> Result<Self, TranscriptError> {
        if bytes.len() > MAX_PDF_BYTES {
            return Err(TranscriptError::TooLarge {
                limit: MAX_PDF_BYTES,
            });
        }
        if !bytes.starts_with(b"%PDF-") {
            return Err(TranscriptError::NotPdf);
        }
        // Encryption is refused before lopdf sees it: its decrypting loader
        // expands object streams itself, and a transcript is never encrypted.
        if memchr::memmem::find(bytes, b"/Encrypt").is_some() {
            return Err(TranscriptError::Encrypted);
        }
        let options = LoadOptions {
            filter: Some(without_object_streams),
            max_decompressed_size: Some(MAX_STRUCTURE_STREAM_BYTES),
            ..LoadOptions::default()
        };
        let doc = Document::load_mem_with_options(bytes, options)
            .map_err(|e| TranscriptError::Malformed(e.to_string()))?;
        if doc.objects.len() > MAX_OBJECTS {
            return Err(TranscriptError::Malformed(format!(
                "{} objects (at most {MAX_OBJECTS} are read)",
                doc.objects.len()
            )));
        }
        Ok(Self {
            doc,
            inflate_budget: MAX_INFLATED_BYTES,
        })
    }

    /// The pages, in order (at most [`MAX_PAGES`]).
    pub fn pages(&self) -> Vec<ObjectId> {
        self.doc.page_iter().take(MAX_PAGES).collect()
    }

    /// The object behind a reference (or the object itself).
    pub fn resolve<'a>(&'a self, object: &'a Object) -> Option<&'a Object> {
        self.doc.dereference(object).ok().map(|(_, object)| object)
    }

    /// A dictionary entry, references followed.
    pub fn get<'a>(&'a self, dict: &'a Dictionary, key: &[u8]) -> Option<&'a Object> {
        self.resolve(dict.get(key).ok()?)
    }

    /// A dictionary entry that is a dictionary.
    pub fn get_dict<'a>(&'a self, dict: &'a Dictionary, key: &[u8]) -> Option<&'a Dictionary> {
        self.get(dict, key)?.as_dict().ok()
    }

    /// The page dictionary.
    pub fn page(&self, id: ObjectId) -> Option<&Dictionary> {
        self.doc.get_dictionary(id).ok()
    }

    /// The page's resources: its own or the nearest ancestor's (inherited).
    pub fn page_resources<'a>(&'a self, page: &'a Dictionary) -> Option<&'a Dictionary> {
        let mut node = page;
        for _ in 0..32 {
            if let Some(resources) = self.get_dict(node, b"Resources") {
                return Some(resources);
            }
            node = self.get_dict(node, b"Parent")?;
        }
        None
    }

    /// The decoded content of the page (its streams concatenated).
    pub fn page_content(&mut self, page: ObjectId) -> Result<Vec<u8>, TranscriptError> {
        let mut content = Vec::new();
        for id in self.doc.get_page_contents(page).into_iter().take(64) {
            let Ok(Object::Stream(stream)) = self.doc.get_object(id) else {
                continue;
            };
            let stream = stream.clone();
            content.extend_from_slice(&self.decode(&stream)?);
            // Streams of one page may split tokens anywhere but between them.
            content.push(b'\n');
        }
        Ok(content)
    }

    /// A stream's data with its filters undone, charged to the budget.
    pub fn decode(&mut self, stream: &Stream) -> Result<Vec<u8>, TranscriptError> {
        let data = decode_stream(&stream.dict, &stream.content, self.inflate_budget)?;
        self.inflate_budget -= data.len();
        Ok(data)
    }

    /// The fonts of a resource dictionary, by resource name.
    pub fn fonts(&mut self, resources: Option<&Dictionary>) -> HashMap<Vec<u8>, Font> {
        let mut fonts = HashMap::new();
        let Some(font_dict) = resources.and_then(|r| self.get_dict(r, b"Font")) else {
            return fonts;
        };
        let entries: Vec<(Vec<u8>, Dictionary)> = font_dict
            .iter()
            .take(256)
            .filter_map(|(name, value)| {
                let dict = self.resolve(value)?.as_dict().ok()?;
                Some((name.clone(), dict.clone()))
            })
            .collect();
        for (name, dict) in entries {
            fonts.insert(name, Font::read(self, &dict));
        }
        fonts
    }
}

/// Undoes a stream's filters, refusing output beyond `budget` bytes. Only
/// FlateDecode is expected in a transcript; other filters are refused.
pub fn decode_stream(
    dict: &Dictionary,
    raw: &[u8],
    budget: usize,
) -> Result<Vec<u8>, TranscriptError> {
    let filters: Vec<&[u8]> = match dict.get(b"Filter") {
        Ok(Object::Name(name)) => vec![name.as_slice()],
        Ok(Object::Array(names)) => names.iter().filter_map(|n| n.as_name().ok()).collect(),
        _ => Vec::new(),
    };
    if filters.len() > MAX_FILTERS {
        return Err(TranscriptError::Malformed("too many stream filters".into()));
    }
    let mut data = raw.to_vec();
    if filters.is_empty() && data.len() > budget {
        return Err(TranscriptError::TooMuchData {
            limit: MAX_INFLATED_BYTES,
        });
    }
    for filter in filters {
        data = match filter {
            b"FlateDecode" | b"Fl" => inflate(&data, budget)?,
            other => {
                return Err(TranscriptError::Malformed(format!(
                    "unsupported stream filter /{}",
                    String::from_utf8_lossy(other)
                )));
            }
        };
    }
    Ok(data)
}

/// zlib (or, failing that, raw deflate) data inflated to at most `budget`
/// bytes. A truncated stream keeps what was inflated, as readers do.
fn inflate(data: &[u8], budget: usize) -> Result<Vec<u8>, TranscriptError> {
    let limit = u64::try_from(budget).unwrap_or(u64::MAX).saturating_add(1);
    let mut out = Vec::new();
    let zlib = flate2::read::ZlibDecoder::new(data)
        .take(limit)
        .read_to_end(&mut out);
    if zlib.is_err() && out.is_empty() {
        flate2::read::DeflateDecoder::new(data)
            .take(limit)
            .read_to_end(&mut out)
            .map_err(|e| TranscriptError::Malformed(format!("bad compressed stream: {e}")))?;
    }
    if out.len() > budget {
        return Err(TranscriptError::TooMuchData {
            limit: MAX_INFLATED_BYTES,
        });
    }
    Ok(out)
}

/// How a font's codes become characters.
#[derive(Debug, Clone)]
enum Decoding {
    /// Two-byte codes that are UCS-2 / UTF-16BE (UniGB-UCS2-H, UniGB-UTF16-H).
    Ucs2,
    /// Two-byte codes through a ToUnicode map (Identity-H with ToUnicode).
    TwoByteMap(HashMap<u32, String>),
    /// GBK codes, one byte below 0x81 and two from there (GBK-EUC-H,
    /// GBpc-EUC-H, GB-EUC-H), through ToUnicode when the font has one.
    Gbk(HashMap<u32, String>),
    /// One-byte codes through a ToUnicode map (simple subset fonts).
    OneByteMap(HashMap<u32, String>),
    /// One-byte codes read as Latin-1 (a simple font without a map).
    Latin1,
}

/// What is needed of a font: code splitting, text and advance widths.
#[derive(Debug, Clone)]
pub struct Font {
    decoding: Decoding,
    /// CID (two-byte fonts) or code (simple fonts) → width in 1/1000 em.
    widths: HashMap<u32, f32>,
    default_width: f32,
    /// Codes of a predefined Unicode CMap are not CIDs: ASCII sits at CID 1-95
    /// of Adobe-GB1, the rest takes the default width.
    unicode_cmap: bool,
}

impl Font {
    /// The font to use when a page names an unknown one.
    pub fn fallback() -> Self {
        Self {
            decoding: Decoding::Latin1,
            widths: HashMap::new(),
            default_width: 500.0,
            unicode_cmap: false,
        }
    }

    fn read(pdf: &mut Pdf, dict: &Dictionary) -> Self {
        let type0 = pdf
            .get(dict, b"Subtype")
            .and_then(|o| o.as_name().ok())
            .is_some_and(|subtype| subtype == b"Type0");
        let to_unicode = pdf
            .get(dict, b"ToUnicode")
            .and_then(|o| o.as_stream().ok())
            .cloned()
            .and_then(|stream| pdf.decode(&stream).ok())
            .map(|data| parse_cmap(&data));
        if type0 {
            let encoding = pdf
                .get(dict, b"Encoding")
                .and_then(|o| o.as_name().ok())
                .unwrap_or_default()
                .to_vec();
            let descendant = pdf
                .get(dict, b"DescendantFonts")
                .and_then(|o| o.as_array().ok())
                .and_then(|a| a.first())
                .and_then(|o| pdf.resolve(o))
                .and_then(|o| o.as_dict().ok());
            let default_width = descendant
                .and_then(|d| pdf.get(d, b"DW"))
                .and_then(|o| o.as_float().ok())
                .unwrap_or(1000.0);
            let widths = descendant
                .and_then(|d| pdf.get(d, b"W"))
                .and_then(|o| o.as_array().ok())
                .map(|w| cid_widths(pdf, w))
                .unwrap_or_default();
            let unicode_cmap = encoding.starts_with(b"Uni");
            let gbk = encoding.starts_with(b"GB") && !unicode_cmap;
            let decoding = match to_unicode {
                _ if gbk => Decoding::Gbk(to_unicode.unwrap_or_default()),
                Some(map) if !unicode_cmap => Decoding::TwoByteMap(map),
                _ => Decoding::Ucs2,
            };
            Self {
                decoding,
                widths,
                default_width,
                // GBK-EUC-H also puts ASCII at CID 1-95.
                unicode_cmap: unicode_cmap || gbk,
            }
        } else {
            let first = pdf
                .get(dict, b"FirstChar")
                .and_then(|o| o.as_i64().ok())
                .unwrap_or(0);
            let widths = pdf
                .get(dict, b"Widths")
                .and_then(|o| o.as_array().ok())
                .map(|w| {
                    w.iter()
                        .take(256)
                        .enumerate()
                        .filter_map(|(i, o)| {
                            let code =
                                u32::try_from(first.checked_add(i64::try_from(i).ok()?)?).ok()?;
                            Some((code, pdf.resolve(o)?.as_float().ok()?))
                        })
                        .collect()
                })
                .unwrap_or_default();
            let default_width = pdf
                .get_dict(dict, b"FontDescriptor")
                .and_then(|d| pdf.get(d, b"MissingWidth"))
                .and_then(|o| o.as_float().ok())
                .unwrap_or(500.0);
            Self {
                decoding: to_unicode.map_or(Decoding::Latin1, Decoding::OneByteMap),
                widths,
                default_width,
                unicode_cmap: false,
            }
        }
    }

    /// Splits a shown string into glyphs: (text, width in 1/1000 em, is the
    /// single-byte code 32, which word spacing applies to).
    pub fn glyphs(&self, bytes: &[u8], mut each: impl FnMut(&str, f32, bool)) {
        match &self.decoding {
            Decoding::Ucs2 | Decoding::TwoByteMap(_) => {
                let mut pairs = bytes.chunks_exact(2).peekable();
                while let Some(pair) = pairs.next() {
                    let code = u32::from(u16::from_be_bytes([pair[0], pair[1]]));
                    let mut buffer = [0u8; 8];
                    let text: &str = match &self.decoding {
                        Decoding::TwoByteMap(map) => map.get(&code).map_or("", String::as_str),
                        _ => {
                            // A surrogate pair (UTF-16) spans two codes.
                            let unit = code as u16;
                            if (0xD800..0xDC00).contains(&unit)
                                && let Some(low) =
                                    pairs.peek().map(|p| u16::from_be_bytes([p[0], p[1]]))
                                && (0xDC00..0xE000).contains(&low)
                            {
                                pairs.next();
                                char::decode_utf16([unit, low])
                                    .next()
                                    .and_then(Result::ok)
                                    .map_or("", |c| c.encode_utf8(&mut buffer))
                            } else {
                                char::from_u32(code).map_or("", |c| c.encode_utf8(&mut buffer))
                            }
                        }
                    };
                    each(text, self.width(code), false);
                }
            }
            Decoding::Gbk(map) => {
                let mut rest = bytes;
                while let Some(&first) = rest.first() {
                    let len = if first < 0x81 { 1 } else { 2.min(rest.len()) };
                    let (code_bytes, tail) = rest.split_at(len);
                    rest = tail;
                    let code = code_bytes
                        .iter()
                        .fold(0u32, |acc, &b| (acc << 8) | u32::from(b));
                    let decoded;
                    let text = match map.get(&code) {
                        Some(text) => text.as_str(),
                        None => {
                            decoded = encoding_rs::GBK.decode_without_bom_handling(code_bytes).0;
                            &decoded
                        }
                    };
                    each(text, self.width(code), code == 32);
                }
            }
            Decoding::OneByteMap(map) => {
                for &byte in bytes {
                    let code = u32::from(byte);
                    let text = map.get(&code).map_or("", String::as_str);
                    each(text, self.width(code), byte == b' ');
                }
            }
            Decoding::Latin1 => {
                for &byte in bytes {
                    let mut buffer = [0u8; 4];
                    let text = char::from(byte).encode_utf8(&mut buffer);
                    each(text, self.width(u32::from(byte)), byte == b' ');
                }
            }
        }
    }

    fn width(&self, code: u32) -> f32 {
        let key = if self.unicode_cmap {
            match code {
                0x20..=0x7E => code - 0x1F,
                _ => return self.default_width,
            }
        } else {
            code
        };
        self.widths.get(&key).copied().unwrap_or(self.default_width)
    }
}

/// A CID font's `/W` array: `c [w1 w2 ...]` and `c_first c_last w` entries.
fn cid_widths(pdf: &Pdf, w: &[Object]) -> HashMap<u32, f32> {
    let mut widths = HashMap::new();
    let number = |o: &Object| pdf.resolve(o).and_then(|o| o.as_float().ok());
    let mut items = w.iter();
    while let Some(first) = items.next().and_then(|o| pdf.resolve(o)?.as_i64().ok()) {
        let Some(next) = items.next().and_then(|o| pdf.resolve(o)) else {
            break;
        };
        let Ok(first) = u32::try_from(first) else {
            break;
        };
        match next {
            Object::Array(list) => {
                for (i, width) in list.iter().enumerate() {
                    if widths.len() >= MAX_CMAP_ENTRIES {
                        return widths;
                    }
                    if let (Some(width), Ok(i)) = (number(width), u32::try_from(i)) {
                        widths.insert(first.saturating_add(i), width);
                    }
                }
            }
            last => {
                let (Some(last), Some(width)) = (
                    last.as_i64().ok().and_then(|l| u32::try_from(l).ok()),
                    items.next().and_then(number),
                ) else {
                    break;
                };
                for cid in first..=last.min(first.saturating_add(0xFFFF)) {
                    if widths.len() >= MAX_CMAP_ENTRIES {
                        return widths;
                    }
                    widths.insert(cid, width);
                }
            }
        }
    }
    widths
}

/// Reads the `bfchar` and `bfrange` sections of a ToUnicode CMap.
pub fn parse_cmap(data: &[u8]) -> HashMap<u32, String> {
    let tokens = cmap_tokens(data);
    let mut map = HashMap::new();
    let mut i = 0;
    while i < tokens.len() {
        match &tokens[i] {
            CmapToken::Keyword(k) if k == b"beginbfchar" => {
                i += 1;
                while let (Some(CmapToken::Hex(code)), Some(CmapToken::Hex(text))) =
                    (tokens.get(i), tokens.get(i + 1))
                {
                    if map.len() < MAX_CMAP_ENTRIES {
                        map.insert(code_of(code), utf16_text(text));
                    }
                    i += 2;
                }
            }
            CmapToken::Keyword(k) if k == b"beginbfrange" => {
                i += 1;
                while let (Some(CmapToken::Hex(low)), Some(CmapToken::Hex(high))) =
                    (tokens.get(i), tokens.get(i + 1))
                {
                    let (low, high) = (code_of(low), code_of(high));
                    match tokens.get(i + 2) {
                        Some(CmapToken::Hex(start)) => {
                            for (offset, code) in
                                (low..=high.min(low.saturating_add(0xFFFF))).enumerate()
                            {
                                if map.len() >= MAX_CMAP_ENTRIES {
                                    break;
                                }
                                let mut text = start.clone();
                                add_to_last_unit(&mut text, offset);
                                map.insert(code, utf16_text(&text));
                            }
                            i += 3;
                        }
                        Some(CmapToken::Array(targets)) => {
                            for (code, text) in (low..=high).zip(targets) {
                                if map.len() < MAX_CMAP_ENTRIES {
                                    map.insert(code, utf16_text(text));
                                }
                            }
                            i += 3;
                        }
                        _ => break,
                    }
                }
            }
            _ => i += 1,
        }
    }
    map
}

/// A bfrange destination advances in its last byte (and carries over).
fn add_to_last_unit(text: &mut [u8], offset: usize) {
    let mut carry = offset;
    for byte in text.iter_mut().rev() {
        if carry == 0 {
            break;
        }
        let sum = usize::from(*byte) + carry;
        *byte = (sum & 0xFF) as u8;
        carry = sum >> 8;
    }
}

fn code_of(bytes: &[u8]) -> u32 {
    bytes
        .iter()
        .take(4)
        .fold(0u32, |acc, &b| (acc << 8) | u32::from(b))
}

fn utf16_text(bytes: &[u8]) -> String {
    let units = bytes
        .chunks(2)
        .map(|c| u16::from_be_bytes([c[0], c.get(1).copied().unwrap_or(0)]));
    char::decode_utf16(units)
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect()
}

enum CmapToken {
    Hex(Vec<u8>),
    Array(Vec<Vec<u8>>),
    Keyword(Vec<u8>),
}

/// The tokens of a CMap that matter here: hex strings, arrays of them and
/// keywords (names, numbers and comments are skipped as keywords or dropped).
fn cmap_tokens(data: &[u8]) -> Vec<CmapToken> {
    let mut tokens = Vec::new();
    let mut array: Option<Vec<Vec<u8>>> = None;
    let mut i = 0;
    while i < data.len() && tokens.len() < 4 * MAX_CMAP_ENTRIES {
        match data[i] {
            b'%' => {
                while i < data.len() && data[i] != b'\n' && data[i] != b'\r' {
                    i += 1;
                }
            }
            b'<' if data.get(i + 1) != Some(&b'<') => {
                let end = data[i..]
                    .iter()
                    .position(|&b| b == b'>')
                    .map_or(data.len(), |p| i + p);
                let hex = hex_bytes(&data[i + 1..end]);
                match array.as_mut() {
                    Some(items) => items.push(hex),
                    None => tokens.push(CmapToken::Hex(hex)),
                }
                i = end + 1;
            }
            b'[' => {
                array = Some(Vec::new());
                i += 1;
            }
            b']' => {
                if let Some(items) = array.take() {
                    tokens.push(CmapToken::Array(items));
                }
                i += 1;
            }
            b if b.is_ascii_alphabetic() => {
                let start = i;
                while i < data.len() && data[i].is_ascii_alphanumeric() {
                    i += 1;
                }
                tokens.push(CmapToken::Keyword(data[start..i].to_vec()));
            }
            _ => i += 1,
        }
    }
    tokens
}

fn hex_bytes(hex: &[u8]) -> Vec<u8> {
    let digits: Vec<u8> = hex
        .iter()
        .filter_map(|&b| char::from(b).to_digit(16).map(|d| d as u8))
        .collect();
    digits
        .chunks(2)
        .map(|pair| (pair[0] << 4) | pair.get(1).copied().unwrap_or(0))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn to_unicode_maps_read_bfchar_and_bfrange() {
        let cmap = b"1 begincodespacerange <0000> <FFFF> endcodespacerange\n\
            2 beginbfchar\n<0003> <8BFE>\n<0004> <D83DDE00>\nendbfchar\n\
            2 beginbfrange\n<0010> <0012> <0041>\n<0020> <0021> [<5B66> <5206>]\nendbfrange\n\
            1 beginbfrange\n<FFFFFFFF> <FFFFFFFF> <0042>\nendbfrange";
        let map = parse_cmap(cmap);
        assert_eq!(map[&3], "课");
        assert_eq!(map[&4], "😀");
        assert_eq!(map[&0x12], "C");
        assert_eq!(map[&0x21], "分");
        assert_eq!(map[&0xFFFF_FFFF], "B");
    }

    #[test]
    fn inflation_stops_at_the_budget() {
        let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut encoder, &[0u8; 10_000]).expect("compress");
        let data = encoder.finish().expect("compress");
        assert_eq!(inflate(&data, 10_000).map(|d| d.len()), Ok(10_000));
        assert!(matches!(
            inflate(&data, 9_999),
            Err(TranscriptError::TooMuchData { .. })
        ));
    }
}
