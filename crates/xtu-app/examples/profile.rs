//! Logs in once, then asks for the profile through the stored session: what
//! `xtu login` and `xtu info` do. Against the local fake XTU:
//!
//! ```sh
//! cargo run -p xtu-sandbox -- --listen 127.0.0.1:18000   # prints the two base URLs
//! XTU_SSO_BASE_URL=http://127.0.0.1:18000 XTU_EMS_BASE_URL=http://127.0.0.1:18001 \
//!   XTU_PASSWORD=sandbox cargo run -p xtu-app --example profile -- 202205561111
//! ```
//!
//! The session is stored in a temporary directory, removed at the end.

use std::process::ExitCode;
use std::time::Duration;

use xtu_app::{Config, LoginOptions, StoreDir, Vault, Xtu};

#[tokio::main]
async fn main() -> ExitCode {
    let (Some(user), Ok(password)) = (std::env::args().nth(1), std::env::var("XTU_PASSWORD"))
    else {
        eprintln!("usage: XTU_PASSWORD=... profile <username>");
        return ExitCode::from(2);
    };
    let state = match tempfile::tempdir() {
        Ok(dir) => dir,
        Err(e) => {
            eprintln!("error: could not create a state directory: {e}");
            return ExitCode::from(12);
        }
    };
    let defaults = Config::default();
    let config = Config {
        sso_base_url: std::env::var("XTU_SSO_BASE_URL").unwrap_or(defaults.sso_base_url),
        ems_base_url: std::env::var("XTU_EMS_BASE_URL").unwrap_or(defaults.ems_base_url),
        timeout: Duration::from_secs(10),
        ..defaults
    };
    let xtu = Xtu::new(config, StoreDir::new(state.path()), Vault::none());
    // No captcha answers here: a login that needs one fails with exit code 5.
    let result = async {
        xtu.login(&user, &password, LoginOptions::default(), &mut |_| None)
            .await?;
        xtu.query(None, |ems| async move { ems.student_profile().await })
            .await
    }
    .await;
    match result {
        Ok(profile) => {
            println!(
                "{} {} ({})",
                profile.student_id, profile.name, profile.major
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code() as u8)
        }
    }
}
