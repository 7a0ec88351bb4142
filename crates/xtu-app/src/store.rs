//! The on-disk session store: log in once, then every command reuses it.
//!
//! Layout under the state directory (`$XTU_STATE_DIR`, else
//! `$XDG_STATE_HOME/xtu`, else `~/.local/state/xtu`; on Windows
//! `%LOCALAPPDATA%\xtu`; mode 0700 on Unix, the user's profile ACL on Windows):
//! - `sessions/<user>.json` (0600): tokens and base URLs of one account;
//! - `guard/<user>.json` (0600): the lockout guard's memory of failed logins;
//! - `current`: which account commands use by default;
//! - `lock`: an advisory file lock serialising every read-modify-write, so
//!   two terminals (or an agent running commands in parallel) never corrupt
//!   the store or log in twice at once.
//!
//! Every write goes to a temporary file that is renamed over the old one: a
//! killed process leaves the old file or the new one, never half of either.
//! On Windows the rename also succeeds while another process has the old file
//! open (see `xtu_sso::private_file::write_private_atomically`).

use std::fs::{self, File, OpenOptions};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::Error;

/// A stored login.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct StoredSession {
    /// The SSO account.
    pub username: String,
    /// SSO token (compressed).
    pub sso_token: String,
    /// EMS token (compressed), once the academic system was entered.
    pub ems_token: Option<String>,
    /// The bases the tokens belong to: a session is only used against them.
    pub sso_base_url: String,
    /// See `sso_base_url`.
    pub ems_base_url: String,
}

impl std::fmt::Debug for StoredSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredSession")
            .field("username", &self.username)
            .field("sso_base_url", &self.sso_base_url)
            .field("ems_base_url", &self.ems_base_url)
            .finish_non_exhaustive()
    }
}

#[derive(Serialize, Deserialize)]
struct RememberedPassword {
    password: String,
}

/// Failed logins of one account, kept across runs.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Guard {
    /// Set after a bad-credentials answer: no automatic login until the user
    /// logs in by hand.
    pub auto_login_blocked: bool,
    /// Unix times (seconds) of failed manual logins.
    pub manual_failures: Vec<u64>,
}

/// Manual failures within this window count towards the `--force` rule.
pub const FAILURE_WINDOW_SECS: u64 = 24 * 60 * 60;
/// After this many failures in the window, `--force` is needed.
pub const MAX_MANUAL_FAILURES: usize = 3;

impl Guard {
    /// Errors within the last 24 hours.
    pub fn recent_failures(&self, now: u64) -> usize {
        self.manual_failures
            .iter()
            .filter(|t| now.saturating_sub(**t) < FAILURE_WINDOW_SECS)
            .count()
    }
}

/// Where the store lives: `$XTU_STATE_DIR`, else the platform's per-user
/// state directory ([`StoreDir::from_env`]). Naming it opens nothing, and a
/// machine without any of these is only an error for the actions that need
/// the store: commands given a token never touch the disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreDir(Option<PathBuf>);

/// What to set when no state directory can be found, in the error.
#[cfg(windows)]
const STATE_DIR_HINT: &str = "set XTU_STATE_DIR or LOCALAPPDATA";
#[cfg(not(windows))]
const STATE_DIR_HINT: &str = "set XTU_STATE_DIR or HOME";

