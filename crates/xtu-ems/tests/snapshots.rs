//! Every fixture through its page's parser, snapshotting the `Result` (so the
//! wording of errors is pinned too). The page is the first dot-separated part
//! of the file name: `student-info.empty-fields.html` → `student-info`.

use std::path::Path;
use std::str::FromStr as _;

use serde::Serialize;
use xtu_ems::Page;
use xtu_ems::pages::ParsedPage;

#[derive(Serialize)]
#[serde(rename_all = "lowercase")]
enum Outcome {
    Ok(ParsedPage),
    Error(String),
}

fn parse(page: Page, text: &str) -> serde_json::Value {
    let outcome = match page.parse_value(text) {
        Ok(value) => Outcome::Ok(value),
        Err(error) => Outcome::Error(error.to_string()),
    };
    serde_json::to_value(outcome).unwrap_or_else(|e| panic!("serializable: {e}"))
}

#[test]
fn every_fixture() {
    insta::glob!("../../../fixtures/ems", "*.*", |path: &Path| {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let page_name = name.split('.').next().unwrap_or_default();
        let page = Page::from_str(page_name)
            .unwrap_or_else(|_| panic!("{name}: no page named {page_name}"));
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{name}: {e}"));
        insta::assert_yaml_snapshot!(parse(page, &text));
    });
}

#[test]
fn every_page_has_a_main_fixture() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/ems");
    for page in Page::ALL {
        let file = dir.join(format!("{}.{}", page.name(), page.fixture_extension()));
        assert!(file.is_file(), "missing {}", file.display());
        let text =
            std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let parsed = parse(*page, &text);
        assert!(parsed.get("ok").is_some(), "{}: {parsed}", page.name());
    }
}

#[test]
fn hostile_input_never_panics() {
    let inputs = [
        String::new(),
        "\0\u{1}\u{2}".to_owned(),
        "<".repeat(10_000),
        "{".repeat(10_000),
        "[".repeat(100_000),
        "<div id=\"col_xh\"><p class=\"form-control-static\">".repeat(1000),
        "{\"items\": [{\"cdmc\": 1, \"zws\": -5}], \"totalPage\": \"x\"}".to_owned(),
        "{\"items\": null}".to_owned(),
        "<table><th>2025-2026学年1学期(2025-02-30至2026-01-18)</th></table>".to_owned(),
        "<table><th>9999-10000学年1学期(9999-01-01至9999-01-02)</th></table>".to_owned(),
        String::from_utf8_lossy(&(0..=255u8).cycle().take(50_000).collect::<Vec<u8>>())
            .into_owned(),
    ];
    for input in &inputs {
        for page in Page::ALL {
            let _ = parse(*page, input);
        }
    }
}

#[test]
fn truncated_and_huge_pages_never_panic() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/ems");
    for page in Page::ALL {
        let file = dir.join(format!("{}.{}", page.name(), page.fixture_extension()));
        let text =
            std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        for end in (0..text.len())
            .step_by(37)
            .filter(|&i| text.is_char_boundary(i))
        {
            let cut = parse(*page, &text[..end]);
            // A JSON answer cut short is never a (partial) result.
            if page.fixture_extension() == "json" && end < text.trim_end().len() {
                assert!(
                    cut.get("error").is_some(),
                    "{} cut at {end}: {cut}",
                    page.name()
                );
            }
        }
        let _ = parse(*page, &text.repeat(200));
    }
}

/// A failed page is saved scrubbed for `xtu parse` to reproduce the error:
/// scrubbing by pattern alone (nothing known about the student) must keep
/// every fixture's outcome, and scrubbing with the placeholders as the known
/// values (a recording of the fixtures' student) its whole result.
#[test]
fn scrubbing_keeps_every_fixture_readable() {
    use xtu_ems::scrub::{self, Secrets};
    let mut placeholders = Secrets::new();
    placeholders.add_profile(&xtu_model::StudentProfile {
        student_id: scrub::STUDENT_ID.into(),
        name: scrub::NAME.into(),
        ..Default::default()
    });
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/ems");
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap_or_else(|e| panic!("{e}")).path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let Ok(page) = Page::from_str(name.split('.').next().unwrap_or_default()) else {
            continue;
        };
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        let original = parse(page, &text);
        let recorded = parse(page, &scrub::scrub(&text, &placeholders));
        assert_eq!(original, recorded, "{name}");
        let scrubbed = parse(page, &scrub::scrub(&text, &Secrets::new()));
        assert_eq!(
            original.get("error"),
            scrubbed.get("error"),
            "{name}: the same error after scrubbing"
        );
        assert_eq!(
            original.get("ok").is_some(),
            scrubbed.get("ok").is_some(),
            "{name}"
        );
    }
}
