//! One function per command: turn the flags into the library's typed inputs,
//! call it, print the result.

use std::str::FromStr as _;

use xtu_app::{
    CompatGpaRequest, Error, GpaRequest, IcsRequest, LoginOptions, RoomQuery, RoomTime, TermAnswer,
    TermAsked, Xtu, course_schedule, exam_schedule,
};
use xtu_ems::{ClassroomQuery, Page, ParsedPage, TermSpec};
use xtu_sso::{SsoSession, TokenFormat};

use crate::args::{
    ClassroomArgs, Cli, Command, CompatGpaArgs, CompatTermArgs, ExportCommand, GpaArgs, GradesArgs,
    IcsArgs, LoginArgs, NoticesArgs, OutputFormat, ParseArgs, PlanArgs, ProgressArgs, RoomsArgs,
    SsoLoginArgs, TermListArgs, TimetableArgs, TokenArgs, TranscriptArgs, WakeupArgs, WatchArgs,
};
use crate::output::{format_or_default, print_json, print_line, print_text, with_progress};
use crate::{audit_tables, secrets, tables};

/// How a successful command ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Done,
    /// `grades --watch-diff` found new or changed grades.
    Changed,
    /// The result is printed, and says why the command exits with this code
    /// (`doctor`).
    Exit(xtu_app::ExitCode),
}

pub async fn run(cli: Cli, config: xtu_app::Config) -> Result<Outcome, Error> {
    let xtu = Xtu::new(
        config,
        xtu_app::StoreDir::from_env(),
        xtu_app::Vault::from_env(),
    );
    let xtu = &xtu;
    let done = match cli.command {
        Command::Grades(args) => return grades(xtu, args).await,
        Command::Login(args) => login(xtu, args).await,
        Command::Logout => {
            let logout = xtu.logout()?;
            if logout.was_logged_in {
                eprintln!("logged out {}", logout.username);
            } else {
                eprintln!("{} was not logged in", logout.username);
            }
            Ok(())
        }
        Command::Whoami => print_json(&xtu.whoami().await?),
        Command::SsoLogin(args) => sso_login(xtu, args).await,
        Command::EmsAuth(args) => ems_auth(xtu, args).await,
        Command::StudentInfo(args) => {
            let profile = xtu
                .query(token(&args.token.token)?.as_deref(), |ems| async move {
                    ems.student_profile().await
                })
                .await?;
            match format_or_default(args.format) {
                OutputFormat::Json => print_json(&profile),
                OutputFormat::Table => print_text(&tables::profile(&profile)),
            }
        }
        Command::TeachingCalendar(args) => {
            let calendar = xtu
                .query(token(&args.token.token)?.as_deref(), |ems| async move {
                    ems.teaching_calendar().await
                })
                .await?;
            match format_or_default(args.format) {
                OutputFormat::Json => print_json(&calendar),
                OutputFormat::Table => print_text(&tables::calendar(&calendar)),
            }
        }
        Command::ClassroomAvailability(args) => classroom_availability(xtu, args).await,
        Command::Parse(args) => parse(args),
        Command::Rooms(args) => rooms(xtu, args).await,
        Command::Timetable(args) => timetable(xtu, args).await,
        Command::CourseSchedule(args) => compat_schedule(xtu, args, false).await,
        Command::Exams(args) => exams(xtu, args).await,
        Command::ExamSchedule(args) => compat_schedule(xtu, args, true).await,
        Command::Gpa(args) => gpa(xtu, args).await,
        Command::GpaRank(args) => compat_gpa(xtu, args).await,
        Command::Transcript(args) => transcript(xtu, args).await,
        Command::Export(ExportCommand::Ics(args)) => export_ics(xtu, args).await,
        Command::Export(ExportCommand::Wakeup(args)) => export_wakeup(xtu, args).await,
        Command::Progress(args) => progress(xtu, args).await,
        Command::Plan(args) => plan(xtu, args).await,
        Command::Grad(command) => crate::grad::run(xtu, command).await,
        Command::Doctor { format } => return doctor(xtu, format).await,
        Command::Mcp => crate::mcp::serve(xtu.clone()).await,
        Command::Notices(args) => notices(xtu, args).await,
        Command::Watch(args) => return watch(xtu, args).await,
        Command::Eval(args) => crate::evaluation::eval(xtu, args).await,
        Command::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut command, "xtu", &mut std::io::stdout());
            Ok(())
        }
    };
    done.map(|()| Outcome::Done)
}

