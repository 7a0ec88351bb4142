//! Fonts: how a font's codes split into glyphs, each glyph's text (from
//! ToUnicode, the font program's cmap, predefined CMaps, glyph names or the
//! base encoding) and its advance width.

use std::collections::HashMap;

use lopdf::{Dictionary, Object};

use super::Pdf;
use super::cmap::parse_cmap;
use super::truetype::{truetype_simple_map, truetype_unicode_by_glyph};
use crate::{TranscriptError, glyphs};

/// Glyph codes mapped by one ToUnicode map, at most (a bfrange can name 65,536).
pub(super) const MAX_CMAP_ENTRIES: usize = 70_000;
/// What the fonts of one parse may map, look up or measure, together:
/// ToUnicode entries, `/W` widths, CIDToGIDMap entries, `/Differences`,
/// code-to-glyph look-ups in TrueType cmaps. Each font is read once per
/// parse (cached by object id); this bounds the rest (many fonts, inline
/// font dictionaries, maps repeating their ranges). A transcript's fonts
/// take a few thousand, or about 65,536 per font read through its
/// program's cmap.
pub(super) const MAX_FONT_WORK: usize = 4_000_000;

/// Takes `cost` from a font budget, or refuses when it does not hold it.
pub(super) fn spend(budget: &mut usize, cost: usize) -> Result<(), TranscriptError> {
    *budget = budget.checked_sub(cost).ok_or_else(|| {
        TranscriptError::Malformed(format!(
            "its fonts map more than {MAX_FONT_WORK} codes in all"
        ))
    })?;
    Ok(())
}

/// How a font's codes become characters.
#[derive(Debug, Clone)]
enum Decoding {
    /// Two-byte codes: through the map (ToUnicode, or the font program's
    /// own cmap), else, for a predefined Unicode CMap (UniGB-UCS2-H,
    /// UniGB-UTF16-H), the code itself as UTF-16.
    TwoByte {
        map: HashMap<u32, String>,
        unicode_codes: bool,
    },
    /// GBK codes, one byte below 0x81 and two from there (GBK-EUC-H,
    /// GBKp-EUC-H, GBpc-EUC-H, GB-EUC-H), through ToUnicode when the font
    /// has one, else as GBK.
    Gbk(HashMap<u32, String>),
    /// One-byte codes of a simple font: each code's text, from (in order of
    /// precedence) ToUnicode, the font program's cmap, `/Differences` glyph
    /// names, the base encoding.
    OneByte(Vec<Option<String>>),
    /// A font the page names but does not define: nothing it shows can be read.
    Missing,
}

/// What is needed of a font: code splitting, text and advance widths.
#[derive(Debug, Clone)]
pub struct Font {
    /// The font's name (`/BaseFont`), for errors.
    name: String,
    decoding: Decoding,
    /// CID (two-byte fonts) or code (simple fonts) → width in 1/1000 em.
    widths: HashMap<u32, f32>,
    default_width: f32,
    /// Codes of a predefined CMap are not CIDs: ASCII sits at CID 1-95
    /// of Adobe-GB1, the rest takes the default width.
    unicode_cmap: bool,
}

impl Font {
    /// The font of a resource name the page's resources do not define.
    pub fn missing(resource: &[u8]) -> Self {
        Self {
            name: format!(
                "/{} (not in the page's resources)",
                String::from_utf8_lossy(resource)
            ),
            decoding: Decoding::Missing,
            widths: HashMap::new(),
            default_width: 500.0,
            unicode_cmap: false,
        }
    }

    /// Reads a font, charging what it maps to the parse's font budget.
    pub(super) fn read(pdf: &mut Pdf, dict: &Dictionary) -> Result<Self, TranscriptError> {
        let mut budget = pdf.font_budget;
        let font = Self::read_within(pdf, dict, &mut budget);
        pdf.font_budget = budget;
        font
    }

    fn read_within(
        pdf: &mut Pdf,
        dict: &Dictionary,
        budget: &mut usize,
    ) -> Result<Self, TranscriptError> {
        let name = pdf
            .get(dict, b"BaseFont")
            .and_then(|o| o.as_name().ok())
            .map_or_else(
                || "(unnamed)".into(),
                |n| String::from_utf8_lossy(n).into_owned(),
            );
        let subtype = pdf
            .get(dict, b"Subtype")
            .and_then(|o| o.as_name().ok())
            .unwrap_or_default()
            .to_vec();
        let to_unicode = match pdf.get_stream(dict, b"ToUnicode").cloned() {
            Some(stream) => Some(parse_cmap(&pdf.decode(&stream)?, budget)?),
            None => None,
        };
        if subtype == b"Type0" {
            Self::read_type0(pdf, dict, name, to_unicode, budget)
        } else {
            Self::read_simple(pdf, dict, name, &subtype, to_unicode, budget)
        }
    }

