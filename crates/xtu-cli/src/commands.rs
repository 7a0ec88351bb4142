//! One function per command: turn the flags into the library's typed inputs,
//! call it, print the result.

use std::str::FromStr as _;

use xtu_app::{
    CompatGpaRequest, Error, GpaRequest, IcsRequest, LoginOptions, RoomQuery, RoomTime, Xtu,
    course_schedule, exam_schedule, term_or_all, term_or_current,
};
use xtu_ems::{ClassroomQuery, Page, ParsedPage, TermSpec};
use xtu_sso::{SsoSession, TokenFormat};

use crate::args::{
    ClassroomArgs, Cli, Command, CompatGpaArgs, CompatTermArgs, ExportCommand, GpaArgs, GradesArgs,
    IcsArgs, LoginArgs, OutputFormat, ParseArgs, RoomsArgs, SsoLoginArgs, TermListArgs,
    TimetableArgs, TokenArgs, TranscriptArgs, WakeupArgs,
};
use crate::output::{format_or_default, print_json, print_line, print_text, with_progress};
use crate::{secrets, tables};

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

pub async fn run(cli: Cli) -> Result<Outcome, Error> {
    let global = &cli.global;
    let xtu = Xtu::new(
        global.config(),
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
        Command::StudentInfo(args) => print_json(
            &xtu.query(token(&args.token)?.as_deref(), |ems| async move {
                ems.student_profile().await
            })
            .await?,
        ),
        Command::TeachingCalendar(args) => print_json(
            &xtu.query(token(&args.token)?.as_deref(), |ems| async move {
                ems.teaching_calendar().await
            })
            .await?,
        ),
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
        Command::Doctor { format } => return doctor(xtu, format).await,
        Command::Mcp => crate::mcp::serve(xtu.clone()).await,
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
    let term = term_or_current(args.term.year, args.term.term)?;
    let token = token(&args.token)?;
    if let Some(week) = week {
        // `--week` alone (`None` here) is this week.
        let view = xtu.week(term, week, token.as_deref()).await?;
        return match args.format {
            Some(OutputFormat::Json) => print_json(&view),
            _ => print_text(&tables::week_grid(&view, tables::grid_width())),
        };
    }
    let timetable = xtu
        .query(
            token.as_deref(),
            |ems| async move { ems.timetable(term).await },
        )
        .await?;
    match format_or_default(args.format) {
        OutputFormat::Json => print_json(&timetable),
        OutputFormat::Table => print_text(&tables::timetable(&timetable)),
    }
}

/// `xtu export wakeup`: the file on stdout, what it leaves out on stderr.
async fn export_wakeup(xtu: &Xtu, args: WakeupArgs) -> Result<(), Error> {
    let term = term_or_current(args.term.year, args.term.term)?;
    let token = token(&args.token)?;
    let export = xtu.export_wakeup(term, token.as_deref()).await?;
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
    let term = term_or_current(args.term.year, args.term.term)?;
    let token = token(&args.token.token)?;
    if exams {
        let exams = xtu
            .query(token.as_deref(), |ems| async move {
                ems.exams(Some(term)).await
            })
            .await?;
        print_json(&exam_schedule(&exams))
    } else {
        let timetable = xtu
            .query(
                token.as_deref(),
                |ems| async move { ems.timetable(term).await },
            )
            .await?;
        print_json(&course_schedule(&timetable))
    }
}

fn term_list(args: &TermListArgs) -> Result<Option<TermSpec>, Error> {
    term_or_all(args.query.term.year, args.query.term.term, args.all)
}

async fn exams(xtu: &Xtu, args: TermListArgs) -> Result<(), Error> {
    let term = term_list(&args)?;
    let token = token(&args.query.token)?;
    let exams = xtu
        .query(token.as_deref(), |ems| async move { ems.exams(term).await })
        .await?;
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
    let term = term_list(&args.list)?;
    let grades = xtu
        .query(
            token.as_deref(),
            |ems| async move { ems.grades(term).await },
        )
        .await?;
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
    if args.page == "transcript" {
        let pdf = secrets::read_bytes(&args.file, xtu_ems::transcript::MAX_PDF_BYTES)?;
        let transcript = xtu_ems::transcript::parse(&pdf).map_err(xtu_ems::EmsError::from)?;
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
    let parsed = page
        .parse_value(&text)
        .map_err(|e| Error::from(xtu_ems::EmsError::from(e)))?;
    // What the page's command prints: the seed's room names, the items of a
    // paged answer, everything else as parsed.
    match parsed {
        ParsedPage::ClassroomAvailability(rooms) => print_json(&room_names(&rooms.items)),
        ParsedPage::Exams(exams) => print_json(&exams.items),
        ParsedPage::Grades(grades) => print_json(&grades.items),
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
