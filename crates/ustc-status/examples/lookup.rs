//! Asks a status API for one identity number and prints the person's status.
//!
//! ```sh
//! USTC_STATUS_TOKEN=... cargo run -p ustc-status --example lookup -- http://127.0.0.1:8000/ P0529
//! ```
//! (`ustc-status-server` serves the API locally; see its README.)

use std::process::ExitCode;

use ustc_status::{Client, Error, Token};

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [base_url, zjhm] = args.as_slice() else {
        eprintln!("usage: USTC_STATUS_TOKEN=... lookup <base url> <zjhm>");
        return ExitCode::from(2);
    };
    let token = Token::new(&std::env::var("USTC_STATUS_TOKEN").unwrap_or_default());
    let client = match Client::builder().base_url(base_url).token(token).build() {
        Ok(client) => client,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    match client.by_zjhm(zjhm).await {
        Ok(status) => {
            let code = status.ryzxztdm.as_deref().unwrap_or("(none)");
            println!("{} {} {code}", status.gid, status.zjhm);
            ExitCode::SUCCESS
        }
        Err(e @ Error::NotFound { .. }) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
