//! What a run leaves beside the artifacts: `SHA256SUMS` and the report.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context as _;
use sha2::{Digest as _, Sha256};

use super::{MAX_BINARY_BYTES, Outcome};

/// `SHA256SUMS` of every artifact in dist/, in the format `sha256sum -c` reads.
pub(super) fn write_sums(dist: &Path, outcomes: &[Outcome]) -> anyhow::Result<()> {
    let mut sums = String::new();
    for outcome in outcomes {
        let path = dist.join(&outcome.name);
        if !path.is_file() {
            continue;
        }
        let bytes = std::fs::read(&path).with_context(|| format!("reading {}", outcome.name))?;
        let _ = writeln!(
            sums,
            "{}  {}",
            hex::encode(Sha256::digest(&bytes)),
            outcome.name
        );
    }
    std::fs::write(dist.join("SHA256SUMS"), sums).context("writing SHA256SUMS")
}

/// The report: a table of the artifacts, then each one's steps.
pub(super) fn report(outcomes: &[Outcome], total_secs: f64) -> String {
    let mut text = String::from(
        "# cargo xtask dist\n\n| artifact | bytes | MiB | build s | ok |\n|---|---:|---:|---:|---|\n",
    );
    for o in outcomes {
        let _ = writeln!(
            text,
            "| {} | {} | {:.2} | {:.0} | {} |",
            o.name,
            o.bytes,
            o.bytes as f64 / 1_048_576.0,
            o.build_secs,
            if o.ok() { "yes" } else { "NO" }
        );
    }
    let _ = writeln!(
        text,
        "\nTotal {total_secs:.0} s. Size limit: {MAX_BINARY_BYTES} bytes per binary.\n"
    );
    for o in outcomes {
        let _ = writeln!(text, "## {}\n", o.name);
        for step in &o.steps {
            match &step.result {
                Ok(detail) => {
                    let _ = writeln!(text, "- {}: {detail}", step.what);
                }
                Err(error) => {
                    let _ = writeln!(text, "- **{} FAILED**: {error}", step.what);
                }
            }
        }
        text.push('\n');
    }
    text
}
