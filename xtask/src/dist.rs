//! `cargo xtask dist`: the release set in `dist/`, each artifact checked and,
//! where this machine can, run.
//!
//! Standalone `xtu` binaries (`dist` profile) for linux-musl x86_64 and
//! aarch64 (static), windows x86_64 (mingw: the msvc CRT cannot be fetched
//! here) and macOS universal2; `SHA256SUMS`. Each binary: its size (< 8 MB),
//! its linked libraries (none for the static Linux ones; only system DLLs for
//! Windows; only system dylibs for macOS), then `--version` and an offline
//! `xtu parse` of a fixture, natively, under `qemu-aarch64-static` and under
//! wine. macOS binaries are built and inspected but cannot run here.
//!
//! Wheels (`crates/xtu-py`, maturin) are built when that crate is in the tree;
//! without it the task says so and ships the binaries only.
//!
//! Tools it needs beyond Rust: `cargo-zigbuild` and `ziglang` (PyPI, installed
//! into `target/dist-tools` when missing), mingw-w64, wine, qemu-user-static
//! and llvm-objdump (Debian). Prints a report (sizes, build times, results)
//! and writes it to `dist/REPORT.md`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context as _, bail};
use sha2::{Digest as _, Sha256};

/// The most a standalone binary may weigh.
const MAX_BINARY_BYTES: u64 = 8_000_000;

/// How a target is built and run.
#[derive(Clone, Copy)]
struct Target {
    /// Rust's name for it (cargo-zigbuild's `universal2-apple-darwin` too).
    triple: &'static str,
    /// Built by cargo-zigbuild (zig as the C compiler and linker) or by
    /// plain cargo with the Debian cross toolchain.
    zig: bool,
    kind: Kind,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    LinuxX86,
    LinuxArm,
    Windows,
    Mac,
}

const TARGETS: &[Target] = &[
    Target {
        triple: "x86_64-unknown-linux-musl",
        zig: true,
        kind: Kind::LinuxX86,
    },
    Target {
        triple: "aarch64-unknown-linux-musl",
        zig: true,
        kind: Kind::LinuxArm,
    },
    Target {
        triple: "x86_64-pc-windows-gnu",
        zig: false,
        kind: Kind::Windows,
    },
    Target {
        triple: "universal2-apple-darwin",
        zig: true,
        kind: Kind::Mac,
    },
];

/// DLLs every Windows has; anything else (a mingw runtime DLL) would have
/// to ship beside xtu.exe.
const WINDOWS_SYSTEM_DLLS: &[&str] = &[
    "advapi32.dll",
    "bcrypt.dll",
    "bcryptprimitives.dll",
    "crypt32.dll",
    "kernel32.dll",
    "msvcrt.dll",
    "ntdll.dll",
    "ole32.dll",
    "oleaut32.dll",
    "secur32.dll",
    "shell32.dll",
    "user32.dll",
    "userenv.dll",
    "ws2_32.dll",
    "api-ms-win-core-synch-l1-2-0.dll",
];

/// One built artifact and what became of it.
struct Outcome {
    name: String,
    bytes: u64,
    build_secs: f64,
    libraries: String,
    run: String,
    ok: bool,
}

/// Builds, checks and runs the release set.
pub fn main() -> anyhow::Result<()> {
    let root = crate::project_root();
    let dist = root.join("dist");
    std::fs::create_dir_all(&dist).with_context(|| format!("creating {}", dist.display()))?;
    let tools = Tools::find_or_install(&root)?;
    let version = env!("CARGO_PKG_VERSION");
    let mut outcomes = Vec::new();
    for target in TARGETS {
        let started = Instant::now();
        let built = build(&root, &tools, *target)?;
        let build_secs = started.elapsed().as_secs_f64();
        let suffix = if target.kind == Kind::Windows {
            ".exe"
        } else {
            ""
        };
        let name = format!("xtu-{version}-{}{suffix}", target.triple);
        let artifact = dist.join(&name);
        std::fs::copy(&built, &artifact)
            .with_context(|| format!("copying {} to dist/", built.display()))?;
        outcomes.push(check(&root, *target, name, &artifact, build_secs));
    }
    let wheels = if root.join("crates/xtu-py/Cargo.toml").is_file() {
        "crates/xtu-py exists, but this task does not build its wheels yet: build them with maturin (see README)"
    } else {
        "no wheels: crates/xtu-py is not in this tree"
    };
    write_sums(&dist, &outcomes)?;
    let report = report(&outcomes, wheels);
    print!("{report}");
    std::fs::write(dist.join("REPORT.md"), &report).context("writing dist/REPORT.md")?;
    if let Some(failed) = outcomes.iter().find(|o| !o.ok) {
        bail!("{} failed its checks (see dist/REPORT.md)", failed.name);
    }
    Ok(())
}

/// Where the non-Rust tools are.
struct Tools {
    /// `cargo-zigbuild`, with `ziglang` beside it.
    zigbuild: PathBuf,
    /// PATH with the tools' directory first.
    path: std::ffi::OsString,
}