/// A token flag's value: `-` reads standard input.
fn token(given: &Option<String>) -> Result<Option<String>, Error> {
    given.as_deref().map(secrets::token).transpose()
}

async fn login(xtu: &Xtu, args: LoginArgs) -> Result<(), Error> {
    let username = match args.username.or_else(|| xtu.config().user.clone()) {
        Some(name) => name,
        None => {
            let store = xtu.store()?;
            store
                .current()?
                .ok_or_else(|| Error::Usage("no account given: use --username".into()))?
        }
    };
    let password = secrets::password(std::env::var("XTU_PASSWORD").ok(), args.password_stdin)?;
    let options = LoginOptions {
        force: args.force,
        remember: args.remember,
        insecure_store: args.insecure_store,
    };
    xtu.login(&username, &password, options, &mut secrets::ask_captcha)
        .await?;
    eprintln!("logged in as {username}");
    Ok(())
}

fn format(compressed: bool) -> TokenFormat {
    if compressed {
        TokenFormat::Compressed
    } else {
        TokenFormat::Plain
    }
}

async fn sso_login(xtu: &Xtu, args: SsoLoginArgs) -> Result<(), Error> {
    let password = secrets::password(args.password, args.password_stdin)?;
    let session = xtu
        .sso_client()?
        .login_with(&args.username, &password, &mut TerminalCaptcha)
        .await?;
    print_line(&session.to_token(format(args.compressed)))
}

/// `sso-login` keeps no guard (it stores nothing); a captcha is asked at the
/// terminal.
struct TerminalCaptcha;

impl xtu_sso::LoginHooks for TerminalCaptcha {
    fn allow_password_post(&mut self) -> bool {
        true
    }

    fn captcha(&mut self, image: &[u8]) -> Option<String> {
        secrets::ask_captcha(image)
    }
}

async fn ems_auth(xtu: &Xtu, args: TokenArgs) -> Result<(), Error> {
    let token = token(&args.token)?
        .ok_or_else(|| Error::Usage("ems-auth needs the SSO token: --token or XTU_TOKEN".into()))?;
    let sso = SsoSession::from_token(&token)?;
    let ems = xtu.ems_builder().enter(&sso).await?;
    print_line(&ems.to_token(format(args.compressed)))
}

async fn classroom_availability(xtu: &Xtu, args: ClassroomArgs) -> Result<(), Error> {
    // Validate everything before the token is even read.
    let term = TermSpec::new(args.year, args.term)?;
    let mut query = ClassroomQuery::new(term, args.weeks, args.day_of_week, args.sections)?;
    if let Some(campus) = args.campus {
        query.campus = campus;
    }
    query.building = args.building;
    query.min_seats = args.min_seats;
    query.validate_codes()?;
    let query = &query;
    let token = token(&args.token.token)?;
    let rooms = with_progress(
        "asking the academic system for free rooms",
        xtu.query(token.as_deref(), |ems| async move {
            ems.free_classrooms(query).await
        }),
    )
    .await?;
    print_json(&room_names(&rooms))
}

fn room_names(rooms: &[xtu_model::Classroom]) -> Vec<&str> {
    rooms.iter().map(|room| room.name.as_str()).collect()
}

async fn rooms(xtu: &Xtu, args: RoomsArgs) -> Result<(), Error> {
    let time = match (args.now, &args.at) {
        (_, Some(at)) => RoomTime::At(xtu_app::parse_at(at).map_err(Error::Usage)?),
        (true, None) => RoomTime::Now,
        (false, None) => RoomTime::Weeks {
            weeks: args.week,
            day: args.day,
        },
    };
    let question = RoomQuery {
        time,
        sections: args.sections.map(|s| s.0),
        building: args.building,
        min_seats: args.min_seats,
        campus: args.campus,
    };
    let token = token(&args.token)?;
    let found = with_progress(
        "asking the academic system for free rooms",
        xtu.free_rooms(&question, token.as_deref()),
    )
    .await?;
    eprintln!("free rooms: {}", found.plan.describe());
    match format_or_default(args.format) {
        OutputFormat::Json => print_json(&found.rooms),
        OutputFormat::Table => print_text(&tables::rooms(&found.rooms)),
    }
}

async fn timetable(xtu: &Xtu, args: TimetableArgs) -> Result<(), Error> {
    let TimetableArgs { query: args, week } = args;
    let asked = TermAsked::one(args.term.year, args.term.term)?;
    let token = token(&args.token)?;
    if let Some(week) = week {
        // `--week` alone (`None` here) is this week.
        let view = warn_of(xtu.week(asked, week, token.as_deref()).await?);
        return print_week(&view, args.format);
    }
    let timetable = warn_of(xtu.timetable(asked, token.as_deref()).await?);
    print_timetable(&timetable, args.format)
}

