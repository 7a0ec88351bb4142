//! `xtu-sandbox`: a local fake of XTU (single sign-on + academic system)
//! with demo accounts, to try every `xtu` command without an XTU account,
//! optionally behind a flaky network; `xtu-sandbox tour` shows the main job
//! end to end on it. A binary of its own, so the shipped `xtu` carries no
//! fake server.

use std::net::SocketAddr;
use std::process::ExitCode;

use chrono::NaiveDate;
use clap::{Parser, Subcommand};
use xtu_fake::{Account, Behaviour, FakeXtu, FakeXtuBuilder, STALL};

/// Run a local fake of XTU (single sign-on + academic system) with demo
/// accounts, to try every xtu command without an XTU account.
///
/// Single sign-on listens on the given address, the academic system on the
/// next port. Point xtu at them with the printed variables. Its current term
/// is the one of today (Beijing time), so every command works on any date.
#[derive(Debug, Parser)]
#[command(
    name = "xtu-sandbox",
    version,
    after_help = "Examples:\n  xtu-sandbox tour                # log in to a fake XTU and show the main queries\n  \
    xtu-sandbox &\n  export XTU_SSO_BASE_URL=http://127.0.0.1:8700 XTU_EMS_BASE_URL=http://127.0.0.1:8701\n  \
    XTU_PASSWORD=sandbox xtu login --username 202205561111 && xtu rooms --now\n\n\
    A flaky network (20% of requests fail, repeatably):\n  xtu-sandbox --fail-rate 0.2 --seed 7"
)]
struct Args {
    #[command(subcommand)]
    command: Option<Tour>,
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
    /// Open the course evaluation (评教): three forms to fill (two teachers
    /// of one course among them, one template that refuses uniform
    /// answers); the grade page shows no grades until all are submitted.
    #[arg(long)]
    evaluations: bool,
}

#[derive(Debug, Subcommand)]
enum Tour {
    /// Start a fake XTU on free local ports, log in with the demo account
    /// and print the profile, the teaching calendar, free rooms and this
    /// week's classes, then stop. Nothing is left behind.
    Tour,
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
const DEMO_USER: &str = "202205561111";

fn with_accounts(mut builder: FakeXtuBuilder) -> FakeXtuBuilder {
    let accounts = [
        (DEMO_USER, Behaviour::Normal),
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
    ];
    for (username, behaviour) in accounts {
        builder = builder.account(Account::new(username, PASSWORD).with_behaviour(behaviour));
    }
    builder
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let today = args.today.unwrap_or_else(xtu_model::beijing_today);
    if let Some(Tour::Tour) = args.command {
        return match tour(today).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("xtu-sandbox tour: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let ems = SocketAddr::new(args.listen.ip(), args.listen.port().wrapping_add(1));
    let mut builder = with_accounts(FakeXtu::builder().listen(args.listen, ems).today(today));
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
    if args.evaluations {
        fake.open_evaluations();
    }
    eprintln!(
        "fake XTU running (Ctrl-C stops it). In another terminal:\n\n  \
         export XTU_SSO_BASE_URL={} XTU_EMS_BASE_URL={}\n  \
         XTU_PASSWORD={PASSWORD} xtu login --username {DEMO_USER}\n  \
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

/// Prints a command's JSON as `xtu` does (4-space indent).
fn show(title: &str, value: &impl serde::Serialize) -> Result<(), xtu_app::Error> {
    let mut json = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    value
        .serialize(&mut serde_json::Serializer::with_formatter(
            &mut json, formatter,
        ))
        .map_err(|e| xtu_app::Error::Usage(format!("could not write JSON: {e}")))?;
    println!("== {title}\n{}\n", String::from_utf8_lossy(&json));
    Ok(())
}

/// The main job end to end through the same library calls as `xtu`: log in
/// (RSA-encrypted password, CAS ticket, hand-off to the academic system),
/// then the seed's three queries and this week's classes on the stored
/// session.
async fn tour(today: NaiveDate) -> Result<(), xtu_app::Error> {
    use xtu_app::{Config, LoginOptions, RoomQuery, RoomTime, StoreDir, Vault, Xtu};
    let fake = with_accounts(FakeXtu::builder().today(today))
        .try_start()
        .await
        .map_err(xtu_app::Error::io(
            "could not start the fake XTU on 127.0.0.1",
        ))?;
    let state =
        tempfile::tempdir().map_err(xtu_app::Error::io("could not create a state directory"))?;
    let xtu = Xtu::new(
        Config {
            sso_base_url: fake.sso_base_url().to_owned(),
            ems_base_url: fake.ems_base_url().to_owned(),
            ..Config::default()
        },
        StoreDir::new(state.path()),
        Vault::none(),
    );
    println!(
        "fake XTU on {} (single sign-on) and {} (academic system), today {today}\n",
        fake.sso_base_url(),
        fake.ems_base_url()
    );
    xtu.login(DEMO_USER, PASSWORD, LoginOptions::default(), &mut |_| None)
        .await?;
    println!("== xtu login --username {DEMO_USER}\nlogged in; the session is stored\n");
    let profile = xtu
        .query(None, |ems| async move { ems.student_profile().await })
        .await?;
    show("xtu student-info", &profile)?;
    let calendar = xtu
        .query(None, |ems| async move { ems.teaching_calendar().await })
        .await?;
    show("xtu teaching-calendar", &calendar)?;
    // Mid-morning today: a time inside the teaching day whatever the clock says.
    let at = today
        .and_hms_opt(10, 0, 0)
        .unwrap_or_else(|| unreachable!("10:00 is a valid time"));
    let rooms = xtu
        .free_rooms(&RoomQuery::new(RoomTime::At(at)), None)
        .await?;
    let names: Vec<String> = rooms
        .rooms
        .iter()
        .map(|room| match room.seats {
            Some(seats) => format!("{} ({seats} seats)", room.name),
            None => room.name.clone(),
        })
        .collect();
    println!(
        "== xtu rooms --at \"{}\"\n{}\n{}\n",
        at.format("%Y-%m-%d %H:%M"),
        rooms.plan.describe(),
        names.join("\n")
    );
    // The calendar's term: the sandbox's "today" may not be the machine's.
    let term = calendar.term().map_or_else(
        || xtu_app::term_or_current(None, None),
        |term| xtu_app::term_or_current(Some(term.start_year), Some(term.term)),
    )?;
    let timetable = xtu
        .query(None, |ems| async move { ems.timetable(term).await })
        .await?;
    println!("== xtu timetable\n{}", timetable.term);
    for course in &timetable.courses {
        let room = if course.location.is_empty() {
            "no room"
        } else {
            &course.location
        };
        println!(
            "  day {} sections {}: {} ({room}, weeks {})",
            course.day_of_week,
            xtu_app::section_text(&course.sections),
            course.name,
            course.weeks_text
        );
    }
    println!(
        "\nThat was xtu's library against a local fake. With xtu on the PATH, try the same by hand:\n  \
         xtu-sandbox &   (then the commands it prints)"
    );
    Ok(())
}