impl Tools {
    fn find_or_install(root: &Path) -> anyhow::Result<Self> {
        let venv = root.join("target/dist-tools");
        let bin = venv.join("bin");
        let zigbuild = bin.join("cargo-zigbuild");
        if !zigbuild.is_file() {
            eprintln!(
                "installing cargo-zigbuild and ziglang into {}",
                venv.display()
            );
            run(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
            run(Command::new(bin.join("pip")).args([
                "install",
                "--quiet",
                "cargo-zigbuild",
                "ziglang",
            ]))?;
        }
        let mut paths = vec![bin];
        paths.extend(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        ));
        let path = std::env::join_paths(paths).context("PATH")?;
        Ok(Self { zigbuild, path })
    }
}

fn run(command: &mut Command) -> anyhow::Result<()> {
    let status = command
        .status()
        .with_context(|| format!("running {command:?}"))?;
    if !status.success() {
        bail!("{command:?} failed: {status}");
    }
    Ok(())
}

/// Builds `xtu` for `target` in the dist profile; returns the binary's path.
fn build(root: &Path, tools: &Tools, target: Target) -> anyhow::Result<PathBuf> {
    let mut command = if target.zig {
        let mut command = Command::new(&tools.zigbuild);
        command.arg("zigbuild");
        command
    } else {
        let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
        command.arg("build");
        command
    };
    if target.kind != Kind::Mac {
        run(Command::new("rustup").args(["target", "add", target.triple]))?;
    } else {
        run(Command::new("rustup").args([
            "target",
            "add",
            "x86_64-apple-darwin",
            "aarch64-apple-darwin",
        ]))?;
    }
    command
        .args(["--profile", "dist", "--locked", "-p", "xtu-cli", "--target"])
        .arg(target.triple)
        .env("PATH", &tools.path)
        .current_dir(root);
    eprintln!("building xtu for {}", target.triple);
    run(&mut command)?;
    let exe = if target.kind == Kind::Windows {
        "xtu.exe"
    } else {
        "xtu"
    };
    Ok(root
        .join("target")
        .join(target.triple)
        .join("dist")
        .join(exe))
}

/// Size, linked libraries, and a run where one is possible.
fn check(root: &Path, target: Target, name: String, artifact: &Path, build_secs: f64) -> Outcome {
    let bytes = std::fs::metadata(artifact).map_or(0, |m| m.len());
    let (libraries, libraries_ok) = match linked_libraries(target.kind, artifact) {
        Ok(found) => found,
        Err(e) => (format!("could not read: {e:#}"), false),
    };
    let (run, run_ok) = match run_binary(root, target.kind, artifact) {
        Ok(text) => (text, true),
        Err(e) => (format!("FAILED: {e:#}"), false),
    };
    Outcome {
        ok: bytes > 0 && bytes < MAX_BINARY_BYTES && libraries_ok && run_ok,
        name,
        bytes,
        build_secs,
        libraries,
        run,
    }
}