impl StoreDir {
    /// A store in `path`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self(Some(path.into()))
    }

    /// The default state directory for this user, from the environment:
    /// `$XTU_STATE_DIR`, else on Windows `%LOCALAPPDATA%\xtu` (per user and
    /// machine, not roaming: a session belongs to one machine), elsewhere
    /// `$XDG_STATE_HOME/xtu`, else `~/.local/state/xtu`.
    pub fn from_env() -> Self {
        Self::from_vars(|name| std::env::var_os(name))
    }

    /// [`StoreDir::from_env`] over any source of variables (empty ones count
    /// as unset).
    fn from_vars(var: impl Fn(&str) -> Option<std::ffi::OsString>) -> Self {
        let var = |name| var(name).filter(|v| !v.is_empty()).map(PathBuf::from);
        let platform = if cfg!(windows) {
            var("LOCALAPPDATA").map(|local| local.join("xtu"))
        } else {
            var("XDG_STATE_HOME")
                .map(|state| state.join("xtu"))
                .or_else(|| var("HOME").map(|home| home.join(".local").join("state").join("xtu")))
        };
        Self(var("XTU_STATE_DIR").or(platform))
    }

    /// The directory, when there is one.
    pub fn path(&self) -> Result<&Path, Error> {
        self.0
            .as_deref()
            .ok_or_else(|| Error::Usage(format!("cannot find a state directory: {STATE_DIR_HINT}")))
    }

    /// Opens the store, creating its directories (mode 0700).
    pub fn open(&self) -> Result<Store, Error> {
        Store::open(self.path()?.to_path_buf())
    }
}

/// The store, opened on its directory.
#[derive(Debug, Clone)]
pub struct Store {
    dir: PathBuf,
}

/// Holds the store's lock until dropped.
#[derive(Debug)]
pub struct StoreLock {
    file: File,
}

impl Drop for StoreLock {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}

impl Store {
    /// Opens (creating with mode 0700) the store at `dir`.
    pub fn open(dir: PathBuf) -> Result<Self, Error> {
        for sub in ["", "sessions", "guard", "passwords", "grades", "watch"] {
            let path = dir.join(sub);
            create_private_dir(&path)?;
        }
        Ok(Self { dir })
    }

    /// Takes the store's exclusive lock (blocking until other `xtu` processes
    /// release it).
    pub fn lock(&self) -> Result<StoreLock, Error> {
        let path = self.dir.join("lock");
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(Error::io(format!("could not open {}", path.display())))?;
        file.lock()
            .map_err(Error::io(format!("could not lock {}", path.display())))?;
        Ok(StoreLock { file })
    }

    /// The stored session of `username`.
    pub fn load(&self, username: &str) -> Result<Option<StoredSession>, Error> {
        read_json(&self.session_path(username)?)
    }

    /// Saves a session (atomically, mode 0600) and makes it the current one.
    pub fn save(&self, session: &StoredSession) -> Result<(), Error> {
        write_json(&self.session_path(&session.username)?, session)?;
        write_private(&self.dir.join("current"), session.username.as_bytes())
    }

    /// Removes a stored session; true when there was one.
    pub fn remove(&self, username: &str) -> Result<bool, Error> {
        let path = self.session_path(username)?;
        let removed = match fs::remove_file(&path) {
            Ok(()) => true,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
            Err(e) => {
                return Err(Error::io(format!("could not remove {}", path.display()))(e));
            }
        };
        if self.current()?.as_deref() == Some(username) {
            let _ = fs::remove_file(self.dir.join("current"));
        }
        Ok(removed)
    }

