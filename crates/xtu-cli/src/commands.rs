//! One function per command.

use std::io::IsTerminal as _;
use std::io::Write as _;
use std::str::FromStr as _;
use std::time::Duration;

use xtu_ems::{ClassroomQuery, EmsClient, EmsError, Page, TermSpec, pages};
use xtu_sso::{LoginError, SsoClient, SsoSession, TokenFormat};

use crate::args::{
    ClassroomArgs, Cli, Command, ExportCommand, GlobalArgs, IcsArgs, LoginArgs, OutputFormat,
    ParseArgs, RoomsArgs, SsoLoginArgs, TokenArgs,
};
use crate::failure::Failure;
use crate::output::{print_json, print_line};
use crate::{academic, rooms, secrets, stored};

/// How a successful command ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Done,
    /// `grades --watch-diff` found new or changed grades.
    Changed,
}

pub async fn run(cli: Cli) -> Result<Outcome, Failure> {
    let global = &cli.global;
    let done = match cli.command {
        Command::Grades(args) => {
            return Ok(match academic::grades(global, args).await? {
                true => Outcome::Changed,
                false => Outcome::Done,
            });
        }
        Command::Login(args) => login(global, args).await,
        Command::Logout => stored::logout(global.user.as_deref()),
        Command::Whoami => print_json(&stored::whoami(global, global.user.as_deref()).await?),
        Command::SsoLogin(args) => sso_login(global, args).await,
        Command::EmsAuth(args) => ems_auth(global, args).await,
        Command::StudentInfo(args) => print_json(
            &with_ems(global, args.token.as_deref(), |ems| async move {
                ems.student_profile().await
            })
            .await?,
        ),
        Command::TeachingCalendar(args) => print_json(
            &with_ems(global, args.token.as_deref(), |ems| async move {
                ems.teaching_calendar().await
            })
            .await?,
        ),
        Command::ClassroomAvailability(args) => classroom_availability(global, args).await,
        Command::Parse(args) => parse(args),
        Command::Rooms(args) => rooms(global, args).await,
        Command::Timetable(args) => academic::timetable(global, args).await,
        Command::CourseSchedule(args) => academic::course_schedule(global, args).await,
        Command::Exams(args) => academic::exams(global, args).await,
        Command::ExamSchedule(args) => academic::exam_schedule(global, args).await,
        Command::Gpa(args) => academic::gpa(global, args).await,
        Command::Export(ExportCommand::Ics(args)) => export_ics(global, args).await,
        Command::Sandbox { listen } => sandbox(listen).await,
        Command::Mcp => crate::mcp::serve(global).await,
        Command::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut command, "xtu", &mut std::io::stdout());
            Ok(())
        }
    };
    done.map(|()| Outcome::Done)
}

/// Runs a query with the token given, or else on the stored session.
pub async fn with_ems<T, Fut>(
    global: &GlobalArgs,
    token: Option<&str>,
    query: impl Fn(EmsClient) -> Fut,
) -> Result<T, Failure>
where
    Fut: std::future::Future<Output = Result<T, EmsError>>,
{
    match token {
        Some(token) => {
            let token = secrets::token(token)?;
            Ok(query(ems_builder(global).from_token(&token)?).await?)
        }
        None => stored::with_ems(global, global.user.as_deref(), query).await,
    }
}

async fn login(global: &GlobalArgs, args: LoginArgs) -> Result<(), Failure> {
    let username = match args.username.or_else(|| global.user.clone()) {
        Some(name) => name,
        None => stored::open_store()?
            .current()?
            .ok_or_else(|| Failure::Usage("no account given: use --username".into()))?,
    };
    let password = secrets::password(std::env::var("XTU_PASSWORD").ok(), args.password_stdin)?;
    let options = stored::LoginOptions {
        force: args.force,
        remember: args.remember,
        insecure_store: args.insecure_store,
    };
    stored::login(global, &username, &password, options).await
}

/// Demo accounts of the sandbox: one that works, and one per failure the
/// login can meet, so every exit code can be tried.
const SANDBOX_PASSWORD: &str = "sandbox";

