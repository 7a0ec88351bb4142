//! The wheels: built with maturin for each target (the musllinux one with
//! its C library renamed), then checked (`twine check`, `auditwheel show`,
//! their contents and console scripts, the libraries the native module
//! links) and handed to the runners.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context as _, bail};

use super::binaries::{Linked, linked_libraries};
use super::runners::run_wheel;
use super::tools::{Tools, add_targets, mac_env, output, run};
use super::{Outcome, Platform, Wheel};

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

/// Builds `wheel` into `dist/`, then checks it and installs and runs it
/// where this machine can; every step's result is in the outcome.
pub(super) fn build_wheel(root: &Path, dist: &Path, tools: &Tools, wheel: &Wheel) -> Outcome {
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
    run_wheel(root, tools, wheel.platform, &artifact, &mut outcome);
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