    /// The account used when none is named.
    pub fn current(&self) -> Result<Option<String>, Error> {
        match fs::read_to_string(self.dir.join("current")) {
            Ok(name) if !name.trim().is_empty() => Ok(Some(name.trim().to_owned())),
            Ok(_) => Ok(None),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io("could not read the current account")(e)),
        }
    }

    /// The lockout guard of `username`.
    pub fn guard(&self, username: &str) -> Result<Guard, Error> {
        Ok(read_json(&self.guard_path(username)?)?.unwrap_or_default())
    }

    /// Saves the lockout guard of `username`.
    pub fn save_guard(&self, username: &str, guard: &Guard) -> Result<(), Error> {
        write_json(&self.guard_path(username)?, guard)
    }

    /// Keeps a password for automatic re-login (only with `--insecure-store`:
    /// a 0600 file in the 0700 state directory).
    pub fn save_password(&self, username: &str, password: &str) -> Result<(), Error> {
        write_json(
            &self.password_path(username)?,
            &RememberedPassword {
                password: password.to_owned(),
            },
        )
    }

    /// The remembered password, if any.
    pub fn load_password(&self, username: &str) -> Result<Option<String>, Error> {
        Ok(read_json::<RememberedPassword>(&self.password_path(username)?)?.map(|r| r.password))
    }

    /// Forgets a remembered password.
    pub fn remove_password(&self, username: &str) -> Result<(), Error> {
        let path = self.password_path(username)?;
        match fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(Error::io(format!("could not remove {}", path.display()))(e))
            }
            _ => Ok(()),
        }
    }

    /// The grades saved by the last `grades --watch-diff` of `username`.
    pub fn load_grades(&self, username: &str) -> Result<Option<Vec<xtu_model::Grade>>, Error> {
        read_json(&self.grades_path(username)?)
    }

    /// Saves the grades `grades --watch-diff` compares with next time.
    pub fn save_grades(&self, username: &str, grades: &[xtu_model::Grade]) -> Result<(), Error> {
        write_json(&self.grades_path(username)?, &grades)
    }

    fn grades_path(&self, username: &str) -> Result<PathBuf, Error> {
        Ok(self
            .dir
            .join("grades")
            .join(format!("{}.json", file_stem(username)?)))
    }

    /// What `consumer` (`watch`, `mcp`) of `username` has seen, saved by
    /// [`Self::save_watch_state`].
    pub fn load_watch_state<T: for<'de> Deserialize<'de>>(
        &self,
        username: &str,
        consumer: &str,
    ) -> Result<Option<T>, Error> {
        read_json(&self.watch_path(username, consumer)?)
    }

    /// Saves what a watcher has seen (atomically, mode 0600).
    pub fn save_watch_state(
        &self,
        username: &str,
        consumer: &str,
        state: &impl Serialize,
    ) -> Result<(), Error> {
        write_json(&self.watch_path(username, consumer)?, state)
    }

    fn watch_path(&self, username: &str, consumer: &str) -> Result<PathBuf, Error> {
        Ok(self.dir.join("watch").join(format!(
            "{}.{}.json",
            file_stem(username)?,
            file_stem(consumer)?
        )))
    }

    fn password_path(&self, username: &str) -> Result<PathBuf, Error> {
        Ok(self
            .dir
            .join("passwords")
            .join(format!("{}.json", file_stem(username)?)))
    }

    fn session_path(&self, username: &str) -> Result<PathBuf, Error> {
        Ok(self
            .dir
            .join("sessions")
            .join(format!("{}.json", file_stem(username)?)))
    }

    fn guard_path(&self, username: &str) -> Result<PathBuf, Error> {
        Ok(self
            .dir
            .join("guard")
            .join(format!("{}.json", file_stem(username)?)))
    }
}

/// Usernames become file names: only plain ones are accepted, so a name can
/// never reach outside the store.
fn file_stem(username: &str) -> Result<&str, Error> {
    let plain = !username.is_empty()
        && username.len() <= 64
        && username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '@'))
        && !username.starts_with('.');
    if plain {
        Ok(username)
    } else {
        Err(Error::Usage(format!(
            "invalid username {username:?}: expected letters, digits, '_', '-', '.' or '@'"
        )))
    }
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<Option<T>, Error> {
    match fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
            Error::Usage(format!(
                "{} is damaged ({e}); remove it (xtu logout) and log in again",
                path.display()
            ))
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(format!("could not read {}", path.display()))(e)),
    }
}

fn write_json(path: &Path, value: &impl Serialize) -> Result<(), Error> {
    let bytes = serde_json::to_vec_pretty(value)
        .map_err(|e| Error::Usage(format!("could not encode: {e}")))?;
    write_private(path, &bytes)
}

/// Writes `bytes` to `path` through a 0600 temporary file and a rename.
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    xtu_sso::private_file::write_private_atomically(path, bytes)
        .map_err(Error::io(format!("could not write {}", path.display())))
}

