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

#[cfg(test)]
mod tests {
    use super::*;

    /// An artifact built, with one passed and one failed step; one built
    /// whose every step passed; and one whose build failed (no file in dist/).
    fn outcomes(dist: &Path) -> Vec<Outcome> {
        std::fs::write(dist.join("xtu-built"), b"abc").unwrap();
        let mut built = Outcome::new("xtu-built".into(), 12.0);
        built.bytes = 3;
        built.record("size", Ok("file 3 bytes".into()));
        built.record("run", Err(anyhow::anyhow!("wine: not found")));
        let mut passed = Outcome::new("xtu-passed".into(), 2.0);
        passed.bytes = 1_048_576;
        passed.record("size", Ok("file 1048576 bytes".into()));
        let mut failed = Outcome::new("wheel for x86_64-pc-windows-gnu".into(), 1.0);
        failed.record("build", Err(anyhow::anyhow!("maturin failed")));
        vec![built, passed, failed]
    }

    #[test]
    fn the_sums_name_only_the_files_that_were_built_as_sha256sum_reads_them() {
        let dist = tempfile::tempdir().unwrap();
        write_sums(dist.path(), &outcomes(dist.path())).unwrap();
        assert_eq!(
            std::fs::read_to_string(dist.path().join("SHA256SUMS")).unwrap(),
            // sha256("abc"), two spaces, the file name.
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  xtu-built\n"
        );
    }

    #[test]
    fn the_report_marks_each_failed_step_and_artifact() {
        let dist = tempfile::tempdir().unwrap();
        let text = report(&outcomes(dist.path()), 13.4);
        assert!(
            text.contains("| xtu-built | 3 | 0.00 | 12 | NO |"),
            "{text}"
        );
        assert!(
            text.contains("| wheel for x86_64-pc-windows-gnu | 0 | 0.00 | 1 | NO |"),
            "{text}"
        );
        assert!(text.contains("\nTotal 13 s."), "{text}");
        assert!(text.contains("- size: file 3 bytes\n"), "{text}");
        assert!(
            text.contains("- **run FAILED**: wine: not found\n"),
            "{text}"
        );
        assert!(
            text.contains("- **build FAILED**: maturin failed\n"),
            "{text}"
        );
    }
}