    fn read_type0(
        pdf: &mut Pdf,
        dict: &Dictionary,
        name: String,
        to_unicode: Option<HashMap<u32, String>>,
        budget: &mut usize,
    ) -> Result<Self, TranscriptError> {
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
            .and_then(|o| o.as_dict().ok())
            .cloned()
            .unwrap_or_default();
        let default_width = pdf
            .get(&descendant, b"DW")
            .and_then(|o| o.as_float().ok())
            .unwrap_or(1000.0);
        let widths = pdf
            .get(&descendant, b"W")
            .and_then(|o| o.as_array().ok())
            .map(|w| cid_widths(pdf, w, budget))
            .transpose()?
            .unwrap_or_default();
        let unicode_cmap = encoding.starts_with(b"Uni");
        let gbk = encoding.starts_with(b"GB") && !unicode_cmap;
        let decoding = if gbk {
            Decoding::Gbk(to_unicode.unwrap_or_default())
        } else {
            let map = match to_unicode {
                Some(map) => map,
                // Without ToUnicode, an Identity-H code is a CID, which the
                // font program's own cmap can tell the character of.
                None if encoding == b"Identity-H" => {
                    cid_font_program_map(pdf, &descendant, budget)?.unwrap_or_default()
                }
                None => HashMap::new(),
            };
            Decoding::TwoByte {
                map,
                unicode_codes: unicode_cmap,
            }
        };
        Ok(Self {
            name,
            decoding,
            widths,
            default_width,
            // GBK-EUC-H also puts ASCII at CID 1-95.
            unicode_cmap: unicode_cmap || gbk,
        })
    }

    fn read_simple(
        pdf: &mut Pdf,
        dict: &Dictionary,
        name: String,
        subtype: &[u8],
        to_unicode: Option<HashMap<u32, String>>,
        budget: &mut usize,
    ) -> Result<Self, TranscriptError> {
        // The 256 codes' table, whatever fills it.
        spend(budget, 256)?;
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
        let descriptor = pdf.get_dict(dict, b"FontDescriptor").cloned();
        let default_width = descriptor
            .as_ref()
            .and_then(|d| pdf.get(d, b"MissingWidth"))
            .and_then(|o| o.as_float().ok())
            .unwrap_or(500.0);

        let encoding = pdf.get(dict, b"Encoding").cloned();
        let (base, differences) = match &encoding {
            Some(Object::Name(base)) => (Some(base.clone()), Vec::new()),
            Some(Object::Dictionary(encoding)) => (
                pdf.get(encoding, b"BaseEncoding")
                    .and_then(|o| o.as_name().ok())
                    .map(<[u8]>::to_vec),
                pdf.get(encoding, b"Differences")
                    .and_then(|o| o.as_array().ok())
                    .map(|d| differences(pdf, d, budget))
                    .transpose()?
                    .unwrap_or_default(),
            ),
            _ => (None, Vec::new()),
        };
        let program = match (subtype, descriptor.as_ref()) {
            (b"TrueType", Some(descriptor)) => {
                match pdf.get_stream(descriptor, b"FontFile2").cloned() {
                    Some(stream) => Some(pdf.decode(&stream)?),
                    None => None,
                }
            }
            _ => None,
        };
        // A TrueType font without an encoding reads its codes through its
        // own cmap; one with an encoding, through glyph names.
        let use_program = program.is_some() && encoding.is_none();
        let mut codes: Vec<Option<String>> = (0..=255u8)
            .map(|code| {
                if use_program {
                    None
                } else {
                    glyphs::base_encoding(base.as_deref(), code)
                }
            })
            .collect();
        for (code, glyph) in differences {
            codes[usize::from(code)] = glyphs::text_of_glyph_name(&glyph);
        }
        if use_program && let Some(program) = &program {
            for (code, text) in truetype_simple_map(program, budget)? {
                codes[usize::from(code)] = Some(text);
            }
        }
        if let Some(map) = to_unicode {
            for (code, text) in map {
                if let Some(slot) = usize::try_from(code).ok().and_then(|c| codes.get_mut(c)) {
                    *slot = Some(text);
                }
            }
        }
        Ok(Self {
            name,
            decoding: Decoding::OneByte(codes),
            widths,
            default_width,
            unicode_cmap: false,
        })
    }

