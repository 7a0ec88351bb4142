//! `xtu-sandbox`: a local fake of XTU (single sign-on + academic system)
//! with demo accounts, to try every `xtu` command without an XTU account,
//! optionally behind a flaky network; `xtu-sandbox tour` shows the main job
//! end to end on it. A binary of its own, so the shipped `xtu` carries no
//! fake server.

use std::net::SocketAddr;
use std::process::ExitCode;

use chrono::NaiveDate;
use clap::{Parser, Subcommand};
use xtu_cli::tables;
use xtu_fake::{Account, Behaviour, FakeXtu, FakeXtuBuilder, STALL};
use xtu_model::TeachingCalendar;

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
    #[arg(long, value_name = "DATE", value_parser = parse_day)]
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
    /// and print what xtu prints for the profile, the teaching calendar,
    /// free rooms and this week's classes, then stop. Nothing is left
    /// behind.
    Tour,
}

/// A day as YYYY-MM-DD; a date that is not on the calendar is named with
/// why (chrono alone says only "input is out of range").
fn parse_day(text: &str) -> Result<NaiveDate, String> {
    let text = text.trim();
    let fields: Vec<Option<u32>> = text.split('-').map(|f| f.parse().ok()).collect();
    let [Some(year), Some(month), Some(day)] = fields[..] else {
        return Err(format!(
            "invalid date {text:?}: expected YYYY-MM-DD, e.g. 2027-04-15"
        ));
    };
    let year = i32::try_from(year).map_err(|_| format!("invalid date {text:?}: no year {year}"))?;
    if !(1..=12).contains(&month) {
        return Err(format!(
            "invalid date {text:?}: there is no month {month} (months run 1-12)"
        ));
    }
    NaiveDate::from_ymd_opt(year, month, day).ok_or_else(|| {
        let days = NaiveDate::from_ymd_opt(year, month, 1)
            .and_then(|first| first.checked_add_months(chrono::Months::new(1)))
            .and_then(|next| next.pred_opt())
            .map(|last| chrono::Datelike::day(&last));
        match days {
            Some(days) => {
                format!("invalid date {text:?}: {year}-{month:02} has {days} days, not {day}")
            }
            None => format!("invalid date {text:?}: outside the calendar chrono knows"),
        }
    })
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
/// A graduate student: the portal lists the graduate system, jwglxt does
/// not know the account.
const GRADUATE_USER: &str = "202405561111";

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
    builder.account(Account::new(GRADUATE_USER, PASSWORD).graduate())
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
    let grad = SocketAddr::new(args.listen.ip(), args.listen.port().wrapping_add(2));
    let mut builder = with_accounts(
        FakeXtu::builder()
            .listen(args.listen, ems)
            .listen_grad(grad)
            .today(today),
    );
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
                "xtu-sandbox: could not listen on {}, {ems} and {grad}: {e}",
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
         export XTU_SSO_BASE_URL={} XTU_EMS_BASE_URL={} XTU_GRAD_BASE_URL={}\n  \
         XTU_PASSWORD={PASSWORD} xtu login --username {DEMO_USER}\n  \
         xtu student-info\n\n\
         a graduate student (password {PASSWORD}): {GRADUATE_USER}, for xtu grad timetable\n\
         other accounts (password {PASSWORD}): locked, captcha (answer xtu1), disabled, change-password\n\n\
         publish a grade while it runs, then `xtu watch` reports it:\n  \
         curl -X POST {}/_admin/grades -d '{{\"kcmc\": \"新课程\", \"kch_id\": \"9990001\", \"cj\": \"95\", \"xnm\": \"2024\", \"xqm\": \"12\"}}'\n\
         (also /_admin/exams and /_admin/notices, in the site's JSON fields)",
        fake.sso_base_url(),
        fake.ems_base_url(),
        fake.grad_base_url(),
        fake.ems_base_url()
    );
    tokio::select! {
        () = fake.wait() => ExitCode::SUCCESS,
        _ = tokio::signal::ctrl_c() => ExitCode::SUCCESS,
    }
}

