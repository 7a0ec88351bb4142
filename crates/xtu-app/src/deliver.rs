//! Where a watcher's events go besides standard output: a command, a
//! webhook, the desktop's notifications. A channel that fails leaves the
//! event unrecorded, so the next check delivers it again.

use std::fmt;
use std::process::Stdio;
use std::time::Duration;

use retry_policy::{Decision, Policy};
use tokio::io::AsyncWriteExt as _;
use url::Url;

use crate::error::Error;
use crate::watch::Event;

/// How long a `--exec` command may run for one event.
const EXEC_TIMEOUT: Duration = Duration::from_secs(60);
/// A webhook's tries within one check (then the next check tries again):
/// four in all, after 1, 2 and 4 s, each plus up to half.
const WEBHOOK: Policy = Policy::tries(4, Duration::from_secs(1)).jittered();
/// Each webhook request's timeout.
const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(20);

/// A webhook endpoint. Its credentials (user info, query) never reach
/// Debug output or errors.
#[derive(Clone)]
pub struct Webhook {
    url: Url,
    ntfy: bool,
}

impl fmt::Debug for Webhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Webhook")
            .field("url", &self.shown())
            .field("ntfy", &self.ntfy)
            .finish()
    }
}

impl Webhook {
    /// An http(s) URL. A host named `ntfy.sh` or `ntfy.*` is an ntfy topic
    /// URL (the summary as the message, a `Title` and the event's id as a
    /// header); any other gets the event as a JSON POST.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let url = Url::parse(text).map_err(|e| {
            Error::Usage(format!(
                "invalid --webhook URL: {e} (expected http:// or https://)"
            ))
        })?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(Error::Usage(
                "invalid --webhook URL: expected http:// or https:// with a host".into(),
            ));
        }
        let host = url.host_str().unwrap_or_default();
        let ntfy = host == "ntfy.sh" || host.starts_with("ntfy.");
        Ok(Self { url, ntfy })
    }

    /// The URL without its credentials, for messages.
    pub fn shown(&self) -> String {
        xtu_sso::http::redact_url(&self.url)
    }

    async fn post_once(&self, client: &reqwest::Client, event: &Event) -> Result<(), Attempt> {
        let mut url = self.url.clone();
        let user = url.username().to_owned();
        let password = url.password().map(str::to_owned);
        // Credentials go in a header, never in the URL a log could show.
        let _ = url.set_username("");
        let _ = url.set_password(None);
        let mut request = client.post(url).header("X-Xtu-Event-Id", &event.id);
        if !user.is_empty() {
            request = request.basic_auth(user, password);
        }
        request = if self.ntfy {
            request
                .header("Title", format!("xtu: {} {}", event.kind, event.change))
                .header("Tags", "mortar_board")
                .body(event.summary())
        } else {
            request.json(event)
        };
        match request.send().await {
            Ok(response) if response.status().is_success() => Ok(()),
            Ok(response) => {
                let status = response.status();
                let retry = status.is_server_error() || status.as_u16() == 429;
                Err(Attempt {
                    retry,
                    message: format!("{} answered HTTP {}", self.shown(), status.as_u16()),
                })
            }
            Err(error) => Err(Attempt {
                retry: true,
                // reqwest's message may hold the URL: name the redacted one.
                message: format!(
                    "{} could not be reached ({})",
                    self.shown(),
                    if error.is_timeout() {
                        "timed out"
                    } else if error.is_connect() {
                        "connection failed"
                    } else {
                        "request failed"
                    }
                ),
            }),
        }
    }

    /// Posts `event`, retried with backoff on a network failure, a 5xx or a 429.
    async fn post(&self, client: &reqwest::Client, event: &Event) -> Result<(), String> {
        WEBHOOK
            .run(
                |_| async {
                    let sent = self.post_once(client, event).await;
                    if let Err(failed) = &sent {
                        tracing::info!("{}", failed.message);
                    }
                    sent
                },
                |failed| {
                    if failed.retry {
                        Decision::Retry
                    } else {
                        Decision::Stop
                    }
                },
            )
            .await
            .map_err(|failed| failed.message)
    }
}

struct Attempt {
    retry: bool,
    message: String,
}

/// The desktop's notifier, found on this machine.
#[derive(Debug, Clone)]
pub struct Desktop {
    program: &'static str,
}