async fn sandbox(listen: std::net::SocketAddr) -> Result<(), Failure> {
    use xtu_fake::{Account, Behaviour, FakeXtu};
    let ems = std::net::SocketAddr::new(listen.ip(), listen.port().wrapping_add(1));
    let accounts = [
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
    ];
    let mut builder = FakeXtu::builder().listen(listen, ems);
    for (username, behaviour) in accounts {
        builder =
            builder.account(Account::new(username, SANDBOX_PASSWORD).with_behaviour(behaviour));
    }
    let fake = builder.try_start().await.map_err(Failure::io(format!(
        "could not listen on {listen} and {ems}"
    )))?;
    eprintln!(
        "fake XTU running (Ctrl-C stops it). In another terminal:\n\n  \
         export XTU_SSO_BASE_URL={} XTU_EMS_BASE_URL={}\n  \
         XTU_PASSWORD={SANDBOX_PASSWORD} xtu login --username 202205561111\n  \
         xtu student-info\n\n\
         other accounts (password {SANDBOX_PASSWORD}): locked, captcha (answer xtu1), disabled, change-password",
        fake.sso_base_url(),
        fake.ems_base_url()
    );
    tokio::select! {
        () = fake.wait() => Ok(()),
        _ = tokio::signal::ctrl_c() => Ok(()),
    }
}

fn format(compressed: bool) -> TokenFormat {
    if compressed {
        TokenFormat::Compressed
    } else {
        TokenFormat::Plain
    }
}

pub fn sso_client(global: &GlobalArgs) -> Result<SsoClient, Failure> {
    Ok(SsoClient::builder()
        .base_url(&global.sso_base_url)
        .timeout(Duration::from_secs(global.timeout))
        .build()?)
}

pub fn ems_builder(global: &GlobalArgs) -> xtu_ems::EmsClientBuilder {
    EmsClient::builder()
        .base_url(&global.ems_base_url)
        .timeout(Duration::from_secs(global.timeout))
}

async fn sso_login(global: &GlobalArgs, args: SsoLoginArgs) -> Result<(), Failure> {
    let password = secrets::password(args.password, args.password_stdin)?;
    let client = sso_client(global)?;
    let session = match client.login(&args.username, &password).await {
        Err(LoginError::CaptchaRequired { .. }) if std::io::stdin().is_terminal() => {
            login_with_captcha(&client, &args.username, &password).await?
        }
        other => other?,
    };
    print_line(&session.to_token(format(args.compressed)))
}

/// The CAS wants a captcha: show the image to the person at the terminal and
/// send their answer with a fresh login attempt.
async fn login_with_captcha(
    client: &SsoClient,
    username: &str,
    password: &str,
) -> Result<SsoSession, Failure> {
    let attempt = client.begin().await?;
    let image = attempt.captcha_image().await?;
    // XTU's kaptcha sends JPEG; name the file after what actually came, so
    // image viewers open it.
    let suffix = if image.starts_with(b"\x89PNG") {
        ".png"
    } else {
        ".jpg"
    };
    let file = tempfile::Builder::new()
        .prefix("xtu-captcha-")
        .suffix(suffix)
        .tempfile()
        .map_err(Failure::io("could not create a file for the captcha image"))?;
    std::fs::write(file.path(), &image).map_err(Failure::io("could not save the captcha image"))?;
    // Keep the file after exit: the person may still be looking at it.
    let (_, path) = file
        .keep()
        .map_err(|e| Failure::io("could not keep the captcha image")(e.error))?;
    eprint!(
        "the login server asks for a captcha; the image is at {}\ncaptcha: ",
        path.display()
    );
    let _ = std::io::stderr().flush();
    let answer = secrets::read_stdin_line("captcha answer")?;
    let session = attempt
        .submit(username, password, Some(answer.trim()))
        .await;
    let _ = std::fs::remove_file(&path);
    Ok(session?)
}

async fn ems_auth(global: &GlobalArgs, args: TokenArgs) -> Result<(), Failure> {
    let token = args.token.as_deref().ok_or_else(|| {
        Failure::Usage("ems-auth needs the SSO token: --token or XTU_TOKEN".into())
    })?;
    let token = secrets::token(token)?;
    let sso = SsoSession::from_token(&token)?;
    let ems = ems_builder(global).enter(&sso).await?;
    print_line(&ems.to_token(format(args.compressed)))
}

