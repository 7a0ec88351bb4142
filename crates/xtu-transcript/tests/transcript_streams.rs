//! Stream filters and fonts the generator does not write: the page content
//! of `transcript.pdf` re-encoded with each standard filter reads as the
//! original; a glyph no font data maps is an error naming the font.

use std::io::Write as _;

use lopdf::{Document, Object, Stream, dictionary};
use xtu_transcript::{self as transcript, TranscriptError};

const FIXTURE: &[u8] = include_bytes!("../../../fixtures/transcript/transcript.pdf");

/// `transcript.pdf` with its page content replaced by `encode(content)`
/// under the given `/Filter` and `/DecodeParms`.
fn re_encoded(filter: Object, parms: Option<Object>, encode: impl Fn(&[u8]) -> Vec<u8>) -> Vec<u8> {
    let mut doc = Document::load_mem(FIXTURE).expect("fixture loads");
    let page = doc.page_iter().next().expect("a page");
    let id = doc.get_page_contents(page)[0];
    let Ok(Object::Stream(stream)) = doc.get_object_mut(id) else {
        panic!("content stream");
    };
    let content = stream.content.clone();
    stream.dict.set("Filter", filter);
    if let Some(parms) = parms {
        stream.dict.set("DecodeParms", parms);
    }
    stream.set_content(encode(&content));
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("save");
    out
}

fn zlib(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

fn ascii_hex(data: &[u8]) -> Vec<u8> {
    let mut out: Vec<u8> = data
        .iter()
        .flat_map(|b| format!("{b:02x}").into_bytes())
        .collect();
    out.push(b'>');
    out
}

/// Literal runs of at most 128 bytes, then the end marker.
fn run_length(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for chunk in data.chunks(128) {
        out.push((chunk.len() - 1) as u8);
        out.extend_from_slice(chunk);
    }
    out.push(128);
    out
}

/// LZW with literal codes only, a clear code every 200 codes so that codes
/// stay 9 bits wide (the table never reaches 511 entries).
fn lzw(data: &[u8]) -> Vec<u8> {
    let mut codes = vec![256u16];
    for (k, &byte) in data.iter().enumerate() {
        if k > 0 && k % 200 == 0 {
            codes.push(256);
        }
        codes.push(u16::from(byte));
    }
    codes.push(257);
    let (mut out, mut buffer, mut bits) = (Vec::new(), 0u32, 0);
    for code in codes {
        buffer = (buffer << 9) | u32::from(code);
        bits += 9;
        while bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    if bits > 0 {
        out.push((buffer << (8 - bits)) as u8);
    }
    out
}

/// PNG "Up" prediction on rows of `columns` bytes, then Flate.
fn png_up(data: &[u8], columns: usize) -> Vec<u8> {
    let mut padded = data.to_vec();
    padded.resize(data.len().div_ceil(columns) * columns, b' ');
    let mut rows = Vec::new();
    let mut previous = vec![0u8; columns];
    for row in padded.chunks(columns) {
        rows.push(2);
        rows.extend(row.iter().zip(&previous).map(|(b, p)| b.wrapping_sub(*p)));
        previous = row.to_vec();
    }
    zlib(&rows)
}

fn name(n: &str) -> Object {
    Object::Name(n.as_bytes().to_vec())
}

#[test]
fn every_standard_filter_reads_as_the_original() {
    let original = transcript::parse(FIXTURE).expect("the fixture reads");
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "ASCIIHex",
            re_encoded(name("ASCIIHexDecode"), None, ascii_hex),
        ),
        (
            "RunLength",
            re_encoded(name("RunLengthDecode"), None, run_length),
        ),
        ("LZW", re_encoded(name("LZWDecode"), None, lzw)),
        (
            "Flate with the PNG Up predictor",
            re_encoded(
                name("FlateDecode"),
                Some(Object::Dictionary(
                    dictionary! { "Predictor" => 12, "Columns" => 16 },
                )),
                |d| png_up(d, 16),
            ),
        ),
        (
            "ASCIIHex over RunLength over Flate",
            re_encoded(
                Object::Array(vec![
                    name("ASCIIHexDecode"),
                    name("RunLengthDecode"),
                    name("FlateDecode"),
                ]),
                None,
                |d| ascii_hex(&run_length(&zlib(d))),
            ),
        ),
    ];
    for (what, pdf) in cases {
        assert_eq!(transcript::parse(&pdf).as_ref(), Ok(&original), "{what}");
    }
}

#[test]
fn an_image_filter_on_a_page_is_named() {
    let pdf = re_encoded(name("DCTDecode"), None, <[u8]>::to_vec);
    assert_eq!(
        transcript::parse(&pdf),
        Err(TranscriptError::Malformed(
            "unsupported stream filter /DCTDecode".into()
        ))
    );
}

