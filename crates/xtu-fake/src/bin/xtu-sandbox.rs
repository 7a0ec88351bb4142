//! `xtu-sandbox`: a local fake of XTU (single sign-on + academic system)
//! with demo accounts, to try every `xtu` command without an XTU account,
//! and optionally a flaky network in front of it.

use std::net::SocketAddr;
use std::process::ExitCode;

use chrono::{FixedOffset, NaiveDate, Utc};
use clap::Parser;
use xtu_fake::{Account, Behaviour, FakeXtu, STALL};

/// Run a local fake of XTU (single sign-on + academic system) with demo
/// accounts, to try every xtu command without an XTU account.
///
/// Single sign-on listens on the given address, the academic system on the
/// next port. Point xtu at them with the printed variables.
#[derive(Debug, Parser)]
#[command(
    name = "xtu-sandbox",
    version,
    after_help = "Example:\n  xtu-sandbox &\n  export XTU_SSO_BASE_URL=http://127.0.0.1:8700 XTU_EMS_BASE_URL=http://127.0.0.1:8701\n  \
    XTU_PASSWORD=sandbox xtu login --username 202205561111 && xtu rooms --now\n\n\
    A flaky network (20% of requests fail, repeatably):\n  xtu-sandbox --fail-rate 0.2 --seed 7"
)]
struct Args {
    /// Address of the single sign-on listener.
    #[arg(long, default_value = "127.0.0.1:8700")]
    listen: SocketAddr,
    /// Share of requests that fail, from 0 to 1: half of them a 502 from a
    /// gateway, half a 2-second stall and then a dropped connection.
    #[arg(long, default_value_t = 0.0, value_parser = parse_rate, value_name = "0..1")]
    fail_rate: f64,
    /// Seed of the failures, to repeat a run (default: random).
    #[arg(long)]
    seed: Option<u64>,
    /// The day whose term the sandbox serves as current (default: today in
    /// Beijing), as YYYY-MM-DD.
    #[arg(long, value_name = "DATE")]
    today: Option<NaiveDate>,
}

fn parse_rate(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(rate) if (0.0..=1.0).contains(&rate) => Ok(rate),
        _ => Err(format!(
            "invalid rate {text:?}: expected a number from 0 to 1, e.g. 0.2"
        )),
    }
}

/// Demo accounts: one that works, and one per failure the login can meet,
/// so every exit code can be tried.
const PASSWORD: &str = "sandbox";

fn accounts() -> [(&'static str, Behaviour); 5] {
    [
        ("202205561111", Behaviour::Normal),
        (
            "locked",
            Behaviour::Locked {
                message: "密码错误次数过多，账号已锁定".into(),
                unlock_at: Some("2099-01-01 00:00:00".into()),
            },
        ),
        (
            "captcha",
            Behaviour::CaptchaRequired {
                answer: "xtu1".into(),
            },
        ),
        ("disabled", Behaviour::Disabled),
        ("change-password", Behaviour::MustChangePassword),
    ]
}

/// XTU keeps Beijing time whatever the machine's zone.
fn beijing_today() -> NaiveDate {
    let offset = FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| unreachable!("+08:00 is valid"));
    Utc::now().with_timezone(&offset).date_naive()
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let ems = SocketAddr::new(args.listen.ip(), args.listen.port().wrapping_add(1));
    let mut builder = FakeXtu::builder()
        .listen(args.listen, ems)
        .today(args.today.unwrap_or_else(beijing_today));
    for (username, behaviour) in accounts() {
        builder = builder.account(Account::new(username, PASSWORD).with_behaviour(behaviour));
    }
    if args.fail_rate > 0.0 {
        let seed = args.seed.unwrap_or_else(rand::random);
        builder = builder.fail_rate(args.fail_rate, seed);
        eprintln!(
            "flaky network: {:.0}% of requests fail (half 502, half a {} s stall then a reset), seed {seed}",
            args.fail_rate * 100.0,
            STALL.as_secs()
        );
    }
    let fake = match builder.try_start().await {
        Ok(fake) => fake,
        Err(e) => {
            eprintln!(
                "xtu-sandbox: could not listen on {} and {ems}: {e}",
                args.listen
            );
            return ExitCode::FAILURE;
        }
    };
    eprintln!(
        "fake XTU running (Ctrl-C stops it). In another terminal:\n\n  \
         export XTU_SSO_BASE_URL={} XTU_EMS_BASE_URL={}\n  \
         XTU_PASSWORD={PASSWORD} xtu login --username 202205561111\n  \
         xtu student-info\n\n\
         other accounts (password {PASSWORD}): locked, captcha (answer xtu1), disabled, change-password",
        fake.sso_base_url(),
        fake.ems_base_url()
    );
    tokio::select! {
        () = fake.wait() => ExitCode::SUCCESS,
        _ = tokio::signal::ctrl_c() => ExitCode::SUCCESS,
    }
}
