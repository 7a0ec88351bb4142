//! ToUnicode CMaps: the `bfchar` and `bfrange` sections, code → text.

use std::collections::HashMap;

use super::font::{MAX_CMAP_ENTRIES, spend};
use crate::TranscriptError;

/// Reads the `bfchar` and `bfrange` sections of a ToUnicode CMap, each
/// entry (an overwritten one too) charged to the font budget.
pub fn parse_cmap(
    data: &[u8],
    budget: &mut usize,
) -> Result<HashMap<u32, String>, TranscriptError> {
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
                        spend(budget, 1)?;
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
                                spend(budget, 1)?;
                                let mut text = start.clone();
                                add_to_last_unit(&mut text, offset);
                                map.insert(code, utf16_text(&text));
                            }
                            i += 3;
                        }
                        Some(CmapToken::Array(targets)) => {
                            for (code, text) in (low..=high).zip(targets) {
                                if map.len() < MAX_CMAP_ENTRIES {
                                    spend(budget, 1)?;
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
    Ok(map)
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
    use crate::pdf::font::MAX_FONT_WORK;

    #[test]
    fn to_unicode_maps_read_bfchar_and_bfrange() {
        let cmap = b"1 begincodespacerange <0000> <FFFF> endcodespacerange\n\
            2 beginbfchar\n<0003> <8BFE>\n<0004> <D83DDE00>\nendbfchar\n\
            2 beginbfrange\n<0010> <0012> <0041>\n<0020> <0021> [<5B66> <5206>]\nendbfrange\n\
            1 beginbfrange\n<FFFFFFFF> <FFFFFFFF> <0042>\nendbfrange";
        let map = parse_cmap(cmap, &mut MAX_FONT_WORK.clone()).expect("within budget");
        assert_eq!(map[&3], "课");
        assert_eq!(map[&4], "😀");
        assert_eq!(map[&0x12], "C");
        assert_eq!(map[&0x21], "分");
        assert_eq!(map[&0xFFFF_FFFF], "B");
    }

    #[test]
    fn ranges_mapped_over_and_over_are_charged_to_the_font_budget() {
        // Each range overwrites the same 65,536 codes: the map stays small,
        // the work does not.
        let range = "1 beginbfrange\n<0000> <FFFF> <0041>\nendbfrange\n";
        let mut budget = 100_000;
        let result = parse_cmap(range.repeat(2).as_bytes(), &mut budget);
        assert!(
            matches!(&result, Err(TranscriptError::Malformed(m)) if m.contains("fonts map more than")),
            "{result:?}"
        );
        let mut budget = 100_000;
        let one = parse_cmap(range.as_bytes(), &mut budget).expect("one range");
        assert_eq!((one.len(), budget), (65_536, 100_000 - 65_536));
    }
}
