//! Hostile transcript PDFs: every answer is an error or a transcript, never
//! a panic, a stack overflow or an unbounded allocation.

use std::io::Write as _;

use xtu_transcript::{self as transcript, MAX_PDF_BYTES, TranscriptError};

const FIXTURE: &[u8] = include_bytes!("../../../fixtures/transcript/transcript.pdf");

/// A PDF of the given object bodies (object 1 must be the catalog).
fn pdf(objects: &[Vec<u8>]) -> Vec<u8> {
    let mut out = b"%PDF-1.7\n".to_vec();
    let mut offsets = Vec::new();
    for (k, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        writeln!(out, "{} 0 obj", k + 1).unwrap();
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    write!(out, "xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).unwrap();
    for offset in offsets {
        writeln!(out, "{offset:010} 00000 n ").unwrap();
    }
    write!(
        out,
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    )
    .unwrap();
    out
}

fn stream(dict: &str, data: &[u8]) -> Vec<u8> {
    let mut body = format!("<< /Length {} {dict} >>\nstream\n", data.len()).into_bytes();
    body.extend_from_slice(data);
    body.extend_from_slice(b"\nendstream");
    body
}

fn zlib(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

/// One page whose content stream is `content` (raw bytes, `dict` extra keys).
fn one_page(content: Vec<u8>) -> Vec<u8> {
    pdf(&[
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>".to_vec(),
        content,
    ])
}

/// Runs the parse on a small stack: recursion must stay bounded.
fn parse_on_small_stack(bytes: Vec<u8>) -> Result<xtu_model::Transcript, TranscriptError> {
    std::thread::Builder::new()
        .stack_size(1024 * 1024)
        .spawn(move || transcript::parse(&bytes))
        .expect("thread")
        .join()
        .expect("no panic, no stack overflow")
}

#[test]
fn every_truncation_is_an_answer() {
    for end in (0..FIXTURE.len()).step_by(97) {
        let _ = parse_on_small_stack(FIXTURE[..end].to_vec());
    }
}

#[test]
fn flipped_bytes_are_an_answer() {
    let mut bytes = FIXTURE.to_vec();
    for i in (9..bytes.len()).step_by(131) {
        bytes[i] ^= 0x5A;
        let _ = parse_on_small_stack(bytes.clone());
    }
}

#[test]
fn a_stream_inflating_past_the_budget_is_refused() {
    // 64 MiB of zeros compress to about 64 KiB.
    let bomb = zlib(&vec![0u8; 64 * 1024 * 1024]);
    let result = parse_on_small_stack(one_page(stream("/Filter /FlateDecode", &bomb)));
    assert_eq!(
        result,
        Err(TranscriptError::TooMuchData {
            limit: transcript::MAX_INFLATED_BYTES
        })
    );
}

#[test]
fn many_small_streams_share_one_budget() {
    // Each stream alone is under the budget; together they are not.
    let bomb = zlib(&vec![b' '; 3 * 1024 * 1024]);
    let mut objects = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /Contents [4 0 R 5 0 R 6 0 R 7 0 R] >>".to_vec(),
    ];
    for _ in 0..4 {
        objects.push(stream("/Filter /FlateDecode", &bomb));
    }
    assert!(matches!(
        parse_on_small_stack(pdf(&objects)),
        Err(TranscriptError::TooMuchData { .. })
    ));
}

#[test]
fn deep_nesting_is_bounded() {
    let deep = |open: &str, close: &str| {
        let mut content = open.repeat(200_000).into_bytes();
        content.extend_from_slice(close.repeat(200_000).as_bytes());
        content
    };
    for content in [
        deep("[", "]"),
        deep("<<", ">>"),
        deep("(", ")"),
        deep("q ", "Q "),
    ] {
        let result = parse_on_small_stack(one_page(stream("", &content)));
        assert!(result.is_err());
    }
    // Nesting in the objects themselves.
    let mut catalog = b"<< /Type /Catalog /Pages 2 0 R /X ".to_vec();
    catalog.extend(std::iter::repeat_n(b'[', 100_000));
    let result = parse_on_small_stack(pdf(&[
        catalog,
        b"<< /Type /Pages /Kids [] /Count 0 >>".to_vec(),
    ]));
    assert!(result.is_err());
}

/// A PDF whose objects 1 (catalog, its page tree at `pages`) and 2 (an
/// empty page tree) are plain, object 3 is `objstm` and object 4 a
/// cross-reference stream placing `members` (number, index) in object 3.
fn with_object_stream(pages: u32, objstm: Vec<u8>, members: &[(u32, u16)]) -> Vec<u8> {
    let mut out = b"%PDF-1.7\n".to_vec();
    let bodies = [
        format!("<< /Type /Catalog /Pages {pages} 0 R >>").into_bytes(),
        b"<< /Type /Pages /Kids [] /Count 0 >>".to_vec(),
        objstm,
    ];
    let mut offsets = Vec::new();
    for (k, body) in bodies.iter().enumerate() {
        offsets.push(out.len());
        writeln!(out, "{} 0 obj", k + 1).unwrap();
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    let size = members.iter().map(|m| m.0).max().unwrap_or(4).max(4) + 1;
    let mut rows = vec![[0u8; 7]; size as usize];
    rows[0] = [0, 0, 0, 0, 0, 0xFF, 0xFF];
    for (k, offset) in offsets.iter().enumerate() {
        let o = (*offset as u32).to_be_bytes();
        rows[k + 1] = [1, o[0], o[1], o[2], o[3], 0, 0];
    }
    let xref_at = out.len();
    let o = (xref_at as u32).to_be_bytes();
    rows[4] = [1, o[0], o[1], o[2], o[3], 0, 0];
    for &(number, index) in members {
        let [i0, i1] = index.to_be_bytes();
        rows[number as usize] = [2, 0, 0, 0, 3, i0, i1];
    }
    let data = zlib(&rows.concat());
    write!(
        out,
        "4 0 obj\n<< /Type /XRef /Size {size} /W [1 4 2] /Root 1 0 R /Filter /FlateDecode /Length {} >>\nstream\n",
        data.len()
    )
    .unwrap();
    out.extend_from_slice(&data);
    write!(out, "\nendstream\nendobj\nstartxref\n{xref_at}\n%%EOF\n").unwrap();
    out
}

#[test]
fn object_stream_members_sharing_bytes_are_read_once() {
    // Every header entry points at one large array: expanding each entry
    // from its offset would parse the array 30,000 times.
    let mut header = String::new();
    let mut members = Vec::new();
    for k in 0..30_000u16 {
        header.push_str(&format!("{} 0 ", 10 + u32::from(k)));
        members.push((10 + u32::from(k), k));
    }
    let array = format!("[{}]", "0 ".repeat(200_000));
    let data = format!("{header}{array}");
    let objstm = stream(
        &format!(
            "/Type /ObjStm /N 30000 /First {} /Filter /FlateDecode",
            header.len()
        ),
        &zlib(data.as_bytes()),
    );
    let started = std::time::Instant::now();
    let result = parse_on_small_stack(with_object_stream(2, objstm, &members));
    assert_eq!(
        result,
        Err(TranscriptError::Malformed("no pages found".into()))
    );
    // Not a timing goal: a guard against the quadratic path (minutes).
    assert!(started.elapsed().as_secs() < 60, "{:?}", started.elapsed());
}

#[test]
fn pages_inside_an_object_stream_are_read() {
    let page_tree = b"<< /Type /Pages /Kids [11 0 R] /Count 1 >>";
    let page = b"<< /Type /Page /Parent 10 0 R /MediaBox [0 0 595 842] >>";
    let header = format!("10 0 11 {} ", page_tree.len() + 1);
    let mut data = header.clone().into_bytes();
    data.extend_from_slice(page_tree);
    data.push(b' ');
    data.extend_from_slice(page);
    let objstm = stream(
        &format!("/Type /ObjStm /N 2 /First {}", header.len()),
        &data,
    );
    let pdf = with_object_stream(10, objstm, &[(10, 0), (11, 1)]);
    assert_eq!(
        parse_on_small_stack(pdf),
        Err(TranscriptError::Unreadable("no ruled table found".into()))
    );
}

#[test]
fn object_counts_and_sizes_are_capped() {
    let mut many = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [] /Count 0 >>".to_vec(),
    ];
    many.extend(std::iter::repeat_n(b"null".to_vec(), 30_000));
    assert!(matches!(
        parse_on_small_stack(pdf(&many)),
        Err(TranscriptError::Malformed(_))
    ));
    let mut huge = FIXTURE.to_vec();
    huge.resize(MAX_PDF_BYTES + 1, b' ');
    assert_eq!(
        transcript::parse(&huge),
        Err(TranscriptError::TooLarge {
            limit: MAX_PDF_BYTES
        })
    );
}

#[test]
fn a_page_tree_cycle_ends() {
    let result = parse_on_small_stack(pdf(&[
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>".to_vec(),
        b"<< /Type /Pages /Parent 2 0 R /Kids [2 0 R] /Count 1 >>".to_vec(),
    ]));
    assert!(result.is_err());
}

#[test]
fn encrypted_and_non_pdf_inputs_are_typed_errors() {
    let mut encrypted = FIXTURE.to_vec();
    let at = memchr::memmem::rfind(&encrypted, b"/Root 1 0 R").unwrap();
    encrypted.splice(at..at, b"/Encrypt 999 0 R ".iter().copied());
    // An /Encrypt that names no encryption dictionary.
    let result = transcript::parse(&encrypted);
    assert!(
        matches!(result, Err(TranscriptError::UnsupportedEncryption(_))),
        "{result:?}"
    );
    assert_eq!(transcript::parse(b""), Err(TranscriptError::NotPdf));
    assert_eq!(
        transcript::parse(b"<html>login</html>"),
        Err(TranscriptError::NotPdf)
    );
}

#[test]
fn another_security_handler_is_unsupported() {
    let mut objects = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [] /Count 0 >>".to_vec(),
        b"<< /Filter /Adobe.PubSec /V 4 /R 4 /Length 128 >>".to_vec(),
    ];
    objects.push(b"null".to_vec());
    let mut pdf = pdf(&objects);
    let at = memchr::memmem::find(&pdf, b"/Root 1 0 R").unwrap();
    pdf.splice(at..at, b"/Encrypt 3 0 R /ID [<00> <00>] ".iter().copied());
    assert_eq!(
        transcript::parse(&pdf),
        Err(TranscriptError::UnsupportedEncryption(
            "security handler /Adobe.PubSec".into()
        ))
    );
}
