//! `cargo xtask bench`: the `xtu` binary as installed (`dist` profile) end to end against the fake
//! XTU, with and without added latency: requests per command, wall time,
//! start-up time, peak memory and binary size. Prints a markdown report and
//! writes it to `.bench/xtu/results.md`.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use xtu_fake::{Account, FakeXtu, System};

const USER: &str = "202205561111";
const PASSWORD: &str = "bench-password";

/// Runs the benchmark; `RUNS` (default 10) sets the repetitions per row;
/// `XTU_BENCH_BINARY` runs that `xtu` instead of building the `dist` one
/// (a quick look: request counts are the same, times are that build's).
pub fn main() -> anyhow::Result<()> {
    let runs: usize = std::env::var("RUNS")
        .ok()
        .map(|v| v.parse())
        .transpose()
        .context("RUNS must be a number")?
        .unwrap_or(10)
        .max(1);
    let root = crate::project_root();
    let binary = match std::env::var_os("XTU_BENCH_BINARY") {
        Some(binary) => std::path::PathBuf::from(binary),
        None => {
            let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
                .args(["build", "--profile", "dist", "--locked", "-p", "xtu-cli"])
                .current_dir(&root)
                .status()
                .context("running cargo build")?;
            if !status.success() {
                bail!("cargo build --profile dist -p xtu-cli failed");
            }
            // What users install (`cargo install --locked --profile dist`).
            root.join("target/dist/xtu")
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .context("tokio runtime")?;
    let report = runtime.block_on(report(&binary, runs))?;
    print!("{report}");
    let out = root.join(".bench/xtu");
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    std::fs::write(out.join("results.md"), &report).context("writing results.md")?;
    Ok(())
}

/// One command line of a scenario, run with the fake's URLs and a state dir.
struct Step {
    args: &'static [&'static str],
    /// Feed the previous step's stdout as `XTU_TOKEN`.
    token_from_previous: bool,
}

const fn step(args: &'static [&'static str]) -> Step {
    Step {
        args,
        token_from_previous: false,
    }
}

const fn with_token(args: &'static [&'static str]) -> Step {
    Step {
        args,
        token_from_previous: true,
    }
}

struct Scenario {
    name: &'static str,
    /// Log in first (not measured): the "warm" scenarios.
    warm: bool,
    steps: &'static [Step],
}

const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "cold: `xtu login` + `xtu info`",
        warm: false,
        steps: &[step(&["login", "--username", USER]), step(&["info"])],
    },
    Scenario {
        name: "cold: seed chain `sso-login` → `ems-auth` → `student-info`",
        warm: false,
        steps: &[
            step(&["sso-login", "--username", USER, "--compressed"]),
            with_token(&["ems-auth", "--compressed"]),
            with_token(&["student-info"]),
        ],
    },
    Scenario {
        name: "warm: `xtu info`",
        warm: true,
        steps: &[step(&["info"])],
    },
    Scenario {
        name: "warm: `xtu timetable --year 2025 --term 1`",
        warm: true,
        steps: &[step(&[
            "timetable",
            "--year",
            "2025",
            "--term",
            "1",
            "--format",
            "json",
        ])],
    },
    Scenario {
        name: "warm: `xtu gpa` (ranking and grades together)",
        warm: true,
        steps: &[step(&["gpa", "--format", "json"])],
    },
    Scenario {
        name: "warm: `xtu export ics` (calendar and exams together, then timetable)",
        warm: true,
        steps: &[step(&["export", "ics"])],
    },
    Scenario {
        // Nothing of the audit is cached: the index page, then every
        // category's courses and those outside the plan together.
        name: "cold `xtu progress` (stored login; index, then all category lists at once)",
        warm: true,
        steps: &[step(&["progress", "--format", "json"])],
    },
    Scenario {
        name: "warm: `xtu watch` twice (the first check records, the second compares)",
        warm: true,
        steps: &[step(&["watch"]), step(&["watch"])],
    },
];

struct Measured {
    sso_requests: usize,
    ems_requests: usize,
    wall: Duration,
}

/// `xtu args...` on the fake with a state directory and the password, with
/// no token, no input and no diagnostics.
fn xtu(binary: &Path, fake: &FakeXtu, state: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(binary);
    command
        .args(args)
        .env("XTU_STATE_DIR", state)
        .env("XTU_SSO_BASE_URL", fake.sso_base_url())
        .env("XTU_EMS_BASE_URL", fake.ems_base_url())
        .env("XTU_PASSWORD", PASSWORD)
        .env("XTU_KEYRING", "none")
        .env_remove("XTU_TOKEN")
        .stdin(Stdio::null())
        .stderr(Stdio::null());
    command
}

