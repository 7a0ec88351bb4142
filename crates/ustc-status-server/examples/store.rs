//! The server's store used as a library: a SQLite file in a temporary
//! directory, a CSV import as `ustc-status-server import` does it, then the
//! lookups the API answers.
//!
//! `cargo run -p ustc-status-server --example store`

use std::process::ExitCode;

use ustc_status_server::{Store, StoreOptions, parse_csv};

const CSV: &str = "gid,zjhm,ryzxztdm\n2200600958,P0529,10\nG2,U1,01\nG2,U2,11\n";

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}", dir.path().join("status.db").display());
    let store = Store::open(&url, &StoreOptions::default()).await?;
    store.replace_all(&parse_csv(CSV)?).await?;
    if let Some(record) = store.by_zjhm("P0529").await? {
        println!("P0529: gid {}, status {:?}", record.gid, record.ryzxztdm);
    }
    for record in store.by_gid("G2").await? {
        println!("G2: {} {:?}", record.zjhm, record.ryzxztdm);
    }
    store.close().await;
    Ok(())
}
