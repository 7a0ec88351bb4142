//! The transcript fixtures stored the ways other producers and
//! post-processors store them: `fixtures/transcript/variants/<source
//! stem>@<variant>.pdf`, each of which must read exactly as its source.
//!
//! Through qpdf (the `qpdf` binary; Debian's `qpdf` package): object and
//! cross-reference streams, linearized, RC4 40 and 128, AES-128 and AES-256,
//! all with an empty user password and an owner password, and combinations.
//! By the generator (`transcript_pdf`, through lopdf): ASCII85 on top of
//! Flate, an incremental update, a broken cross-reference table. And `transcript.user-password.pdf`, which needs a
//! user password to open.
//!
//! qpdf's output is reproducible with fixed IDs (`--deterministic-id`
//! without encryption; `--static-id` and `--static-aes-iv`, its testing
//! options, with RC4 and AES-128). AES-256 (revision 6) draws random salts
//! for its password hashes whatever the options, so those files differ from
//! run to run: they are compared by what they hold instead, decrypted with
//! `qpdf --decrypt --static-id` on both sides, and a run that finds the
//! committed file equal that way keeps it as it is.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Context as _;

use super::transcript_pdf;

/// The owner password of the encrypted variants: it restricts editing only,
/// so it is no secret (a viewer opens the files without it).
const OWNER_PASSWORD: &str = "owner-restricts-editing";
/// The user password of `transcript.user-password.pdf` (a placeholder).
const USER_PASSWORD: &str = "placeholder-user-password";
/// The fixture that needs a user password.
pub const USER_PASSWORD_FIXTURE: &str = "transcript.user-password.pdf";

/// A qpdf variant: its name, qpdf's arguments, whether the output is
/// reproducible byte for byte.
struct QpdfVariant {
    name: &'static str,
    args: &'static [&'static str],
    reproducible: bool,
}

const QPDF_VARIANTS: [QpdfVariant; 7] = [
    QpdfVariant {
        name: "objstm",
        args: &["--deterministic-id", "--object-streams=generate"],
        reproducible: true,
    },
    QpdfVariant {
        name: "linearized",
        args: &["--deterministic-id", "--linearize"],
        reproducible: true,
    },
    QpdfVariant {
        name: "rc4-40",
        args: &[
            "--static-id",
            "--allow-weak-crypto",
            "--encrypt",
            "",
            OWNER_PASSWORD,
            "40",
            "--",
        ],
        reproducible: true,
    },
    QpdfVariant {
        name: "rc4-128",
        args: &[
            "--static-id",
            "--allow-weak-crypto",
            "--encrypt",
            "",
            OWNER_PASSWORD,
            "128",
            "--use-aes=n",
            "--",
        ],
        reproducible: true,
    },
    QpdfVariant {
        name: "aes128-objstm",
        args: &[
            "--static-id",
            "--static-aes-iv",
            "--object-streams=generate",
            "--encrypt",
            "",
            OWNER_PASSWORD,
            "128",
            "--use-aes=y",
            "--",
        ],
        reproducible: true,
    },
    QpdfVariant {
        name: "aes256",
        args: &[
            "--static-id",
            "--static-aes-iv",
            "--encrypt",
            "",
            OWNER_PASSWORD,
            "256",
            "--",
        ],
        reproducible: false,
    },
    QpdfVariant {
        name: "aes256-objstm-linearized",
        args: &[
            "--static-id",
            "--static-aes-iv",
            "--object-streams=generate",
            "--linearize",
            "--encrypt",
            "",
            OWNER_PASSWORD,
            "256",
            "--",
        ],
        reproducible: false,
    },
];

/// The names of the qpdf variants, for the tests that check each source has them all.
pub fn qpdf_variant_names() -> Vec<&'static str> {
    QPDF_VARIANTS.iter().map(|v| v.name).collect()
}

/// One variant file to be: its path under the fixture directory, its
/// bytes, whether they are reproducible.
struct Planned {
    path: PathBuf,
    bytes: Vec<u8>,
    reproducible: bool,
}