/// The tour: a fake XTU, a logged-in `Xtu` on a throwaway state directory,
/// and the day the fake takes for today. Each section is one method that
/// prints what its `xtu` command prints on a terminal, with xtu's own table
/// printers; a new section is one more call in [`tour`].
struct TourRun {
    fake: FakeXtu,
    xtu: xtu_app::Xtu,
    today: NaiveDate,
    /// Removed when the tour ends: nothing is left behind.
    _state: tempfile::TempDir,
}

impl TourRun {
    async fn start(today: NaiveDate) -> Result<Self, xtu_app::Error> {
        use xtu_app::{Config, StoreDir, Vault, Xtu};
        let fake = with_accounts(FakeXtu::builder().today(today))
            .try_start()
            .await
            .map_err(xtu_app::Error::io(
                "could not start the fake XTU on 127.0.0.1",
            ))?;
        let state = tempfile::tempdir()
            .map_err(xtu_app::Error::io("could not create a state directory"))?;
        let xtu = Xtu::new(
            Config {
                sso_base_url: fake.sso_base_url().to_owned(),
                ems_base_url: fake.ems_base_url().to_owned(),
                grad_base_url: fake.grad_base_url().to_owned(),
                ..Config::default()
            },
            StoreDir::new(state.path()),
            Vault::none(),
        );
        Ok(Self {
            fake,
            xtu,
            today,
            _state: state,
        })
    }

    /// One section: the command as a user types it, then what it prints.
    fn show(command: &str, printed: &str) {
        println!("== {command}\n{printed}");
    }

    /// `xtu login`: RSA-encrypted password, CAS ticket, hand-off to the
    /// academic system; the session is stored for the sections after it.
    async fn login(&self) -> Result<(), xtu_app::Error> {
        self.xtu
            .login(
                DEMO_USER,
                PASSWORD,
                xtu_app::LoginOptions::default(),
                &mut |_| None,
            )
            .await?;
        Self::show(
            &format!("xtu login --username {DEMO_USER}"),
            &format!("logged in as {DEMO_USER}\n"),
        );
        Ok(())
    }

    async fn profile(&self) -> Result<(), xtu_app::Error> {
        let profile = self
            .xtu
            .query(None, |ems| async move { ems.student_profile().await })
            .await?;
        Self::show("xtu info", &tables::profile(&profile));
        Ok(())
    }

    async fn calendar(&self) -> Result<TeachingCalendar, xtu_app::Error> {
        let calendar = self
            .xtu
            .query(None, |ems| async move { ems.teaching_calendar().await })
            .await?;
        Self::show("xtu calendar", &tables::calendar(&calendar));
        Ok(calendar)
    }

    /// Free rooms at mid-morning of the tour's day: inside the teaching day
    /// whatever the clock says.
    async fn free_rooms(&self) -> Result<(), xtu_app::Error> {
        use xtu_app::{RoomQuery, RoomTime};
        let at = self
            .today
            .and_hms_opt(10, 0, 0)
            .unwrap_or_else(|| unreachable!("10:00 is a valid time"));
        let found = self
            .xtu
            .free_rooms(&RoomQuery::new(RoomTime::At(at)), None)
            .await?;
        Self::show(
            &format!("xtu rooms --at \"{}\"", at.format("%Y-%m-%d %H:%M")),
            &format!(
                "free rooms: {}\n{}",
                found.plan.describe(),
                tables::rooms(&found.rooms)
            ),
        );
        Ok(())
    }

    /// This teaching week's classes as the week grid (the site's current
    /// term); outside the term's weeks,
    /// the whole term, said so.
    async fn this_week(&self, calendar: &TeachingCalendar) -> Result<(), xtu_app::Error> {
        // The site's current term (the tour's day need not be the machine's).
        let timetable = self
            .xtu
            .timetable(xtu_app::TermAsked::Current, None)
            .await?
            .answer;
        match calendar.week_of(self.today) {
            Some(_) => {
                let view = xtu_app::week_view(&timetable, calendar, None, self.today)?;
                Self::show(
                    "xtu timetable --week",
                    &tables::week_grid(&view, tables::grid_width()),
                );
            }
            None => Self::show(
                "xtu timetable",
                &format!(
                    "(today, {}, is outside the teaching weeks: the whole term)\n{}",
                    self.today,
                    tables::timetable(&timetable)
                ),
            ),
        }
        Ok(())
    }

