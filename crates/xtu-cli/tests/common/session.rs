//! A logged-in state directory over a fake, for tests that run several
//! commands on one stored session.

use serde_json::Value;
use xtu_fake::FakeXtu;

use super::{PASSWORD, Run, xtu};

pub struct Session {
    pub fake: FakeXtu,
    pub dir: tempfile::TempDir,
}

impl Session {
    /// `xtu login --username username` (password [`PASSWORD`]) on `fake`,
    /// in a fresh state directory.
    pub async fn login(fake: FakeXtu, username: &str) -> Self {
        let session = Self {
            fake,
            dir: tempfile::tempdir().expect("tempdir"),
        };
        let login = session
            .run_with(&["login", "--username", username], Some(PASSWORD))
            .await;
        assert_eq!(login.code, 0, "{login:#?}");
        session
    }

    pub async fn run_with(&self, args: &[&str], password: Option<&str>) -> Run {
        let dir = self.dir.path().to_string_lossy().into_owned();
        let mut env = vec![("XTU_STATE_DIR", dir.as_str())];
        if let Some(password) = password {
            env.push(("XTU_PASSWORD", password));
        }
        xtu(&self.fake, args, &env, None).await
    }

    pub async fn run(&self, args: &[&str]) -> Run {
        self.run_with(args, None).await
    }

    /// Runs a command that must succeed and print JSON.
    pub async fn json(&self, args: &[&str]) -> Value {
        let run = self.run(args).await;
        serde_json::from_str(run.ok()).unwrap_or_else(|e| panic!("{e}: {run:#?}"))
    }
}