async fn classroom_availability(global: &GlobalArgs, args: ClassroomArgs) -> Result<(), Failure> {
    // Validate everything before the token is even read.
    let term = TermSpec::new(args.year, args.term).map_err(xtu_ems::EmsError::from)?;
    let mut query = ClassroomQuery::new(term, args.weeks, args.day_of_week, args.sections)
        .map_err(xtu_ems::EmsError::from)?;
    query.campus = args.campus;
    query.building = args.building;
    query.min_seats = args.min_seats;
    query.validate_codes().map_err(xtu_ems::EmsError::from)?;
    let query = &query;
    let rooms = crate::output::with_progress(
        "asking the academic system for free rooms",
        with_ems(global, args.token.token.as_deref(), |ems| async move {
            ems.free_classrooms(query).await
        }),
    )
    .await?;
    print_json(&room_names(&rooms))
}

async fn rooms(global: &GlobalArgs, args: RoomsArgs) -> Result<(), Failure> {
    let found = rooms::find(global, &args).await?;
    match rooms::format(&args) {
        OutputFormat::Json => print_json(&found),
        OutputFormat::Table => crate::output::print_text(&rooms::table(&found)),
    }
}

fn room_names(rooms: &[xtu_model::Classroom]) -> Vec<&str> {
    rooms.iter().map(|room| room.name.as_str()).collect()
}

fn parse(args: ParseArgs) -> Result<(), Failure> {
    let page = Page::from_str(&args.page).map_err(|_| {
        let names: Vec<&str> = Page::ALL.iter().map(|p| p.name()).collect();
        Failure::Usage(format!(
            "unknown page {:?}: expected one of {}",
            args.page,
            names.join(", ")
        ))
    })?;
    let text = secrets::read_input(&args.file)?;
    let map = |e: xtu_ems::ParseError| Failure::from(xtu_ems::EmsError::from(e));
    match page {
        Page::StudentInfo => print_json(&pages::student_info::parse(&text).map_err(map)?),
        Page::TeachingCalendar => print_json(&pages::teaching_calendar::parse(&text).map_err(map)?),
        Page::ClassroomAvailability => print_json(&room_names(
            &pages::classroom_availability::parse(&text)
                .map_err(map)?
                .items,
        )),
        Page::Buildings => print_json(&pages::buildings::parse(&text).map_err(map)?),
        Page::Timetable => print_json(&pages::timetable::parse(&text).map_err(map)?),
        Page::Exams => print_json(&pages::exams::parse(&text).map_err(map)?.items),
        Page::Grades => print_json(&pages::grades::parse(&text).map_err(map)?.items),
        Page::GpaRank => print_json(&pages::gpa_rank::parse(&text).map_err(map)?),
    }
}

/// `xtu export ics`: the calendar first (it dates the weeks and names the
/// current term), then the term's timetable; exams alongside.
async fn export_ics(global: &GlobalArgs, args: IcsArgs) -> Result<(), Failure> {
    let both = !args.timetable && !args.exams;
    let (want_timetable, want_exams) = (both || args.timetable, both || args.exams);
    let (calendar, timetable, exams) = crate::output::with_progress(
        "reading the timetable and exams",
        with_ems(global, args.token.as_deref(), |ems| async move {
            let exams = async {
                if want_exams {
                    ems.exams(None).await.map(Some)
                } else {
                    Ok(None)
                }
            };
            let (calendar, exams) = tokio::try_join!(ems.teaching_calendar(), exams)?;
            let term = calendar
                .term()
                .and_then(|t| TermSpec::new(t.start_year, t.term).ok());
            let timetable = match term {
                Some(term) if want_timetable => Some(ems.timetable(term).await?),
                _ => None,
            };
            Ok((calendar, timetable, exams))
        }),
    )
    .await?;
    if want_timetable && timetable.is_none() {
        return Err(Failure::Usage(format!(
            "the current term {} is not an autumn or spring term: no timetable to export",
            calendar.term_id
        )));
    }
    let text = crate::ics::render(&crate::ics::Export {
        calendar: &calendar,
        timetable: timetable.as_ref(),
        exams: exams.as_deref(),
        alarm: args.alarm,
        stamp: chrono::Utc::now(),
    })
    .map_err(|e| Failure::Usage(e.into()))?;
    crate::output::print_text(&text)
}