fn create_private_dir(path: &Path) -> Result<(), Error> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(0o700);
    }
    builder
        .create(path)
        .map_err(Error::io(format!("could not create {}", path.display())))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        // An existing directory keeps its mode through create(): tighten it.
        fs::set_permissions(path, fs::Permissions::from_mode(0o700))
            .map_err(Error::io(format!("could not secure {}", path.display())))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(user: &str) -> StoredSession {
        StoredSession {
            username: user.into(),
            sso_token: "sso-secret".into(),
            ems_token: Some("ems-secret".into()),
            sso_base_url: "http://sso".into(),
            ems_base_url: "http://ems".into(),
        }
    }

    #[test]
    fn saves_loads_and_removes_with_private_permissions() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path().join("state")).expect("open");
        store.save(&session("202205561111")).expect("save");
        assert_eq!(
            store.load("202205561111").expect("load"),
            Some(session("202205561111"))
        );
        assert_eq!(
            store.current().expect("current").as_deref(),
            Some("202205561111")
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = |p: &Path| fs::metadata(p).expect("stat").permissions().mode() & 0o777;
            assert_eq!(mode(&dir.path().join("state")), 0o700);
            assert_eq!(
                mode(&dir.path().join("state/sessions/202205561111.json")),
                0o600
            );
        }
        assert!(store.remove("202205561111").expect("remove"));
        assert_eq!(store.load("202205561111").expect("load"), None);
        assert_eq!(store.current().expect("current"), None);
    }

    #[test]
    fn refuses_usernames_that_are_not_file_names() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path().to_path_buf()).expect("open");
        for bad in ["", "../x", "a/b", ".hidden", "名字"] {
            assert!(store.load(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn debug_shows_no_tokens() {
        let debug = format!("{:?}", session("u"));
        assert!(!debug.contains("secret"), "{debug}");
    }

    #[test]
    fn guard_counts_only_the_last_day() {
        let guard = Guard {
            auto_login_blocked: false,
            manual_failures: vec![0, 100_000, 100_100],
        };
        assert_eq!(guard.recent_failures(100_200), 2);
    }

    #[test]
    fn the_state_directory_is_per_user_and_platform() {
        let vars = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(key, _)| *key == name)
                    .map(|(_, value)| std::ffi::OsString::from(value))
            }
        };
        let all: &[(&str, &str)] = &[
            ("HOME", "/home/s"),
            ("XDG_STATE_HOME", "/home/s/.state"),
            ("LOCALAPPDATA", r"C:\Users\s\AppData\Local"),
        ];
        let expected = if cfg!(windows) {
            Path::new(r"C:\Users\s\AppData\Local").join("xtu")
        } else {
            PathBuf::from("/home/s/.state/xtu")
        };
        let dir = StoreDir::from_vars(vars(all));
        assert_eq!(dir.path().expect("found"), expected);
        let chosen = StoreDir::from_vars(vars(&[("XTU_STATE_DIR", "/elsewhere"), ("HOME", "/h")]));
        assert_eq!(chosen.path().expect("found"), Path::new("/elsewhere"));
        let empty = StoreDir::from_vars(vars(&[("XTU_STATE_DIR", ""), ("LOCALAPPDATA", "")]));
        if cfg!(windows) {
            let error = empty.path().expect_err("nothing set").to_string();
            assert!(error.contains("LOCALAPPDATA"), "{error}");
        }
        #[cfg(not(windows))]
        {
            let home = StoreDir::from_vars(vars(&[("HOME", "/home/s")]));
            assert_eq!(
                home.path().expect("found"),
                Path::new("/home/s/.local/state/xtu")
            );
            let error = empty.path().expect_err("nothing set").to_string();
            assert!(error.contains("HOME"), "{error}");
        }
    }

    /// The cross-process tests run a second copy of this test binary as the
    /// other process: it runs the same test with `XTU_STORE_CHILD` set, does
    /// that role's part on `XTU_STORE_PATH`, prints [`READY`] and keeps its hold
    /// until its standard input closes (or, for `hold-briefly`, for 300 ms).
    const READY: &str = "other-process-ready";

    fn other_process(test: &str, role: &str, path: &Path) -> OtherProcess {
        use std::io::BufRead as _;
        use std::process::{Command, Stdio};
        let mut child = Command::new(std::env::current_exe().expect("own path"))
            .args([test, "--exact", "--nocapture", "--test-threads=1"])
            .env("XTU_STORE_CHILD", role)
            .env("XTU_STORE_PATH", path)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("a second process starts");
        let mut stdout = std::io::BufReader::new(child.stdout.take().expect("piped"));
        let mut line = String::new();
        // libtest prints the test's name on the same line first.
        while !line.trim_end().ends_with(READY) {
            line.clear();
            let read = stdout.read_line(&mut line).expect("read");
            assert!(read > 0, "the other process ended without its hold");
        }
        OtherProcess { child, stdout }
    }

    struct OtherProcess {
        child: std::process::Child,
        stdout: std::io::BufReader<std::process::ChildStdout>,
    }

    impl OtherProcess {
        /// Lets it go (its standard input closes) and waits for its success.
        fn finish(mut self) {
            use std::io::Read as _;
            drop(self.child.stdin.take());
            let mut rest = String::new();
            self.stdout.read_to_string(&mut rest).expect("read");
            let status = self.child.wait().expect("ends");
            assert!(status.success(), "the other process failed: {rest}");
        }
    }

    /// In the other process: takes the hold `role` names, then waits.
    fn child_part(role: &str) {
        use std::io::{Read as _, Write as _};
        let path = PathBuf::from(std::env::var_os("XTU_STORE_PATH").expect("path given"));
        let announce = || {
            println!("{READY}");
            std::io::stdout().flush().expect("flushed");
        };
        let wait_for_parent = || {
            let _ = std::io::stdin().read_to_end(&mut Vec::new());
        };
        match role {
            "lock" => {
                let _lock = Store::open(path).expect("open").lock().expect("locked");
                announce();
                wait_for_parent();
            }
            "hold" => {
                // Opened as any Rust program (or `type`) opens a file.
                let _file = File::open(&path).expect("opened");
                announce();
                wait_for_parent();
            }
            #[cfg(windows)]
            "hold-briefly" => {
                use std::os::windows::fs::OpenOptionsExt as _;
                const FILE_SHARE_READ: u32 = 1;
                // As a virus scanner does: others may read, not delete or rename.
                let _file = OpenOptions::new()
                    .read(true)
                    .share_mode(FILE_SHARE_READ)
                    .open(&path)
                    .expect("opened");
                announce();
                std::thread::sleep(std::time::Duration::from_millis(300));
            }
            other => panic!("unknown role {other}"),
        }
    }

    #[test]
    fn the_lock_excludes_another_process() {
        if let Ok(role) = std::env::var("XTU_STORE_CHILD") {
            return child_part(&role);
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path().to_path_buf()).expect("open");
        let child = other_process(
            "store::tests::the_lock_excludes_another_process",
            "lock",
            dir.path(),
        );
        let lock_file = File::options()
            .write(true)
            .open(dir.path().join("lock"))
            .expect("the lock file exists");
        assert!(
            matches!(lock_file.try_lock(), Err(fs::TryLockError::WouldBlock)),
            "held by the other process"
        );
        child.finish();
        drop(store.lock().expect("free once the other process ended"));
    }

    #[test]
    fn a_session_is_replaced_while_another_process_reads_it() {
        if let Ok(role) = std::env::var("XTU_STORE_CHILD") {
            return child_part(&role);
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path().to_path_buf()).expect("open");
        store.save(&session("202205561111")).expect("first save");
        let file = dir.path().join("sessions").join("202205561111.json");
        let test = "store::tests::a_session_is_replaced_while_another_process_reads_it";
        let mut roles = vec!["hold"];
        if cfg!(windows) {
            roles.push("hold-briefly");
        }
        for (n, role) in roles.into_iter().enumerate() {
            let child = other_process(test, role, &file);
            let mut renewed = session("202205561111");
            renewed.sso_token = format!("renewed-{n}");
            store.save(&renewed).expect("replaced while open");
            assert_eq!(store.load("202205561111").expect("load"), Some(renewed));
            child.finish();
        }
        let names: Vec<_> = fs::read_dir(dir.path().join("sessions"))
            .expect("listed")
            .map(|entry| entry.expect("entry").file_name())
            .collect();
        assert_eq!(names, ["202205561111.json"], "no temporary file left");
    }
}