/// The variants made without qpdf: (file name, bytes).
pub fn hand_made() -> anyhow::Result<Vec<(&'static str, Vec<u8>)>> {
    Ok(vec![
        ("transcript@ascii85.pdf", transcript_pdf::ascii85_variant()?),
        (
            "transcript@incremental-update.pdf",
            transcript_pdf::incremental_update()?,
        ),
        ("transcript@broken-xref.pdf", transcript_pdf::broken_xref()?),
    ])
}

fn plan(dir: &Path) -> anyhow::Result<Vec<Planned>> {
    let variants = dir.join("variants");
    let mut planned = Vec::new();
    for (file, bytes) in hand_made()? {
        planned.push(Planned {
            path: variants.join(file),
            bytes,
            reproducible: true,
        });
    }
    for (file, source) in transcript_pdf::files()? {
        let Some(stem) = file.strip_suffix(".pdf") else {
            continue;
        };
        for variant in &QPDF_VARIANTS {
            planned.push(Planned {
                path: variants.join(format!("{stem}@{}.pdf", variant.name)),
                bytes: qpdf(&source, variant.args)?,
                reproducible: variant.reproducible,
            });
        }
        if file == "transcript.pdf" {
            planned.push(Planned {
                path: dir.join(USER_PASSWORD_FIXTURE),
                bytes: qpdf(
                    &source,
                    &[
                        "--static-id",
                        "--static-aes-iv",
                        "--encrypt",
                        USER_PASSWORD,
                        OWNER_PASSWORD,
                        "128",
                        "--use-aes=y",
                        "--",
                    ],
                )?,
                reproducible: true,
            });
        }
    }
    Ok(planned)
}

/// Writes every variant (keeping an AES-256 file that holds the same as
/// its new version); returns how many there are.
pub fn write_all(dir: &Path) -> anyhow::Result<usize> {
    let variants = dir.join("variants");
    std::fs::create_dir_all(&variants)
        .with_context(|| format!("creating {}", variants.display()))?;
    let planned = plan(dir)?;
    for path in unplanned(dir, &planned)? {
        std::fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))?;
    }
    for file in &planned {
        if same(file)? {
            continue;
        }
        transcript_pdf::write(&file.path, &file.bytes)?;
    }
    Ok(planned.len())
}

/// The variants whose committed file differs from what would be written
/// (or is missing, or is there but would not be).
pub fn check(dir: &Path) -> anyhow::Result<Vec<String>> {
    let planned = plan(dir)?;
    let mut stale = Vec::new();
    for file in &planned {
        if !same(file)? {
            stale.push(file.path.display().to_string());
        }
    }
    for path in unplanned(dir, &planned)? {
        stale.push(format!("{} (not written by the generator)", path.display()));
    }
    Ok(stale)
}

/// The files of the variants directory that are not planned.
fn unplanned(dir: &Path, planned: &[Planned]) -> anyhow::Result<Vec<PathBuf>> {
    let mut extra = Vec::new();
    for entry in std::fs::read_dir(dir.join("variants"))? {
        let path = entry?.path();
        if !planned.iter().any(|p| p.path == path) {
            extra.push(path);
        }
    }
    Ok(extra)
}

/// Whether the committed file is the planned one: byte for byte, or for an
/// AES-256 file, decrypted.
fn same(file: &Planned) -> anyhow::Result<bool> {
    let Ok(committed) = std::fs::read(&file.path) else {
        return Ok(false);
    };
    if committed == file.bytes {
        return Ok(true);
    }
    if file.reproducible {
        return Ok(false);
    }
    let decrypted = |bytes: &[u8]| qpdf(bytes, &["--decrypt", "--static-id"]);
    Ok(decrypted(&committed)? == decrypted(&file.bytes)?)
}

/// `qpdf <args> in.pdf out.pdf` on the bytes.
fn qpdf(input: &[u8], args: &[&str]) -> anyhow::Result<Vec<u8>> {
    let dir = tempfile::tempdir()?;
    let (source, target) = (dir.path().join("in.pdf"), dir.path().join("out.pdf"));
    std::fs::write(&source, input)?;
    let output = Command::new("qpdf")
        .args(args)
        .arg(&source)
        .arg(&target)
        .output()
        .context("running qpdf (install it: `apt-get install qpdf`)")?;
    anyhow::ensure!(
        output.status.success(),
        "qpdf {} failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr).trim()
    );
    std::fs::read(&target).context("reading qpdf's output")
}