async fn run_scenario(
    binary: &Path,
    fake: &FakeXtu,
    scenario: &Scenario,
) -> anyhow::Result<Measured> {
    let state = tempfile::tempdir().context("state dir")?;
    let run = |args: &[&str], token: Option<&str>| -> anyhow::Result<String> {
        let mut command = xtu(binary, fake, state.path(), args);
        if let Some(token) = token {
            command.env("XTU_TOKEN", token);
        }
        let output = command.output().context("running xtu")?;
        if !output.status.success() {
            bail!("xtu {args:?} failed with {}", output.status);
        }
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
    };
    if scenario.warm {
        run(&["login", "--username", USER], None)?;
    }
    fake.clear_requests();
    let started = Instant::now();
    let mut previous = String::new();
    for step in scenario.steps {
        let token = step.token_from_previous.then_some(previous.as_str());
        previous = run(step.args, token)?;
    }
    let wall = started.elapsed();
    let requests = fake.requests();
    Ok(Measured {
        sso_requests: requests.iter().filter(|r| r.system == System::Sso).count(),
        ems_requests: requests.iter().filter(|r| r.system == System::Ems).count(),
        wall,
    })
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort_unstable();
    values[values.len() / 2]
}

fn ms(duration: Duration) -> String {
    format!("{:.1}", duration.as_secs_f64() * 1000.0)
}

async fn report(binary: &Path, runs: usize) -> anyhow::Result<String> {
    let mut out = format!(
        "runs per row: {runs}; wall time is the median, from process start to exit of every step\n\n\
         | scenario | added latency | SSO requests | EMS requests | median wall ms |\n\
         | --- | ---: | ---: | ---: | ---: |\n"
    );
    for latency in [Duration::ZERO, Duration::from_millis(30)] {
        let fake = FakeXtu::builder()
            .account(Account::new(USER, PASSWORD))
            .start()
            .await;
        if !latency.is_zero() {
            fake.add_latency(latency);
        }
        for scenario in SCENARIOS {
            let mut walls = Vec::new();
            let mut counts = None;
            for _ in 0..runs {
                let measured = run_scenario(binary, &fake, scenario).await?;
                let these = (measured.sso_requests, measured.ems_requests);
                if counts.is_some_and(|c| c != these) {
                    bail!("{}: request counts vary between runs", scenario.name);
                }
                counts = Some(these);
                walls.push(measured.wall);
            }
            let (sso, ems) = counts.unwrap_or_default();
            out.push_str(&format!(
                "| {} | {} ms | {sso} | {ems} | {} |\n",
                scenario.name,
                latency.as_millis(),
                ms(median(walls))
            ));
        }
    }

    let mut startups = Vec::new();
    for _ in 0..runs.max(20) * 5 {
        let started = Instant::now();
        let status = Command::new(binary)
            .arg("--version")
            .stdout(Stdio::null())
            .status()
            .context("xtu --version")?;
        startups.push(started.elapsed());
        if !status.success() {
            bail!("xtu --version failed");
        }
    }
    let peak = warm_query_peak_rss(binary).await?;
    let size = std::fs::metadata(binary).context("binary size")?.len();
    out.push_str(&format!(
        "\n| measure | value |\n| --- | ---: |\n\
         | `xtu --version` start-up, median of {} | {} ms |\n\
         | peak RSS of a warm `xtu info` | {:.1} MB |\n\
         | binary size (`dist` profile) | {:.1} MiB |\n",
        startups.len(),
        ms(median(startups)),
        peak as f64 / 1024.0,
        size as f64 / 1_048_576.0,
    ));
    Ok(out)
}

/// Peak resident memory (KiB) of one warm `xtu info`: its `VmHWM` (a
/// high-water mark, so only ever growing) sampled from `/proc` every 0.2 ms
/// until it exits; the last sample is the peak up to a fraction of a
/// millisecond before exit. Linux only.
async fn warm_query_peak_rss(binary: &Path) -> anyhow::Result<u64> {
    let fake = FakeXtu::builder()
        .account(Account::new(USER, PASSWORD))
        .start()
        .await;
    let state = tempfile::tempdir().context("state dir")?;
    let command = |args: &[&str]| {
        let mut command = xtu(binary, &fake, state.path(), args);
        command.stdout(Stdio::null());
        command
    };
    if !command(&["login", "--username", USER])
        .status()
        .context("login")?
        .success()
    {
        bail!("login failed");
    }
    let mut child = command(&["info"]).spawn().context("xtu info")?;
    let status_file = format!("/proc/{}/status", child.id());
    // The fake answers on this runtime's worker: sample off it.
    let (status, peak) = tokio::task::spawn_blocking(move || {
        let mut peak = 0;
        loop {
            if let Ok(status) = std::fs::read_to_string(&status_file)
                && let Some(kib) = status
                    .lines()
                    .find_map(|line| line.strip_prefix("VmHWM:"))
                    .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            {
                peak = peak.max(kib);
            }
            match child.try_wait() {
                Ok(Some(status)) => return Ok((status, peak)),
                Ok(None) => std::thread::sleep(Duration::from_micros(200)),
                Err(e) => return Err(e),
            }
        }
    })
    .await
    .context("sampling xtu info")?
    .context("waiting for xtu info")?;
    if !status.success() || peak == 0 {
        bail!("xtu info failed or could not be sampled (is /proc mounted?)");
    }
    Ok(peak)
}