/// A week grid (`--week`): the grid unless JSON is asked for.
pub(crate) fn print_week(
    view: &xtu_app::WeekView,
    format: Option<OutputFormat>,
) -> Result<(), Error> {
    match format {
        Some(OutputFormat::Json) => print_json(view),
        _ => print_text(&tables::week_grid(view, tables::grid_width())),
    }
}

/// A timetable as JSON or a table.
pub(crate) fn print_timetable(
    timetable: &xtu_model::Timetable,
    format: Option<OutputFormat>,
) -> Result<(), Error> {
    match format_or_default(format) {
        OutputFormat::Json => print_json(timetable),
        OutputFormat::Table => print_text(&tables::timetable(timetable)),
    }
}

/// The answer, its notes (how its term was chosen, an empty answer) said
/// on stderr, so that stdout stays what the command prints.
fn warn_of<T>(found: TermAnswer<T>) -> T {
    for note in &found.notes {
        eprintln!("warning: {note}");
    }
    found.answer
}

/// `xtu export wakeup`: the file on stdout, what it leaves out on stderr.
async fn export_wakeup(xtu: &Xtu, args: WakeupArgs) -> Result<(), Error> {
    let asked = TermAsked::one(args.term.year, args.term.term)?;
    let export = if args.grad {
        xtu.grad_export_wakeup(asked.by_date()?).await?
    } else {
        let token = token(&args.token)?;
        warn_of(xtu.export_wakeup(asked, token.as_deref()).await?)
    };
    print_text(&export.csv)?;
    for left_out in &export.left_out {
        eprintln!(
            "left out of the WakeUp file: {} ({})",
            left_out.name, left_out.reason
        );
    }
    Ok(())
}

/// `xtu course-schedule` and `xtu exam-schedule`: the upstream's JSON.
async fn compat_schedule(xtu: &Xtu, args: CompatTermArgs, exams: bool) -> Result<(), Error> {
    let asked = TermAsked::one(args.term.year, args.term.term)?;
    let token = token(&args.token.token)?;
    if exams {
        let exams = warn_of(xtu.exams(asked, token.as_deref()).await?);
        print_json(&exam_schedule(&exams))
    } else {
        let timetable = warn_of(xtu.timetable(asked, token.as_deref()).await?);
        print_json(&course_schedule(&timetable))
    }
}

fn term_list(args: &TermListArgs) -> Result<TermAsked, Error> {
    TermAsked::from_options(args.query.term.year, args.query.term.term, args.all)
}

async fn exams(xtu: &Xtu, args: TermListArgs) -> Result<(), Error> {
    let asked = term_list(&args)?;
    let token = token(&args.query.token)?;
    let exams = warn_of(xtu.exams(asked, token.as_deref()).await?);
    match format_or_default(args.query.format) {
        OutputFormat::Json => print_json(&exams),
        OutputFormat::Table => print_text(&tables::exams(&exams)),
    }
}

async fn grades(xtu: &Xtu, args: GradesArgs) -> Result<Outcome, Error> {
    let token = token(&args.list.query.token)?;
    let format = format_or_default(args.list.query.format);
    if args.watch_diff {
        let watch = xtu.watch_grades(token.as_deref()).await?;
        match format {
            OutputFormat::Json => print_json(&watch.changes)?,
            OutputFormat::Table => print_text(&tables::grade_changes(&watch.changes))?,
        }
        let changed = !watch.changes.is_empty();
        // Saved after printing: a failed print leaves the changes to report again.
        watch.save()?;
        return Ok(if changed {
            Outcome::Changed
        } else {
            Outcome::Done
        });
    }
    let asked = term_list(&args.list)?;
    let grades = warn_of(xtu.grades(asked, token.as_deref()).await?);
    match format {
        OutputFormat::Json => print_json(&grades)?,
        OutputFormat::Table => print_text(&tables::grades(&grades))?,
    }
    Ok(Outcome::Done)
}

async fn gpa(xtu: &Xtu, args: GpaArgs) -> Result<(), Error> {
    let request = GpaRequest {
        from: args.from,
        to: args.to,
        compulsory_only: args.compulsory_only,
    };
    let token = token(&args.token)?;
    let report = with_progress(
        "asking the academic system for the GPA ranking (slow at XTU)",
        xtu.gpa(&request, token.as_deref()),
    )
    .await?;
    match format_or_default(args.format) {
        OutputFormat::Json => print_json(&report),
        OutputFormat::Table => print_text(&tables::gpa(&report)),
    }
}

