//! The standalone `xtu` binaries: built for each target, then checked (their
//! size per slice, the libraries they link) and run where this machine can.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context as _, bail};

use super::runners::run_binary;
use super::tools::{Tools, add_targets, mac_env, output, run};
use super::{Binary, MAX_BINARY_BYTES, Outcome, Platform};

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

/// Builds `binary` into `dist/`, then checks it and runs it where this
/// machine can; every step's result is in the outcome.
pub(super) fn build_binary(root: &Path, dist: &Path, tools: &Tools, binary: &Binary) -> Outcome {
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
pub(super) enum Linked {
    /// A standalone `xtu`: on Linux it must be static.
    Executable,
    /// A wheel's extension module: it may link the C library.
    Module,
}

/// The libraries `artifact` loads, if they are all ones the platform has.
pub(super) fn linked_libraries(
    platform: Platform,
    artifact: &Path,
    linked: Linked,
) -> anyhow::Result<String> {
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