impl Desktop {
    /// The platform's notifier: `notify-send` (libnotify) on Linux and the
    /// BSDs, `osascript` on macOS, PowerShell's toast on Windows; a usage
    /// error naming what to install where there is none.
    pub fn detect() -> Result<Self, Error> {
        let program = if cfg!(windows) {
            "powershell"
        } else if cfg!(target_os = "macos") {
            "osascript"
        } else {
            "notify-send"
        };
        if find_on_path(program) {
            Ok(Self { program })
        } else {
            Err(Error::Usage(format!(
                "--desktop needs {program} on PATH{}",
                if program == "notify-send" {
                    " (libnotify: e.g. apt install libnotify-bin)"
                } else {
                    ""
                }
            )))
        }
    }

    async fn notify(&self, event: &Event) -> Result<(), String> {
        let title = format!("xtu: {} {}", event.kind, event.change);
        let body = event.summary();
        let mut command = tokio::process::Command::new(self.program);
        match self.program {
            "osascript" => {
                // AppleScript strings: the texts go in as arguments, never
                // spliced into the script.
                command.args([
                    "-e",
                    "on run argv\ndisplay notification (item 2 of argv) with title (item 1 of argv)\nend run",
                    &title,
                    &body,
                ]);
            }
            "powershell" => {
                command
                    .args(["-NoProfile", "-NonInteractive", "-Command", WINDOWS_TOAST])
                    .env("XTU_TOAST_TITLE", &title)
                    .env("XTU_TOAST_BODY", &body);
            }
            _ => {
                command.args(["--app-name=xtu", &title, &body]);
            }
        }
        let status = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .status();
        match tokio::time::timeout(EXEC_TIMEOUT, status).await {
            Ok(Ok(status)) if status.success() => Ok(()),
            Ok(Ok(status)) => Err(format!("{} failed ({status})", self.program)),
            Ok(Err(e)) => Err(format!("{} could not start: {e}", self.program)),
            Err(_) => Err(format!("{} did not finish in time", self.program)),
        }
    }
}

/// A Windows toast through the WinRT API PowerShell can reach, the texts
/// taken from the environment (never spliced into the script).
const WINDOWS_TOAST: &str = "\
[Windows.UI.Notifications.ToastNotificationManager, Windows.UI.Notifications, ContentType = WindowsRuntime] > $null;\
$x = [Windows.UI.Notifications.ToastNotificationManager]::GetTemplateContent([Windows.UI.Notifications.ToastTemplateType]::ToastText02);\
$t = $x.GetElementsByTagName('text');\
$t.Item(0).AppendChild($x.CreateTextNode($env:XTU_TOAST_TITLE)) > $null;\
$t.Item(1).AppendChild($x.CreateTextNode($env:XTU_TOAST_BODY)) > $null;\
[Windows.UI.Notifications.ToastNotificationManager]::CreateToastNotifier('xtu').Show([Windows.UI.Notifications.ToastNotification]::new($x))";

fn find_on_path(program: &str) -> bool {
    let Some(path) = std::env::var_os("PATH") else {
        return false;
    };
    let names: Vec<String> = if cfg!(windows) {
        vec![format!("{program}.exe"), program.to_owned()]
    } else {
        vec![program.to_owned()]
    };
    std::env::split_paths(&path).any(|dir| names.iter().any(|name| dir.join(name).is_file()))
}

/// The channels besides standard output.
#[derive(Debug, Clone, Default)]
pub struct Delivery {
    /// A shell command run once per event: the event as JSON on its
    /// standard input and in `XTU_EVENT_JSON`, with `XTU_EVENT_ID`,
    /// `XTU_EVENT_KIND`, `XTU_EVENT_CHANGE` and `XTU_EVENT_SUMMARY`.
    pub exec: Option<String>,
    /// A webhook.
    pub webhook: Option<Webhook>,
    /// The desktop's notifications.
    pub desktop: Option<Desktop>,
}

impl Delivery {
    /// Delivers `event` on every channel; the failures, named (an event is
    /// delivered only when the list is empty).
    pub async fn deliver(&self, event: &Event) -> Vec<String> {
        let mut failures = Vec::new();
        if let Some(command) = &self.exec
            && let Err(e) = run_exec(command, event).await
        {
            failures.push(e);
        }
        if let Some(webhook) = &self.webhook {
            let client = webhook_client();
            let result = match client {
                Ok(client) => webhook.post(&client, event).await,
                Err(e) => Err(e),
            };
            if let Err(e) = result {
                failures.push(format!("webhook: {e}"));
            }
        }
        if let Some(desktop) = &self.desktop
            && let Err(e) = desktop.notify(event).await
        {
            failures.push(format!("desktop notification: {e}"));
        }
        failures
    }
}