/// `xtu gpa-rank`: the upstream's `gpa.py`.
async fn compat_gpa(xtu: &Xtu, args: CompatGpaArgs) -> Result<(), Error> {
    let request = CompatGpaRequest {
        from: xtu_model::Term {
            start_year: args.start_year,
            term: args.start_term,
        },
        to: xtu_model::Term {
            start_year: args.end_year,
            term: args.end_term,
        },
        scope: args.filter.into(),
    };
    let token = token(&args.token.token)?;
    let report = with_progress(
        "asking the academic system for the GPA ranking (slow at XTU)",
        xtu.compat_gpa(&request, token.as_deref()),
    )
    .await?;
    print_json(&report)
}

async fn transcript(xtu: &Xtu, args: TranscriptArgs) -> Result<(), Error> {
    let token = token(&args.token.token)?;
    let transcript = with_progress(
        "downloading the transcript",
        xtu.transcript(token.as_deref(), args.pdf.as_deref()),
    )
    .await?;
    print_transcript(&transcript, args.format)
}

fn print_transcript(
    transcript: &xtu_model::Transcript,
    format: Option<OutputFormat>,
) -> Result<(), Error> {
    match format_or_default(format) {
        OutputFormat::Json => print_json(&transcript.upstream()),
        OutputFormat::Table => print_text(&tables::transcript(transcript)),
    }
}

fn parse(args: ParseArgs) -> Result<(), Error> {
    let file = if args.file.as_os_str() == "-" {
        "standard input".to_owned()
    } else {
        args.file.display().to_string()
    };
    if args.page == "transcript" {
        let pdf = secrets::read_bytes(&args.file, xtu_transcript::MAX_PDF_BYTES)?;
        let transcript = xtu_app::parse_saved_transcript(&file, &pdf)?;
        return print_transcript(&transcript, Some(OutputFormat::Json));
    }
    let page = Page::from_str(&args.page).map_err(|_| {
        let mut names: Vec<&str> = Page::ALL.iter().map(|p| p.name()).collect();
        names.push("transcript");
        Error::Usage(format!(
            "unknown page {:?}: expected one of {}",
            args.page,
            names.join(", ")
        ))
    })?;
    let text = secrets::read_input(&args.file)?;
    let parsed = xtu_app::parse_saved_page(page, &file, &text)?;
    // What the page's command prints: the seed's room names, the items of a
    // paged answer, everything else as parsed.
    match parsed {
        ParsedPage::ClassroomAvailability(rooms) => print_json(&room_names(&rooms.items)),
        ParsedPage::Exams(exams) => print_json(&exams.items),
        ParsedPage::Grades(grades) => print_json(&grades.items),
        ParsedPage::Plan(courses) => print_json(&courses.items),
        ParsedPage::Notices(notices) => print_json(&notices.items),
        ParsedPage::EvaluationList(list) => print_json(&list.items),
        other => print_json(&other),
    }
}

async fn doctor(xtu: &Xtu, format: Option<OutputFormat>) -> Result<Outcome, Error> {
    let report = xtu.doctor().await?;
    match format_or_default(format) {
        OutputFormat::Json => print_json(&report)?,
        OutputFormat::Table => print_text(&tables::doctor(&report))?,
    }
    Ok(xtu_app::doctor_exit_code(&report).map_or(Outcome::Done, Outcome::Exit))
}

async fn export_ics(xtu: &Xtu, args: IcsArgs) -> Result<(), Error> {
    if args.grad {
        return crate::grad::export_ics(xtu, &args).await;
    }
    let request = IcsRequest {
        timetable: args.timetable,
        exams: args.exams,
        alarm: args.alarm,
    };
    let token = token(&args.token)?;
    let text = with_progress(
        "reading the timetable and exams",
        xtu.export_ics(&request, token.as_deref()),
    )
    .await?;
    print_text(&text)
}

/// `xtu progress`: the audit; warnings (an unknown study status) on stderr.
async fn progress(xtu: &Xtu, args: ProgressArgs) -> Result<(), Error> {
    let request = xtu_app::ProgressRequest {
        missing_only: args.missing,
    };
    let token = token(&args.token)?;
    let audit = with_progress(
        "reading the degree audit",
        xtu.progress(&request, token.as_deref()),
    )
    .await?;
    for warning in &audit.warnings {
        eprintln!("warning: {warning}");
    }
    match format_or_default(args.format) {
        OutputFormat::Json => print_json(&audit),
        OutputFormat::Table => print_text(&audit_tables::progress(&audit)),
    }
}