    /// Splits a shown string into glyphs: (text, width in 1/1000 em, is the
    /// single-byte code 32, which word spacing applies to). A code the font
    /// cannot map to text is an error naming the font: never a guess.
    pub fn glyphs(
        &self,
        bytes: &[u8],
        mut each: impl FnMut(&str, f32, bool),
    ) -> Result<(), TranscriptError> {
        match &self.decoding {
            Decoding::TwoByte { map, unicode_codes } => {
                let mut pairs = bytes.chunks_exact(2).peekable();
                while let Some(pair) = pairs.next() {
                    let code = u32::from(u16::from_be_bytes([pair[0], pair[1]]));
                    let mut buffer = [0u8; 8];
                    let text: &str = match map.get(&code) {
                        Some(text) => text,
                        None if *unicode_codes => {
                            // A surrogate pair (UTF-16) spans two codes.
                            let unit = code as u16;
                            let decoded = if (0xD800..0xDC00).contains(&unit) {
                                pairs
                                    .next_if(|p| {
                                        (0xDC00..0xE000).contains(&u16::from_be_bytes([p[0], p[1]]))
                                    })
                                    .and_then(|low| {
                                        char::decode_utf16([
                                            unit,
                                            u16::from_be_bytes([low[0], low[1]]),
                                        ])
                                        .next()?
                                        .ok()
                                    })
                            } else {
                                char::from_u32(code)
                            };
                            match decoded {
                                Some(c) => c.encode_utf8(&mut buffer),
                                None => return Err(self.unmapped(code)),
                            }
                        }
                        None => return Err(self.unmapped(code)),
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
                            let (text, had_errors) =
                                encoding_rs::GBK.decode_without_bom_handling(code_bytes);
                            if had_errors {
                                return Err(self.unmapped(code));
                            }
                            decoded = text;
                            &decoded
                        }
                    };
                    each(text, self.width(code), code == 32);
                }
            }
            Decoding::OneByte(codes) => {
                for &byte in bytes {
                    let code = u32::from(byte);
                    let Some(text) = &codes[usize::from(byte)] else {
                        return Err(self.unmapped(code));
                    };
                    each(text, self.width(code), byte == b' ');
                }
            }
            Decoding::Missing => {
                if let Some(&byte) = bytes.first() {
                    return Err(self.unmapped(u32::from(byte)));
                }
            }
        }
        Ok(())
    }

    fn unmapped(&self, code: u32) -> TranscriptError {
        TranscriptError::UnmappedGlyph {
            font: self.name.clone(),
            code,
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

/// `/Differences [code /name /name code /name ...]`: (code, glyph name).
fn differences(
    pdf: &Pdf,
    items: &[Object],
    budget: &mut usize,
) -> Result<Vec<(u8, Vec<u8>)>, TranscriptError> {
    let items = &items[..items.len().min(1024)];
    spend(budget, items.len())?;
    let mut out = Vec::new();
    let mut code: Option<u8> = None;
    for item in items {
        match pdf.resolve(item) {
            Some(Object::Integer(start)) => code = u8::try_from(*start).ok(),
            Some(Object::Name(glyph)) => {
                if let Some(c) = code {
                    out.push((c, glyph.clone()));
                    code = c.checked_add(1);
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

/// CID → text for an Identity-H font without ToUnicode whose program is an
/// embedded TrueType font (`/FontFile2`): CID → glyph id (`/CIDToGIDMap`),
/// glyph id → character by the program's Unicode cmap, read backwards.
fn cid_font_program_map(
    pdf: &mut Pdf,
    descendant: &Dictionary,
    budget: &mut usize,
) -> Result<Option<HashMap<u32, String>>, TranscriptError> {
    let Some(descriptor) = pdf.get_dict(descendant, b"FontDescriptor").cloned() else {
        return Ok(None);
    };
    let Some(program) = pdf.get_stream(&descriptor, b"FontFile2").cloned() else {
        return Ok(None);
    };
    let program = pdf.decode(&program)?;
    let cid_to_gid = match pdf.get(descendant, b"CIDToGIDMap") {
        Some(Object::Stream(stream)) => {
            let stream = stream.clone();
            Some(pdf.decode(&stream)?)
        }
        _ => None,
    };
    let by_glyph = truetype_unicode_by_glyph(&program, budget)?;
    let mut map = HashMap::new();
    match cid_to_gid {
        // Two bytes per CID, big-endian glyph ids.
        Some(table) => {
            let entries = table.len() / 2;
            spend(budget, entries.min(MAX_CMAP_ENTRIES))?;
            for (cid, gid) in table.chunks_exact(2).enumerate().take(MAX_CMAP_ENTRIES) {
                let gid = u16::from_be_bytes([gid[0], gid[1]]);
                if let (Some(text), Ok(cid)) = (by_glyph.get(&gid), u32::try_from(cid)) {
                    map.insert(cid, text.clone());
                }
            }
        }
        None => {
            for (gid, text) in by_glyph {
                map.insert(u32::from(gid), text);
            }
        }
    }
    Ok(Some(map))
}

/// A CID font's `/W` array: `c [w1 w2 ...]` and `c_first c_last w` entries.
fn cid_widths(
    pdf: &Pdf,
    w: &[Object],
    budget: &mut usize,
) -> Result<HashMap<u32, f32>, TranscriptError> {
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
                        return Ok(widths);
                    }
                    spend(budget, 1)?;
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
                        return Ok(widths);
                    }
                    spend(budget, 1)?;
                    widths.insert(cid, width);
                }
            }
        }
    }
    Ok(widths)
}
