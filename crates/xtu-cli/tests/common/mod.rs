//! Runs the built `xtu` binary against the fake XTU.

#![allow(dead_code)] // each test binary uses a different part

pub mod proxy;
pub mod session;

use std::process::Stdio;

use tokio::io::AsyncWriteExt as _;
use xtu_fake::{Account, FakeXtu};

/// The fake's account.
pub const USER: &str = "202205561111";
/// Its password.
pub const PASSWORD: &str = "Xtu@2025!";

/// A fake XTU with one normal account.
pub async fn fake() -> FakeXtu {
    FakeXtu::builder()
        .account(Account::new(USER, PASSWORD))
        .start()
        .await
}

/// What a run of `xtu` produced.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Asserts success and returns stdout.
    #[track_caller]
    pub fn ok(&self) -> &str {
        assert_eq!(self.code, 0, "xtu failed: {self:#?}");
        assert!(self.stderr.is_empty(), "unexpected stderr: {self:#?}");
        &self.stdout
    }

    /// Asserts the exit code, that stdout is empty and that stderr is one line.
    #[track_caller]
    pub fn fails_with(&self, code: i32) -> &str {
        assert_eq!(self.code, code, "{self:#?}");
        assert!(
            self.stdout.is_empty(),
            "a failure printed on stdout: {self:#?}"
        );
        assert_eq!(
            self.stderr.trim_end().lines().count(),
            1,
            "not one line: {self:#?}"
        );
        self.stderr.trim_end()
    }
}

/// Runs `xtu args...` with the fake's base URLs, the given extra environment
/// and standard input.
pub async fn xtu(fake: &FakeXtu, args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> Run {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_xtu"));
    command
        .args(args)
        .env_remove("XTU_TOKEN")
        .env_remove("XTU_PASSWORD")
        // A proxy of the machine running the tests is not the test's.
        .env_remove("XTU_PROXY")
        .env_remove("https_proxy")
        .env_remove("HTTPS_PROXY")
        .env_remove("http_proxy")
        .env_remove("all_proxy")
        .env_remove("ALL_PROXY")
        .env_remove("no_proxy")
        .env_remove("NO_PROXY")
        // No test touches the OS keyring unless it asks to (with its own
        // service name).
        .env("XTU_KEYRING", "none")
        .env("XTU_SSO_BASE_URL", fake.sso_base_url())
        .env("XTU_EMS_BASE_URL", fake.ems_base_url())
        .env("XTU_GRAD_BASE_URL", fake.grad_base_url())
        .env("XTU_TIMEOUT", "10")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = spawn(&mut command).expect("the xtu binary starts");
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().expect("piped stdin");
        pipe.write_all(input.as_bytes()).await.expect("write stdin");
        drop(pipe);
    }
    let output = child.wait_with_output().await.expect("xtu runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).expect("utf-8 stdout"),
        stderr: String::from_utf8(output.stderr).expect("utf-8 stderr"),
    }
}

/// Starts `command`. Under wine, CreateProcess now and then fails with
/// ERROR_INTERNAL_ERROR (1359) while other tests start processes at the same
/// moment (CI saw it once in a few hundred starts); a real Windows does not
/// do this, so on Windows that one error is tried again, a few times.
pub fn spawn(command: &mut tokio::process::Command) -> std::io::Result<tokio::process::Child> {
    const ERROR_INTERNAL_ERROR: i32 = 1359;
    let mut tries = 0;
    loop {
        match command.spawn() {
            Err(e)
                if cfg!(windows) && e.raw_os_error() == Some(ERROR_INTERNAL_ERROR) && tries < 5 =>
            {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(100 * tries));
            }
            result => return result,
        }
    }
}

/// Runs `xtu args...` on a pseudo-terminal (`script` from util-linux, part
/// of every Debian system and of CI's machine), typing `answer` when `prompt`
/// appears, as a person would. Returns the exit status and everything the
/// terminal showed.
pub async fn on_terminal(
    fake: &FakeXtu,
    args: &[&str],
    env: &[(&str, &str)],
    prompt: &str,
    answer: &str,
) -> (std::process::ExitStatus, String) {
    use tokio::io::AsyncReadExt as _;
    let mut command = env!("CARGO_BIN_EXE_xtu").to_owned();
    for arg in args {
        command.push(' ');
        command.push_str(arg);
    }
    let mut script = tokio::process::Command::new("script");
    script
        .args(["-qec", &command, "/dev/null"])
        .env_remove("XTU_TOKEN")
        .env_remove("XTU_PASSWORD")
        .env("XTU_KEYRING", "none")
        .env("XTU_SSO_BASE_URL", fake.sso_base_url())
        .env("XTU_EMS_BASE_URL", fake.ems_base_url())
        .env("XTU_TIMEOUT", "10")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    for (key, value) in env {
        script.env(key, value);
    }
    let mut child = script
        .spawn()
        .expect("`script` from util-linux gives xtu a terminal");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut seen = Vec::new();
    let mut buffer = [0u8; 4096];
    while !String::from_utf8_lossy(&seen).contains(prompt) {
        let n = tokio::time::timeout(std::time::Duration::from_secs(20), stdout.read(&mut buffer))
            .await
            .expect("the prompt appears")
            .expect("read");
        if n == 0 {
            // Ended without asking: the caller's assertions say whether
            // that was right.
            break;
        }
        seen.extend_from_slice(&buffer[..n]);
    }
    if String::from_utf8_lossy(&seen).contains(prompt) {
        stdin
            .write_all(format!("{answer}\r").as_bytes())
            .await
            .expect("answer");
    }
    stdout.read_to_end(&mut seen).await.expect("read the rest");
    let status = child.wait().await.expect("runs");
    (status, String::from_utf8_lossy(&seen).into_owned())
}
