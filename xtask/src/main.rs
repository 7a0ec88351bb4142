//! Project maintenance tasks: `cargo xtask <task>`.

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <task>

tasks:
  fixtures   log in to XTU with XTU_USERNAME / XTU_PASSWORD, record every
             academic-system page once, scrub personal data and write them to
             fixtures/ems/ (honours XTU_SSO_BASE_URL / XTU_EMS_BASE_URL, and
             XTU_PROXY or the standard proxy variables, as xtu does)
  bench      build the release `xtu` and measure it against the local fake:
             requests and wall time per command with 0 and 30 ms latency,
             start-up, peak memory, binary size (RUNS=10 repetitions)
  dist       build the release set into dist/: static xtu binaries for
             linux-musl x86_64 and aarch64, windows x86_64 and macOS
             universal2; wheels for manylinux2014 x86_64 and aarch64,
             musllinux, win_amd64 and macOS universal2; SHA256SUMS and
             REPORT.md. Checks sizes (< 8 MB per binary), linked libraries,
             twine check, auditwheel show, wheel contents; installs and runs
             what this machine can (venvs on the oldest and newest Python,
             qemu for aarch64, wine for Windows)
  dist --binary TRIPLE
             only that standalone binary, built, checked and run as above
             (CI holds x86_64-unknown-linux-musl to the size budget)
  transcript-fixtures [--check]
             write the constructed transcript PDFs of fixtures/transcript/
             (placeholder data; every font kind and layout case) and their
             variants through qpdf (object streams, encryption, linearized)
             and by the generator (ASCII85, an incremental update, a broken xref);
             --check compares the committed files instead (needs qpdf)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("fixtures") => xtask::fixtures::main(),
        Some("bench") => xtask::bench::main(),
        Some("dist") => xtask::dist::main(&args[1..]),
        Some("transcript-fixtures") => {
            xtask::transcript_pdf::main(args.get(1).map(String::as_str) == Some("--check"))
        }
        Some("-h" | "--help") => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
