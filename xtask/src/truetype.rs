//! A minimal TrueType font program for the fixtures: the tables a reader
//! needs to map glyphs to characters (`cmap`) and to measure them (`head`,
//! `hhea`, `maxp`, `hmtx`), with empty outlines (`loca`, `glyf`) and no
//! glyph names (`post` format 3). What a subsetting producer embeds, less
//! the outlines, which no text reader looks at.

/// The program of a font whose glyph `gid` shows character `c`, for each
/// `(c, gid)`: one Windows Unicode BMP (3,1) cmap subtable of format 4.
pub fn font_program(glyphs: &[(char, u16)]) -> anyhow::Result<Vec<u8>> {
    let mut by_code: Vec<(u16, u16)> = Vec::new();
    for &(c, gid) in glyphs {
        let code = u16::try_from(u32::from(c)).map_err(|_| {
            anyhow::anyhow!("{c:?} is beyond the BMP: a format 4 cmap cannot map it")
        })?;
        by_code.push((code, gid));
    }
    by_code.sort_unstable();
    by_code.dedup_by_key(|entry| entry.0);
    let glyph_count = glyphs.iter().map(|g| g.1).max().unwrap_or(0) + 1;
    let width = |gid: u16| {
        glyphs
            .iter()
            .find(|g| g.1 == gid)
            .map_or(1000, |g| if g.0.is_ascii() { 500 } else { 1000 })
    };

    let mut head = Vec::new();
    for word in [0x0001_0000u32, 0x0001_0000, 0, 0x5F0F_3CF5] {
        head.extend(word.to_be_bytes());
    }
    // flags, unitsPerEm, created, modified, bounding box, macStyle,
    // lowestRecPPEM, fontDirectionHint, short loca, glyphDataFormat.
    head.extend(0x000Bu16.to_be_bytes());
    head.extend(1000u16.to_be_bytes());
    head.extend([0u8; 16]);
    for value in [0i16, -120, 1000, 880] {
        head.extend(value.to_be_bytes());
    }
    for value in [0u16, 8, 2, 0, 0] {
        head.extend(value.to_be_bytes());
    }

    let mut hhea = 0x0001_0000u32.to_be_bytes().to_vec();
    for value in [880i16, -120, 0] {
        hhea.extend(value.to_be_bytes());
    }
    hhea.extend(1000u16.to_be_bytes());
    for value in [0i16, 0, 1000, 1, 0, 0, 0, 0, 0, 0, 0] {
        hhea.extend(value.to_be_bytes());
    }
    hhea.extend(glyph_count.to_be_bytes());

    let mut maxp = 0x0000_5000u32.to_be_bytes().to_vec();
    maxp.extend(glyph_count.to_be_bytes());

    let mut hmtx = Vec::new();
    for gid in 0..glyph_count {
        hmtx.extend(u16::try_from(width(gid))?.to_be_bytes());
        hmtx.extend(0i16.to_be_bytes());
    }
    let loca = vec![0u8; 2 * (usize::from(glyph_count) + 1)];
    let mut post = 0x0003_0000u32.to_be_bytes().to_vec();
    post.extend([0u8; 4]);
    post.extend((-100i16).to_be_bytes());
    post.extend(50i16.to_be_bytes());
    post.extend([0u8; 20]);

    let tables: [(&[u8; 4], Vec<u8>); 8] = [
        (b"cmap", cmap_format_4(&by_code)),
        (b"glyf", Vec::new()),
        (b"head", head),
        (b"hhea", hhea),
        (b"hmtx", hmtx),
        (b"loca", loca),
        (b"maxp", maxp),
        (b"post", post),
    ];
    Ok(sfnt(&tables))
}

/// One (3,1) subtable of format 4: a segment per code, then the 0xFFFF end.
fn cmap_format_4(by_code: &[(u16, u16)]) -> Vec<u8> {
    let mut segments: Vec<(u16, u16)> = by_code.to_vec();
    segments.push((0xFFFF, 0));
    let count = u16::try_from(segments.len()).unwrap_or(u16::MAX);
    let power = 1u16 << (15 - count.leading_zeros().min(15));
    let (search_range, entry_selector) = (2 * power, power.trailing_zeros() as u16);
    let mut sub = Vec::new();
    let length = 16 + 8 * count;
    for value in [
        4,
        length,
        0,
        2 * count,
        search_range,
        entry_selector,
        2 * count - search_range,
    ] {
        sub.extend(value.to_be_bytes());
    }
    for (code, _) in &segments {
        sub.extend(code.to_be_bytes());
    }
    sub.extend(0u16.to_be_bytes());
    for (code, _) in &segments {
        sub.extend(code.to_be_bytes());
    }
    for &(code, gid) in &segments {
        // The 0xFFFF segment maps to glyph 0.
        let delta = if code == 0xFFFF {
            1
        } else {
            gid.wrapping_sub(code)
        };
        sub.extend(delta.to_be_bytes());
    }
    for _ in &segments {
        sub.extend(0u16.to_be_bytes());
    }
    let mut cmap = Vec::new();
    for value in [0u16, 1, 3, 1] {
        cmap.extend(value.to_be_bytes());
    }
    cmap.extend(12u32.to_be_bytes());
    cmap.extend(sub);
    cmap
}

/// The font file of its tables (sorted by tag), with their checksums and
/// `head`'s checksum adjustment.
fn sfnt(tables: &[(&[u8; 4], Vec<u8>)]) -> Vec<u8> {
    let count = tables.len() as u16;
    let power = 1u16 << (15 - count.leading_zeros().min(15));
    let mut out = 0x0001_0000u32.to_be_bytes().to_vec();
    for value in [
        count,
        16 * power,
        power.trailing_zeros() as u16,
        16 * count - 16 * power,
    ] {
        out.extend(value.to_be_bytes());
    }
    let mut offset = 12 + 16 * tables.len();
    let mut body = Vec::new();
    let mut head_at = None;
    for (tag, data) in tables {
        out.extend(tag.as_slice());
        out.extend(checksum(data).to_be_bytes());
        out.extend((offset as u32).to_be_bytes());
        out.extend((data.len() as u32).to_be_bytes());
        if tag == &b"head" {
            head_at = Some(offset);
        }
        body.extend(data);
        while body.len() % 4 != 0 {
            body.push(0);
        }
        offset = 12 + 16 * tables.len() + body.len();
    }
    out.extend(body);
    if let Some(at) = head_at {
        let adjustment = 0xB1B0_AFBAu32.wrapping_sub(checksum(&out));
        out[at + 8..at + 12].copy_from_slice(&adjustment.to_be_bytes());
    }
    out
}

fn checksum(data: &[u8]) -> u32 {
    data.chunks(4).fold(0u32, |sum, chunk| {
        let mut word = [0u8; 4];
        word[..chunk.len()].copy_from_slice(chunk);
        sum.wrapping_add(u32::from_be_bytes(word))
    })
}