/// One page showing `<0003>` in font /F0 of `font` (object 5, with its
/// descendant as object 6).
fn one_glyph(font: &str, shown: &str) -> Vec<u8> {
    let mut doc = Document::with_version("1.7");
    let pages = doc.new_object_id();
    let font_id = doc.add_object(Object::Null);
    let descendant = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "CIDFontType2", "BaseFont" => "ABCDEF+SimSun",
        "CIDSystemInfo" => dictionary! { "Registry" => Object::string_literal("Adobe"),
            "Ordering" => Object::string_literal("Identity"), "Supplement" => 0 },
    });
    let font_dict = match font {
        "type0-without-map" => dictionary! {
            "Type" => "Font", "Subtype" => "Type0", "BaseFont" => "ABCDEF+SimSun",
            "Encoding" => "Identity-H", "DescendantFonts" => vec![descendant.into()],
        },
        _ => dictionary! { "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica" },
    };
    doc.objects.insert(font_id, Object::Dictionary(font_dict));
    let content = doc.add_object(Stream::new(
        dictionary! {},
        format!("BT {shown} Tf 10 10 Td <0003> Tj ET").into_bytes(),
    ));
    let page = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages, "Contents" => content,
        "Resources" => dictionary! { "Font" => dictionary! { "F0" => font_id } },
    });
    doc.objects.insert(
        pages,
        Object::Dictionary(
            dictionary! { "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1 },
        ),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages });
    doc.trailer.set("Root", catalog);
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("save");
    out
}

#[test]
fn a_glyph_no_font_data_maps_is_an_error_naming_the_font() {
    assert_eq!(
        transcript::parse(&one_glyph("type0-without-map", "/F0 9")),
        Err(TranscriptError::UnmappedGlyph {
            font: "ABCDEF+SimSun".into(),
            code: 3
        })
    );
    // StandardEncoding has no text for the control codes 0 and 3.
    assert_eq!(
        transcript::parse(&one_glyph("type1", "/F0 9")),
        Err(TranscriptError::UnmappedGlyph {
            font: "Helvetica".into(),
            code: 0
        })
    );
    let missing = transcript::parse(&one_glyph("type1", "/F9 9"));
    assert!(
        matches!(&missing, Err(TranscriptError::UnmappedGlyph { font, .. }) if font.starts_with("/F9")),
        "{missing:?}"
    );
    assert_eq!(
        TranscriptError::UnmappedGlyph {
            font: "ABCDEF+SimSun".into(),
            code: 3
        }
        .to_string(),
        "the transcript pdf's font ABCDEF+SimSun shows a glyph (code 0x0003) that cannot be mapped to text"
    );
}

const TRUETYPE_CMAP: &[u8] =
    include_bytes!("../../../fixtures/transcript/transcript.truetype-cmap.pdf");

fn be16(bytes: &[u8], at: usize) -> usize {
    usize::from(u16::from_be_bytes([bytes[at], bytes[at + 1]]))
}

fn be32(bytes: &[u8], at: usize) -> usize {
    let word = u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    usize::try_from(word).expect("32-bit offset")
}

/// `program` (a TrueType font) with its `cmap` replaced by one declaring
/// 65,535 encoding records, every one (3,1) and pointing to the program's
/// own first subtable: the same mapping, declared as often as the table can.
fn with_65535_cmap_records(program: &[u8]) -> Vec<u8> {
    let mut out = program.to_vec();
    let tables = be16(program, 4);
    let record = (0..tables)
        .map(|t| 12 + 16 * t)
        .find(|&at| &program[at..at + 4] == b"cmap")
        .expect("a cmap table");
    let cmap = be32(program, record + 8);
    let subtable = cmap + be32(program, cmap + 8);
    let subtable = &program[subtable..subtable + be16(program, subtable + 2)];
    let records = 0xFFFF_usize;
    let first = u32::try_from(4 + 8 * records).expect("offset");
    let mut table = [0u16.to_be_bytes(), 0xFFFFu16.to_be_bytes()].concat();
    for _ in 0..records {
        table.extend(3u16.to_be_bytes());
        table.extend(1u16.to_be_bytes());
        table.extend(first.to_be_bytes());
    }
    table.extend_from_slice(subtable);
    // The new table goes at the end, 4-aligned; the directory points there.
    out.resize(out.len().next_multiple_of(4), 0);
    let at = u32::try_from(out.len()).expect("offset");
    out.extend_from_slice(&table);
    out[record + 8..record + 12].copy_from_slice(&at.to_be_bytes());
    let len = u32::try_from(table.len()).expect("length");
    out[record + 12..record + 16].copy_from_slice(&len.to_be_bytes());
    out
}

/// The fuzz target's timeout (fuzz/README.md): an embedded TrueType program
/// whose cmap declares 65,535 subtables made every font read walk them all,
/// per page. Only the first few are read, once per font and parse: the text
/// is the same as through the program's own cmap.
#[test]
fn a_truetype_cmap_of_65535_subtables_reads_as_its_first() {
    let mut doc = Document::load_mem(TRUETYPE_CMAP).expect("fixture loads");
    let programs: Vec<_> = doc
        .objects
        .values()
        .filter_map(|o| {
            o.as_dict()
                .ok()?
                .get(b"FontFile2")
                .ok()?
                .as_reference()
                .ok()
        })
        .collect();
    assert!(
        !programs.is_empty(),
        "the fixture embeds a TrueType program"
    );
    for id in programs {
        let Ok(Object::Stream(stream)) = doc.get_object_mut(id) else {
            panic!("font program stream");
        };
        let program = stream.get_plain_content().expect("program decodes");
        let crafted = with_65535_cmap_records(&program);
        stream.dict.remove(b"DecodeParms");
        stream.dict.set("Filter", name("FlateDecode"));
        stream.set_content(zlib(&crafted));
    }
    let mut crafted = Vec::new();
    doc.save_to(&mut crafted).expect("save");
    assert_eq!(
        transcript::parse(&crafted),
        transcript::parse(TRUETYPE_CMAP),
        "reads as the fixture"
    );
    assert!(transcript::parse(TRUETYPE_CMAP).is_ok());
}