    /// `xtu progress --missing`: what the demo student still needs to
    /// graduate, as xtu's progress table.
    async fn progress(&self) -> Result<(), xtu_app::Error> {
        let request = xtu_app::ProgressRequest { missing_only: true };
        let audit = self.xtu.progress(&request, None).await?;
        Self::show(
            "xtu progress --missing",
            &xtu_cli::audit_tables::progress(&audit),
        );
        Ok(())
    }

    /// `xtu watch`: the first check records what is there; a grade
    /// published on the fake afterwards (its admin path) is the one change
    /// the next check reports, as one JSON line.
    async fn watch(&self) -> Result<(), xtu_app::Error> {
        let request = xtu_app::WatchRequest::default();
        let mut events = self.xtu.watch_collect(&request).await?;
        self.fake.admin_upsert(
            xtu_fake::AdminKind::Grades,
            serde_json::json!({"kcmc": "概率论与数理统计", "kch_id": "0712003", "cj": "90",
                               "jd": "4.0", "xf": "3.0", "kcxzmc": "必修", "xnm": "2024",
                               "xqm": "12", "xnmmc": "2024-2025", "xqmmc": "2",
                               "jsxm": "教师庚"}),
        );
        events.extend(self.xtu.watch_collect(&request).await?);
        let lines = events
            .iter()
            .map(serde_json::to_string)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| xtu_app::Error::Usage(format!("could not write JSON: {e}")))?;
        Self::show(
            "xtu watch   (first run: records what is there, reports nothing)",
            "",
        );
        Self::show(
            "a grade is published (the fake's POST /_admin/grades), then: xtu watch",
            &format!("{}\n", lines.join("\n")),
        );
        Ok(())
    }

    /// A graduate student's `xtu grad timetable`: the same login, the
    /// graduate system's timetable of the site's current term, as xtu's
    /// timetable table.
    async fn graduate(&self, calendar: &TeachingCalendar) -> Result<(), xtu_app::Error> {
        let asked = match calendar.term() {
            Some(term) => xtu_app::TermAsked::one(Some(term.start_year), Some(term.term))?,
            None => xtu_app::TermAsked::Current,
        };
        self.xtu
            .login(
                GRADUATE_USER,
                PASSWORD,
                xtu_app::LoginOptions::default(),
                &mut |_| None,
            )
            .await?;
        let timetable = self.xtu.grad_timetable(asked.by_date()?).await?;
        Self::show(
            &format!(
                "xtu login --username {GRADUATE_USER} && xtu grad timetable   (a graduate student)"
            ),
            &tables::timetable(&timetable),
        );
        Ok(())
    }
}

/// The main job end to end through the same library calls and table
/// printers as `xtu`: log in, then the profile, the teaching calendar, the
/// free rooms and this week's classes on the stored session.
async fn tour(today: NaiveDate) -> Result<(), xtu_app::Error> {
    let tour = TourRun::start(today).await?;
    println!(
        "fake XTU on {} (single sign-on) and {} (academic system), today {today}\n",
        tour.fake.sso_base_url(),
        tour.fake.ems_base_url()
    );
    tour.login().await?;
    tour.profile().await?;
    let calendar = tour.calendar().await?;
    tour.free_rooms().await?;
    tour.this_week(&calendar).await?;
    tour.progress().await?;
    tour.watch().await?;
    tour.graduate(&calendar).await?;
    println!(
        "That was xtu's library against a local fake. With xtu on the PATH, try the same by hand:\n  \
         xtu-sandbox &   (then the commands it prints)"
    );
    Ok(())
}
