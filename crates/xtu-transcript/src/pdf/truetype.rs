//! The `cmap` of embedded TrueType programs (through ttf-parser), for
//! fonts without ToUnicode: glyph id → character, and a simple font's
//! code → character.

use std::collections::HashMap;

use super::font::spend;
use crate::TranscriptError;

/// Encoding records read from a TrueType `cmap`, in table order. A font has
/// one to six ((0,3) (0,4) (1,0) (3,0) (3,1) (3,10)); the table can declare
/// 65,535, and each Unicode one read costs a walk over its code points.
const MAX_CMAP_SUBTABLES: u16 = 8;

/// The first [`MAX_CMAP_SUBTABLES`] subtables of a TrueType program's cmap,
/// each with its index in the table, and the table's bytes.
fn truetype_subtables(program: &[u8]) -> (Vec<(u16, ttf_parser::cmap::Subtable<'_>)>, &[u8]) {
    let Some((cmap, subtables)) = ttf_parser::RawFace::parse(program, 0)
        .ok()
        .and_then(|face| face.table(ttf_parser::Tag::from_bytes(b"cmap")))
        .and_then(|data| Some((data, ttf_parser::cmap::Table::parse(data)?.subtables)))
    else {
        return (Vec::new(), &[]);
    };
    let read = (0..subtables.len().min(MAX_CMAP_SUBTABLES))
        .filter_map(|index| Some((index, subtables.get(index)?)))
        .collect();
    (read, cmap)
}

/// How many code points the ranges of a format 4 or format 12 subtable
/// declare, at most (read from its own header: ttf-parser does not tell),
/// and how many ranges that took to add up; `None` for other formats.
fn declared_code_points(cmap: &[u8], index: u16) -> Option<(u64, usize)> {
    let be16 = |at: usize| Some(u16::from_be_bytes(cmap.get(at..at + 2)?.try_into().ok()?));
    let be32 = |at: usize| Some(u32::from_be_bytes(cmap.get(at..at + 4)?.try_into().ok()?));
    let offset = usize::try_from(be32(4 + 8 * usize::from(index) + 4)?).ok()?;
    let width = |first: u32, last: u32| u64::from(last.saturating_sub(first)) + 1;
    match be16(offset)? {
        4 => {
            let segments = usize::from(be16(offset + 6)? / 2);
            let ends = offset + 14;
            let starts = ends + 2 * segments + 2;
            let total = (0..segments)
                .map(|i| {
                    Some(width(
                        be16(starts + 2 * i)?.into(),
                        be16(ends + 2 * i)?.into(),
                    ))
                })
                .sum::<Option<u64>>()?;
            Some((total, segments))
        }
        12 => {
            let groups = usize::try_from(be32(offset + 12)?).ok()?;
            let total = (0..groups)
                .map(|i| {
                    Some(width(
                        be32(offset + 16 + 12 * i)?,
                        be32(offset + 20 + 12 * i)?,
                    ))
                })
                .sum::<Option<u64>>()?;
            Some((total, groups))
        }
        _ => None,
    }
}

/// Glyph id → character, by the Unicode subtables of a TrueType program's
/// cmap (the lowest code point when several map to one glyph).
///
/// ttf-parser walks a subtable's code points only through a callback that
/// cannot stop, over ranges a crafted table makes as long as it likes (2^31
/// for format 4, 2^32 a group for format 12). So a subtable is walked only
/// when its ranges (added up from its header first) are no longer than the
/// code points it can hold; otherwise each of those is asked for, at that
/// fixed cost: the BMP, and for format 12, the one that reaches beyond it,
/// planes 1 to 3 too (the CJK extensions). Format 13 (many code points to
/// one glyph: the last-resort fonts, never a text font's) is not read: its
/// look-up is a linear search.
pub(super) fn truetype_unicode_by_glyph(
    program: &[u8],
    budget: &mut usize,
) -> Result<HashMap<u16, String>, TranscriptError> {
    use ttf_parser::cmap::Format;
    let mut by_glyph: HashMap<u16, char> = HashMap::new();
    let mut keep = |code_point: u32, gid: Option<ttf_parser::GlyphId>| {
        if let (Some(gid), Some(c)) = (gid, char::from_u32(code_point))
            && gid.0 != 0
        {
            by_glyph
                .entry(gid.0)
                .and_modify(|known| *known = (*known).min(c))
                .or_insert(c);
        }
    };
    let (subtables, cmap) = truetype_subtables(program);
    for (index, subtable) in subtables {
        let last: u32 = match subtable.format {
            _ if !subtable.is_unicode() => continue,
            Format::ManyToOneRangeMappings(_) => continue,
            Format::SegmentedCoverage(_) => 0x3_FFFF,
            _ => 0xFFFF,
        };
        let declared = match subtable.format {
            Format::SegmentMappingToDeltaValues(_) | Format::SegmentedCoverage(_) => {
                declared_code_points(cmap, index)
            }
            _ => None,
        };
        match declared {
            Some((code_points, ranges)) if code_points <= u64::from(last) + 1 => {
                spend(
                    budget,
                    ranges + usize::try_from(code_points).unwrap_or(usize::MAX),
                )?;
                subtable
                    .codepoints(|code_point| keep(code_point, subtable.glyph_index(code_point)));
            }
            declared => {
                spend(budget, declared.map_or(0, |(_, ranges)| ranges))?;
                spend(budget, last as usize + 1)?;
                for code_point in 0..=last {
                    keep(code_point, subtable.glyph_index(code_point));
                }
            }
        }
    }
    Ok(by_glyph
        .into_iter()
        .map(|(gid, c)| (gid, c.to_string()))
        .collect())
}

/// Code → text for a simple TrueType font without an encoding: code → glyph
/// id by the program's symbolic (3,0) or Macintosh (1,0) subtable, glyph id
/// → character by its Unicode subtables.
pub(super) fn truetype_simple_map(
    program: &[u8],
    budget: &mut usize,
) -> Result<Vec<(u8, String)>, TranscriptError> {
    let (subtables, _) = truetype_subtables(program);
    let symbolic: Vec<_> = subtables
        .iter()
        .map(|(_, subtable)| subtable)
        .filter(|subtable| {
            matches!(
                (subtable.platform_id, subtable.encoding_id),
                (
                    ttf_parser::PlatformId::Windows | ttf_parser::PlatformId::Macintosh,
                    0
                )
            )
        })
        .collect();
    if symbolic.is_empty() {
        return Ok(Vec::new());
    }
    let by_glyph = truetype_unicode_by_glyph(program, budget)?;
    spend(budget, 512 * symbolic.len())?;
    let mut out = Vec::new();
    for code in 0..=255u8 {
        let gid = symbolic
            .iter()
            .find_map(|subtable| match subtable.platform_id {
                ttf_parser::PlatformId::Windows => subtable
                    .glyph_index(0xF000 + u32::from(code))
                    .or_else(|| subtable.glyph_index(u32::from(code))),
                _ => subtable.glyph_index(u32::from(code)),
            });
        if let Some(text) = gid.and_then(|gid| by_glyph.get(&gid.0)) {
            out.push((code, text.clone()));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pdf::font::MAX_FONT_WORK;

    /// A font program of only a `cmap`, with one (3,1) format 4 subtable
    /// of `segments` (start, end; glyph id = code point).
    fn cmap_only_program(segments: &[(u16, u16)]) -> Vec<u8> {
        let count = u16::try_from(segments.len() + 1).expect("segments");
        let mut subtable = Vec::new();
        for word in [4, 0, 0, 2 * count, 0, 0, 0] {
            subtable.extend(u16::to_be_bytes(word));
        }
        let ends = segments.iter().map(|s| s.1).chain([0xFFFF]);
        subtable.extend(ends.flat_map(u16::to_be_bytes));
        subtable.extend([0, 0]);
        let starts = segments.iter().map(|s| s.0).chain([0xFFFF]);
        subtable.extend(starts.flat_map(u16::to_be_bytes));
        // idDelta 0 (the final segment's 1 maps 0xFFFF to glyph 0), no
        // idRangeOffset.
        subtable.extend(segments.iter().flat_map(|_| [0, 0]).chain([0, 1]));
        subtable.extend(std::iter::repeat_n(0, 2 * usize::from(count)));
        let length = u16::try_from(subtable.len()).expect("length");
        subtable[2..4].copy_from_slice(&length.to_be_bytes());
        let mut cmap = vec![0, 0, 0, 1, 0, 3, 0, 1, 0, 0, 0, 12];
        cmap.extend(subtable);
        let mut program = vec![0, 1, 0, 0, 0, 1, 0, 16, 0, 0, 0, 0];
        program.extend(b"cmap");
        program.extend([0; 4]);
        program.extend(28u32.to_be_bytes());
        program.extend(u32::try_from(cmap.len()).expect("length").to_be_bytes());
        program.extend(cmap);
        program
    }

    #[test]
    fn a_cmap_declaring_long_ranges_is_asked_at_a_fixed_cost() {
        // Small ranges: walked, at their length.
        let mut budget = MAX_FONT_WORK;
        let small = truetype_unicode_by_glyph(&cmap_only_program(&[(0x41, 0x43)]), &mut budget)
            .expect("within budget");
        assert_eq!(small.len(), 3);
        assert_eq!(small[&0x42], "B");
        // 1 range of 3 code points and the closing one of 1.
        assert_eq!(MAX_FONT_WORK - budget, 2 + 4);
        // 1,000 ranges over the whole BMP: each BMP code point asked once.
        let mut budget = MAX_FONT_WORK;
        let long = cmap_only_program(&vec![(0x20, 0xFFFE); 1000]);
        let map = truetype_unicode_by_glyph(&long, &mut budget).expect("within budget");
        assert_eq!(map[&0x41], "A");
        assert_eq!(map[&0x5B66], "学");
        assert_eq!(map.len(), 0xFFFF - 0x20 - 0x800);
        assert_eq!(MAX_FONT_WORK - budget, 1001 + 0x1_0000);
    }
}
