//! Glyph names to text, after the Adobe Glyph List Specification: `uniXXXX`,
//! `uXXXX[XX]`, components joined by `_`, a suffix after `.` ignored, and
//! the names of the Adobe Glyph List (AGL) itself.
//!
//! The table is the part of the AGL 2.0 (`glyphlist.txt` of Adobe's
//! agl-aglfn repository, BSD-3-Clause, Copyright 2002-2019 Adobe) for the
//! scripts and symbols a transcript may show in a font with glyph names:
//! Latin, Greek, Cyrillic (the `afii` names), general punctuation,
//! currency, letterlike symbols, arrows, mathematical operators, enclosed
//! numbers, geometric shapes, CJK punctuation and the Latin ligatures.
//! CJK characters have no AGL names: producers name them `uniXXXX`.
//! No crate that is kept up to date offers the name → character direction.
//! The table is data, `glyphlist.txt`, in the AGL's own format.

use std::collections::HashMap;
use std::sync::LazyLock;

/// A glyph name's text, or `None` when the name does not say.
pub fn text_of_glyph_name(name: &[u8]) -> Option<String> {
    let name = std::str::from_utf8(name).ok()?;
    // `a.sc`, `uni4E2D.vert`: the suffix picks a variant of the same text.
    let base = name.split('.').next()?;
    if base.is_empty() {
        return None;
    }
    let mut text = String::new();
    for component in base.split('_') {
        text.push_str(&component_text(component)?);
    }
    Some(text)
}

fn component_text(component: &str) -> Option<String> {
    if let Some(c) = AGL.get(component) {
        return Some(c.to_string());
    }
    let hex = |digits: &str| -> Option<u32> {
        if digits
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b))
        {
            u32::from_str_radix(digits, 16).ok()
        } else {
            None
        }
    };
    let scalar = |value: u32| char::from_u32(value).filter(|c| !c.is_control());
    if let Some(digits) = component.strip_prefix("uni")
        && !digits.is_empty()
        && digits.len() % 4 == 0
    {
        let mut text = String::new();
        for at in (0..digits.len()).step_by(4) {
            text.push(scalar(hex(digits.get(at..at + 4)?)?)?);
        }
        return Some(text);
    }
    if let Some(digits) = component.strip_prefix('u')
        && (4..=6).contains(&digits.len())
    {
        return Some(scalar(hex(digits)?)?.to_string());
    }
    None
}

/// The text of a one-byte code in a base encoding (`None`: StandardEncoding,
/// the default of a Type 1 font). Control codes have none.
pub fn base_encoding(base: Option<&[u8]>, code: u8) -> Option<String> {
    let decoded = match base {
        Some(b"WinAnsiEncoding") => encoding_rs::WINDOWS_1252
            .decode_without_bom_handling(&[code])
            .0
            .into_owned(),
        Some(b"MacRomanEncoding") => encoding_rs::MACINTOSH
            .decode_without_bom_handling(&[code])
            .0
            .into_owned(),
        // StandardEncoding is ASCII but for its two quotes; its upper half
        // is rare enough in a transcript to be left unmapped.
        _ => match code {
            b'\'' => "\u{2019}".into(),
            b'`' => "\u{2018}".into(),
            0x20..=0x7E => char::from(code).to_string(),
            _ => return None,
        },
    };
    (!decoded.chars().any(char::is_control)).then_some(decoded)
}

/// AGL names → characters: `glyphlist.txt` beside this file, read once.
static AGL: LazyLock<HashMap<&'static str, char>> =
    LazyLock::new(|| read_glyph_list(include_str!("glyphlist.txt")));

/// Reads the AGL's own format: `name;XXXX` a line (a hex code point), `#`
/// starting a comment. A line that does not read is left out (the tests
/// check that every line of ours reads).
fn read_glyph_list(text: &'static str) -> HashMap<&'static str, char> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| {
            let (name, hex) = line.split_once(';')?;
            Some((name, char::from_u32(u32::from_str_radix(hex, 16).ok()?)?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_as_the_specification_says() {
        let text = |name: &str| text_of_glyph_name(name.as_bytes());
        assert_eq!(text("uni4E2D").as_deref(), Some("中"));
        assert_eq!(text("uni4E2D6587").as_deref(), Some("中文"));
        assert_eq!(text("u1F600").as_deref(), Some("😀"));
        assert_eq!(text("afii10017").as_deref(), Some("А"));
        assert_eq!(text("zero").as_deref(), Some("0"));
        assert_eq!(text("parenleft.sc").as_deref(), Some("("));
        assert_eq!(text("f_i").as_deref(), Some("fi"));
        assert_eq!(text("uni4e2d"), None, "lower-case hex is not a uni name");
        assert_eq!(text("uniD800"), None, "a surrogate is not a character");
        assert_eq!(text("g123"), None);
        assert_eq!(text(".notdef"), None);
    }

    #[test]
    fn every_line_of_the_list_reads_once() {
        let text = include_str!("glyphlist.txt");
        let lines = text.lines().filter(|line| !line.starts_with('#')).count();
        // Fewer entries than lines: a line that did not read, or a name
        // listed twice.
        assert_eq!(AGL.len(), lines);
        assert_eq!(AGL.len(), 1595);
        assert_eq!(AGL.get("afii10017"), Some(&'\u{0410}'));
        assert_eq!(AGL.get("zstroke"), Some(&'\u{01B6}'));
    }

    #[test]
    fn base_encodings_map_printable_codes() {
        assert_eq!(base_encoding(None, b'A').as_deref(), Some("A"));
        assert_eq!(
            base_encoding(Some(b"WinAnsiEncoding"), 0x80).as_deref(),
            Some("€")
        );
        assert_eq!(base_encoding(None, 0x07), None);
    }
}
