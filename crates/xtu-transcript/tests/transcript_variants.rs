//! Every variant of every transcript fixture reads exactly as its source:
//! `fixtures/transcript/variants/<stem>@<variant>.pdf` against
//! `fixtures/transcript/<stem>.pdf`, comparing the whole parse result (the
//! transcript, or the error and its wording). The variants are the same
//! file stored the ways other producers and post-processors store it (qpdf:
//! object streams, linearized, RC4 and AES with an empty user password; by
//! hand: ASCII85, an incremental update, a broken cross-reference table).

use std::path::{Path, PathBuf};

use xtu_transcript::{self as transcript, TranscriptError};

/// What `cargo xtask transcript-fixtures` makes of every fixture with qpdf
/// (`xtask/src/transcript_variants.rs`).
const QPDF_VARIANTS: [&str; 7] = [
    "objstm",
    "linearized",
    "rc4-40",
    "rc4-128",
    "aes128-objstm",
    "aes256",
    "aes256-objstm-linearized",
];

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/transcript")
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_variant_reads_as_its_source() {
    let mut compared = 0;
    let mut read_ok = 0;
    for entry in std::fs::read_dir(fixtures().join("variants")).expect("variants") {
        let path = entry.expect("entry").path();
        let name = path.file_name().and_then(|n| n.to_str()).expect("name");
        let (stem, _) = name
            .split_once('@')
            .unwrap_or_else(|| panic!("{name}: no @"));
        let source = transcript::parse(&read(&fixtures().join(format!("{stem}.pdf"))));
        let variant = transcript::parse(&read(&path));
        assert_eq!(variant, source, "{name} reads otherwise than {stem}.pdf");
        compared += 1;
        read_ok += usize::from(variant.is_ok());
    }
    // Thirteen sources with seven qpdf variants each, three made by hand;
    // all sources but the unrepairable mojibake one read.
    assert_eq!(compared, 13 * QPDF_VARIANTS.len() + 3);
    assert_eq!(read_ok, 12 * QPDF_VARIANTS.len() + 3);
}

#[test]
fn every_fixture_has_every_qpdf_variant() {
    for entry in std::fs::read_dir(fixtures()).expect("fixtures") {
        let path = entry.expect("entry").path();
        let name = path.file_name().and_then(|n| n.to_str()).expect("name");
        let Some(stem) = name.strip_suffix(".pdf") else {
            continue;
        };
        if name == "transcript.user-password.pdf" {
            continue;
        }
        for variant in QPDF_VARIANTS {
            let file = fixtures().join(format!("variants/{stem}@{variant}.pdf"));
            assert!(file.exists(), "{} is missing", file.display());
        }
    }
}

#[test]
fn a_user_password_is_a_typed_error() {
    let pdf = read(&fixtures().join("transcript.user-password.pdf"));
    assert_eq!(transcript::parse(&pdf), Err(TranscriptError::NeedsPassword));
    assert_eq!(
        TranscriptError::NeedsPassword.to_string(),
        "the transcript pdf needs a password to open"
    );
}