/// `xtu plan`: the own plan, another major's, or the majors.
async fn plan(xtu: &Xtu, args: PlanArgs) -> Result<(), Error> {
    let request = match (args.major, args.grade) {
        (Some(major), Some(grade)) => xtu_app::PlanRequest::of(major, grade)?,
        _ => xtu_app::PlanRequest::Own,
    };
    let token = token(&args.token)?;
    let format = format_or_default(args.format);
    if args.majors {
        let majors = xtu.majors(token.as_deref()).await?;
        return match format {
            OutputFormat::Json => print_json(&majors),
            OutputFormat::Table => print_text(&audit_tables::majors(&majors)),
        };
    }
    let plan = with_progress(
        "reading the programme plan",
        xtu.plan(&request, token.as_deref()),
    )
    .await?;
    match format {
        OutputFormat::Json => print_json(&plan),
        OutputFormat::Table => print_text(&audit_tables::plan(&plan)),
    }
}

/// `xtu notices`: newest first.
async fn notices(xtu: &Xtu, args: NoticesArgs) -> Result<(), Error> {
    let token = token(&args.token)?;
    let notices = xtu.notices(args.all, token.as_deref()).await?;
    match format_or_default(args.format) {
        OutputFormat::Json => print_json(&notices),
        OutputFormat::Table => print_text(&tables::notices(&notices)),
    }
}

/// `xtu watch`: one check (or one every `--every`), each event a JSON line
/// on standard output before the other channels; exit 1 when a channel
/// failed to take an event (delivered again at the next check).
async fn watch(xtu: &Xtu, args: WatchArgs) -> Result<Outcome, Error> {
    let request = xtu_app::WatchRequest {
        sources: xtu_app::parse_sources(args.only.as_deref())?,
        report_existing: args.report_existing,
        consumer: "watch",
    };
    let every = args
        .every
        .map(|every| every.to_std().unwrap_or(xtu_app::MIN_INTERVAL));
    if let Some(kind) = &args.print_unit {
        let kind = xtu_app::UnitKind::parse(kind)?;
        let every = xtu_app::checked_interval(
            every.unwrap_or(xtu_app::DEFAULT_UNIT_INTERVAL),
            &xtu.config().ems_base_url,
        );
        let program =
            std::env::current_exe().map_err(Error::io("could not find the path of xtu itself"))?;
        let mut unit_args = vec!["watch".to_owned(), "--once".to_owned()];
        if let Some(user) = &xtu.config().user {
            unit_args.extend(["--user".to_owned(), user.clone()]);
        }
        if let Some(only) = &args.only {
            unit_args.extend(["--only".to_owned(), only.clone()]);
        }
        if let Some(exec) = &args.exec {
            unit_args.extend(["--exec".to_owned(), exec.clone()]);
        }
        if let Some(webhook) = &args.webhook {
            // Checked now, so that a unit never holds a URL that fails later.
            xtu_app::Webhook::parse(webhook)?;
            unit_args.extend(["--webhook".to_owned(), webhook.clone()]);
        }
        if args.desktop {
            unit_args.push("--desktop".to_owned());
        }
        return print_text(&xtu_app::unit_file(
            kind,
            &program.to_string_lossy(),
            &unit_args,
            every,
        ))
        .map(|()| Outcome::Done);
    }
    let delivery = xtu_app::Delivery {
        exec: args.exec,
        webhook: args
            .webhook
            .as_deref()
            .map(xtu_app::Webhook::parse)
            .transpose()?,
        desktop: args.desktop.then(xtu_app::Desktop::detect).transpose()?,
    };
    let mut emit = |event: &xtu_app::Event| {
        let line = serde_json::to_string(event)
            .map_err(|e| Error::Usage(format!("could not write JSON: {e}")))?;
        print_line(&line)
    };
    match every {
        Some(every) => {
            xtu.watch_every(&request, &delivery, every, &mut emit)
                .await?;
            Ok(Outcome::Done)
        }
        None => {
            let report = xtu.watch_once(&request, &delivery, &mut emit).await?;
            Ok(if report.undelivered > 0 {
                Outcome::Changed
            } else {
                Outcome::Done
            })
        }
    }
}