fn output(command: &mut Command) -> anyhow::Result<String> {
    let out = command
        .output()
        .with_context(|| format!("running {command:?}"))?;
    if !out.status.success() {
        bail!(
            "{command:?} failed: {}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The libraries `artifact` loads, and whether they are all acceptable.
fn linked_libraries(kind: Kind, artifact: &Path) -> anyhow::Result<(String, bool)> {
    match kind {
        Kind::LinuxX86 | Kind::LinuxArm => {
            let dynamic = output(Command::new("readelf").arg("-d").arg(artifact))?;
            let program = output(Command::new("readelf").args(["-l", "-W"]).arg(artifact))?;
            let needed: Vec<&str> = dynamic.lines().filter(|l| l.contains("(NEEDED)")).collect();
            let interpreter = program.contains("INTERP");
            let fine = needed.is_empty() && !interpreter;
            let text = if fine {
                "none (static: no NEEDED entries, no interpreter)".to_owned()
            } else {
                format!("NOT STATIC: interpreter {interpreter}, {needed:?}")
            };
            Ok((text, fine))
        }
        Kind::Windows => {
            let headers = output(
                Command::new("x86_64-w64-mingw32-objdump")
                    .arg("-p")
                    .arg(artifact),
            )?;
            let dlls: Vec<String> = headers
                .lines()
                .filter_map(|l| l.trim().strip_prefix("DLL Name: "))
                .map(str::to_ascii_lowercase)
                .collect();
            let foreign: Vec<&String> = dlls
                .iter()
                .filter(|dll| !WINDOWS_SYSTEM_DLLS.contains(&dll.as_str()))
                .collect();
            let fine = !dlls.is_empty() && foreign.is_empty();
            let mut text = dlls.join(", ");
            if !fine {
                let _ = write!(text, " (NOT SYSTEM DLLS: {foreign:?})");
            }
            Ok((text, fine))
        }
        Kind::Mac => {
            let archs = output(
                Command::new("llvm-objdump")
                    .arg("--macho")
                    .arg("--universal-headers")
                    .arg(artifact),
            )?;
            let both = archs.contains("x86_64") && archs.contains("arm64");
            let used = output(
                Command::new("llvm-objdump")
                    .args(["--macho", "--dylibs-used", "--arch=all"])
                    .arg(artifact),
            )?;
            let mut dylibs: Vec<&str> = used
                .lines()
                .filter_map(|l| l.trim().split(" (").next())
                .filter(|l| l.starts_with('/'))
                .collect();
            dylibs.sort_unstable();
            dylibs.dedup();
            let system = |d: &&str| d.starts_with("/usr/lib/") || d.starts_with("/System/Library/");
            let fine = both && !dylibs.is_empty() && dylibs.iter().all(system);
            let text = format!(
                "{} ({})",
                dylibs.join(", "),
                if both {
                    "x86_64 + arm64"
                } else {
                    "NOT UNIVERSAL"
                }
            );
            Ok((text, fine))
        }
    }
}

/// Runs `--version` and an offline `xtu parse student-info` of the fixture
/// (Chinese text in, JSON out) where this machine can run the binary.
fn run_binary(root: &Path, kind: Kind, artifact: &Path) -> anyhow::Result<String> {
    let fixture = root.join("fixtures/ems/student-info.html");
    let command = |args: &[&std::ffi::OsStr]| -> anyhow::Result<Command> {
        let mut command = match kind {
            Kind::LinuxX86 => Command::new(artifact),
            Kind::LinuxArm => {
                let mut command = Command::new("qemu-aarch64-static");
                command.arg(artifact);
                command
            }
            Kind::Windows => {
                let mut command = Command::new("wine");
                command
                    .arg(artifact)
                    .env("WINEPREFIX", wine_prefix(root)?)
                    .env("WINEDEBUG", "-all");
                command
            }
            Kind::Mac => bail!("unreachable"),
        };
        command.args(args).env_remove("XTU_TOKEN");
        Ok(command)
    };
    if kind == Kind::Mac {
        return Ok("not run: no macOS here (built and inspected only)".into());
    }
    let version = output(&mut command(&["--version".as_ref()])?)?;
    let parsed = output(&mut command(&[
        "parse".as_ref(),
        "student-info".as_ref(),
        fixture.as_os_str(),
    ])?)?;
    let value: serde_json::Value =
        serde_json::from_str(&parsed).context("parse printed no JSON")?;
    let name = value
        .get("name")
        .and_then(|n| n.as_str())
        .context("no name in the parsed profile")?;
    let how = match kind {
        Kind::LinuxX86 => "natively",
        Kind::LinuxArm => "under qemu-aarch64-static",
        Kind::Windows => "under wine 8 (test-only bcryptprimitives stand-in)",
        Kind::Mac => unreachable!(),
    };
    Ok(format!(
        "ran {how}: `{}`, `xtu parse student-info` gave name {name:?}",
        version.trim()
    ))
}

/// A 64-bit wine prefix under target/ with the test-only stand-in DLL (wine
/// 8 lacks bcryptprimitives.dll). Never part of dist/.
fn wine_prefix(root: &Path) -> anyhow::Result<PathBuf> {
    let prefix = root.join("target/dist-wine");
    if !prefix.join("system.reg").is_file() {
        run(Command::new("wineboot")
            .arg("-i")
            .env("WINEPREFIX", &prefix)
            .env("WINEARCH", "win64")
            .env("WINEDEBUG", "-all"))?;
    }
    let dll = prefix.join("drive_c/windows/system32/bcryptprimitives.dll");
    if !dll.is_file() {
        let source = root.join("packaging/wine");
        run(Command::new("x86_64-w64-mingw32-gcc")
            .args(["-O2", "-shared", "-s", "-Wl,--kill-at", "-o"])
            .arg(&dll)
            .arg(source.join("bcryptprimitives.c"))
            .arg(source.join("bcryptprimitives.def"))
            .arg("-ladvapi32"))?;
    }
    Ok(prefix)
}

/// `SHA256SUMS` in the format `sha256sum -c` reads.
fn write_sums(dist: &Path, outcomes: &[Outcome]) -> anyhow::Result<()> {
    let mut sums = String::new();
    for outcome in outcomes {
        let bytes = std::fs::read(dist.join(&outcome.name))
            .with_context(|| format!("reading {}", outcome.name))?;
        let _ = writeln!(
            sums,
            "{}  {}",
            hex::encode(Sha256::digest(&bytes)),
            outcome.name
        );
    }
    std::fs::write(dist.join("SHA256SUMS"), sums).context("writing SHA256SUMS")
}

fn report(outcomes: &[Outcome], wheels: &str) -> String {
    let mut text = String::from(
        "| artifact | bytes | MiB | build s | linked libraries | run | ok |\n|---|---:|---:|---:|---|---|---|\n",
    );
    for o in outcomes {
        let _ = writeln!(
            text,
            "| {} | {} | {:.2} | {:.0} | {} | {} | {} |",
            o.name,
            o.bytes,
            o.bytes as f64 / 1_048_576.0,
            o.build_secs,
            o.libraries,
            o.run,
            if o.ok { "yes" } else { "NO" }
        );
    }
    let _ = writeln!(
        text,
        "\nsize limit: {MAX_BINARY_BYTES} bytes per binary\n{wheels}"
    );
    text
}