fn webhook_client() -> Result<reqwest::Client, String> {
    xtu_sso::http::install_crypto_provider();
    reqwest::Client::builder()
        .timeout(WEBHOOK_TIMEOUT)
        .user_agent(concat!("xtu/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|_| "the HTTP client could not be set up".to_owned())
}

async fn run_exec(command: &str, event: &Event) -> Result<(), String> {
    let json = serde_json::to_string(event).map_err(|e| format!("--exec: {e}"))?;
    let mut process = if cfg!(windows) {
        let mut process = tokio::process::Command::new("cmd");
        process.args(["/C", command]);
        process
    } else {
        let mut process = tokio::process::Command::new("sh");
        process.args(["-c", command]);
        process
    };
    process
        .env("XTU_EVENT_ID", &event.id)
        .env("XTU_EVENT_KIND", &event.kind)
        .env("XTU_EVENT_CHANGE", &event.change)
        .env("XTU_EVENT_SUMMARY", event.summary())
        .env("XTU_EVENT_JSON", &json)
        .stdin(Stdio::piped())
        // The command's output is its own; ours stays one JSON line per event.
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true);
    let mut child = process
        .spawn()
        .map_err(|e| format!("--exec could not start: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        // A command that does not read its input is fine.
        let _ = stdin.write_all(format!("{json}\n").as_bytes()).await;
    }
    match tokio::time::timeout(EXEC_TIMEOUT, child.wait()).await {
        Ok(Ok(status)) if status.success() => Ok(()),
        Ok(Ok(status)) => Err(format!("--exec command failed ({status})")),
        Ok(Err(e)) => Err(format!("--exec command: {e}")),
        Err(_) => Err(format!(
            "--exec command did not finish within {} s",
            EXEC_TIMEOUT.as_secs()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One HTTP request read off a loopback socket and answered 200: its
    /// head and body as text.
    async fn receive_one(listener: tokio::net::TcpListener) -> String {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let (mut socket, _) = listener.accept().await.expect("accept");
        let mut seen = Vec::new();
        let mut buffer = [0u8; 4096];
        loop {
            let n = socket.read(&mut buffer).await.expect("read");
            seen.extend_from_slice(&buffer[..n]);
            let text = String::from_utf8_lossy(&seen).into_owned();
            if let Some((head, body)) = text.split_once("\r\n\r\n") {
                let length = head
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length: ")
                            .map(str::to_owned)
                    })
                    .and_then(|v| v.trim().parse::<usize>().ok())
                    .unwrap_or(0);
                if body.len() >= length || n == 0 {
                    break;
                }
            }
        }
        socket
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
            .await
            .expect("answer");
        String::from_utf8_lossy(&seen).into_owned()
    }

    #[tokio::test]
    async fn an_ntfy_topic_gets_the_summary_and_a_title() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let server = tokio::spawn(receive_one(listener));
        let hook = Webhook {
            url: Url::parse(&format!("http://{addr}/my-grades")).expect("url"),
            ntfy: true,
        };
        let event = Event {
            kind: "grade".into(),
            change: "new".into(),
            item: serde_json::json!({"course": "高等数学", "score": "92", "term": "2024-2025-1"}),
            before: None,
            id: "abc123".into(),
            key: "2024-2025-1/0711001".into(),
        };
        let client = webhook_client().expect("client");
        hook.post(&client, &event).await.expect("delivered");
        let request = server.await.expect("served");
        let lower = request.to_lowercase();
        assert!(request.starts_with("POST /my-grades "), "{request}");
        assert!(lower.contains("\r\ntitle: xtu: grade new\r\n"), "{request}");
        assert!(
            lower.contains("\r\nx-xtu-event-id: abc123\r\n"),
            "{request}"
        );
        assert!(
            request.ends_with("\r\n\r\ngrade new: 高等数学 92 (2024-2025-1)"),
            "{request}"
        );
    }

    #[test]
    fn webhook_credentials_are_never_shown() {
        let hook = Webhook::parse("https://bob:s3cret@hooks.example/x?token=t0k").expect("valid");
        assert_eq!(hook.shown(), "https://hooks.example/x");
        let debug = format!("{hook:?}");
        assert!(
            !debug.contains("s3cret") && !debug.contains("t0k"),
            "{debug}"
        );
        assert!(!hook.ntfy);
        assert!(
            Webhook::parse("https://ntfy.sh/my-grades")
                .expect("valid")
                .ntfy
        );
        assert!(Webhook::parse("ftp://x/y").is_err());
        assert!(Webhook::parse("not a url").is_err());
    }
}
