//! Command-line syntax. Flags and JSON of the seed commands are those of the
//! upstream Python scripts, so existing users and agents can switch unchanged.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

const AFTER_HELP: &str = "\
Exit codes: 0 ok, 2 usage, 3 bad credentials, 4 account locked, 5 captcha required,
6 must change password, 7 account disabled, 8 network/timeout, 9 unexpected page
(site changed), 10 session expired, 11 the site reported an internal error (or
refused a write: `xtu eval`), 12 a local file could not be read or written.";

/// Xiangtan University's web systems from a terminal: single sign-on and the
/// academic system (profile, calendar, free classrooms, timetable, exams,
/// grades, GPA, transcript, calendar export, degree audit, programme plan).
#[derive(Debug, Parser)]
#[command(name = "xtu", version, after_help = AFTER_HELP, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command accepts. Their environment variables are read
/// here, in [`GlobalArgs::config`], not by clap: clap counts a value from
/// the environment as given on the command line, and its usage lines would
/// then show `--sso-base-url <URL> --ems-base-url <URL>` as if required.
#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// Base URL of the single sign-on (CAS) server [env: XTU_SSO_BASE_URL]
    /// [default: https://portal2020.xtu.edu.cn]
    #[arg(long, global = true, value_name = "URL")]
    pub sso_base_url: Option<String>,
    /// Base URL of the academic system (jwglxt) [env: XTU_EMS_BASE_URL]
    /// [default: https://jw.xtu.edu.cn]
    #[arg(long, global = true, value_name = "URL")]
    pub ems_base_url: Option<String>,
    /// Base URL of the graduate system (gmsstu); the portal's link wins
    /// where it names another host [env: XTU_GRAD_BASE_URL]
    /// [default: https://gmsstu.xtu.edu.cn]
    #[arg(long, global = true, value_name = "URL")]
    pub grad_base_url: Option<String>,
    /// Account whose stored session to use (default: the last one logged
    /// in) [env: XTU_USER]
    #[arg(long, global = true, value_name = "USERNAME")]
    pub user: Option<String>,
    /// Timeout of each HTTP request, in seconds, 1-600 [env: XTU_TIMEOUT]
    /// [default: 30]
    #[arg(long, global = true, value_name = "SECONDS",
          value_parser = clap::value_parser!(u64).range(TIMEOUT_SECONDS))]
    pub timeout: Option<u64>,
    /// Proxy for every request: http://, https://, socks5:// or socks5h://
    /// (the school VPN client's local proxy, e.g. socks5h://127.0.0.1:1080;
    /// credentials allowed), or `none`. Default: $XTU_PROXY, else
    /// https_proxy/HTTPS_PROXY, http_proxy, all_proxy/ALL_PROXY and no_proxy
    /// as curl reads them.
    #[arg(long, global = true, value_name = "URL|none", value_parser = parse_proxy)]
    pub proxy: Option<xtu_app::ProxySetting>,
    /// Log each HTTP request (method, host, path, proxy, status, time) on standard
    /// error; XTU_LOG=debug (or a tracing filter) does the same.
    #[arg(short, long, global = true)]
    pub verbose: bool,
}

/// The timeouts accepted, in seconds.
const TIMEOUT_SECONDS: std::ops::RangeInclusive<u64> = 1..=600;
const DEFAULT_TIMEOUT_SECONDS: u64 = 30;

/// A variable's value, when set and not blank.
fn env_value(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl GlobalArgs {
    /// The library's configuration for these options: each flag, else its
    /// environment variable, else the default.
    pub fn config(&self) -> Result<xtu_app::Config, xtu_app::Error> {
        let timeout = match (self.timeout, env_value("XTU_TIMEOUT")) {
            (Some(seconds), _) => seconds,
            (None, Some(text)) => text
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|seconds| TIMEOUT_SECONDS.contains(seconds))
                .ok_or_else(|| {
                    xtu_app::Error::Usage(format!(
                        "invalid XTU_TIMEOUT {text:?}: expected seconds, {}-{}",
                        TIMEOUT_SECONDS.start(),
                        TIMEOUT_SECONDS.end()
                    ))
                })?,
            (None, None) => DEFAULT_TIMEOUT_SECONDS,
        };
        let or_env = |flag: &Option<String>, name: &str| flag.clone().or_else(|| env_value(name));
        Ok(xtu_app::Config {
            sso_base_url: or_env(&self.sso_base_url, "XTU_SSO_BASE_URL")
                .unwrap_or_else(|| xtu_sso::DEFAULT_BASE_URL.to_owned()),
            ems_base_url: or_env(&self.ems_base_url, "XTU_EMS_BASE_URL")
                .unwrap_or_else(|| xtu_ems::DEFAULT_BASE_URL.to_owned()),
            grad_base_url: or_env(&self.grad_base_url, "XTU_GRAD_BASE_URL")
                .unwrap_or_else(|| xtu_grad::DEFAULT_BASE_URL.to_owned()),
            timeout: std::time::Duration::from_secs(timeout),
            user: or_env(&self.user, "XTU_USER"),
            proxy: self.proxy.clone().unwrap_or_default(),
        })
    }
}

fn parse_proxy(text: &str) -> Result<xtu_app::ProxySetting, xtu_app::ProxyError> {
    xtu_app::ProxySetting::parse(text)
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Log in and store the session, so that other commands need no token.
    ///
    /// The session is kept in the state directory ($XTU_STATE_DIR, else
    /// $XDG_STATE_HOME/xtu, else ~/.local/state/xtu; on Windows
    /// %LOCALAPPDATA%\xtu), readable only by you.
    /// After 3 failed logins within 24 hours, --force is needed: XTU locks
    /// an account for 24 hours after too many wrong passwords.
    #[command(after_help = "Examples:\n  xtu login --username 202205561111\n  xtu student-info")]
    Login(LoginArgs),
    /// Remove the stored session.
    Logout,
    /// Show the stored account and whether its session is still valid.
    Whoami,
    /// Print the student's profile (学生个人信息): the seed's JSON, or a
    /// table on a terminal.
    #[command(visible_alias = "info")]
    #[command(
        after_help = "Examples:\n  xtu info\n  xtu student-info --token \"$EMS_TOKEN\" --compressed"
    )]
    StudentInfo(PageArgs),
    /// Print the current term's teaching calendar: the seed's JSON, or a
    /// table on a terminal.
    #[command(visible_alias = "calendar")]
    #[command(
        after_help = "Examples:\n  xtu calendar\n  xtu teaching-calendar --token \"$EMS_TOKEN\" --compressed --format json"
    )]
    TeachingCalendar(PageArgs),
    /// Free classrooms now, at a time, or for given weeks, in one command.
    ///
    /// --now and --at work out the teaching week from the teaching calendar,
    /// the day, and the rest of the current section block (1-2, 3-4, 5-6, 7-8,
    /// 9-11) from XTU's timetable (summer times May-September, winter times
    /// October-April). Prints a table on a terminal, JSON otherwise.
    #[command(
        after_help = "Examples:\n  xtu rooms --now\n  xtu rooms --at \"2025-11-03 14:30\" --building 第一教学楼 --min-seats 100\n  \
        xtu rooms --week 10 11 --day 3 --sections 3-4 --format json"
    )]
    Rooms(RoomsArgs),
    /// Print the names of the classrooms free at the given times, as JSON.
    ///
    /// A room is listed when it is free in every given week, on the given day,
    /// in every given section.
    #[command(
        after_help = "Example:\n  xtu classroom-availability --token \"$EMS_TOKEN\" --compressed \\\n    \
        --year 2025 --term 1 --weeks 1 2 3 --day-of-week 1 --sections 1 2 3"
    )]
    ClassroomAvailability(ClassroomArgs),
    /// The personal timetable (个人课表) of a term, weeks expanded.
    ///
    /// Without --year/--term: the current term (February-July is the spring
    /// term of the previous year's academic year; August-January the autumn
    /// term). Prints a table on a terminal, JSON otherwise.
    ///
    /// --week [N]: one teaching week as a grid of days × sections (N
    /// defaults to this week, from the teaching calendar), today's column
    /// marked, practice and unscheduled courses listed under it. The grid
    /// is printed piped too (at $COLUMNS or 80 columns); --format json gives
    /// the week's meetings as JSON.
    #[command(
        after_help = "Examples:\n  xtu timetable\n  xtu timetable --week\n  xtu timetable --week 9\n  \
        xtu timetable --year 2025 --term 1 --format json"
    )]
    Timetable(TimetableArgs),
    /// The timetable in the upstream toolkit's JSON: [{name, teacher,
    /// location, weeks, day_of_week, sections}].
    ///
    /// `weeks` and `sections` are sorted lists of integers, as the upstream
    /// prints them (1-8周,10-16周(双) is [1, 2, ..., 8, 10, 12, 14, 16]).
    #[command(
        after_help = "Example:\n  xtu course-schedule --token \"$EMS_TOKEN\" --compressed --year 2025 --term 1"
    )]
    CourseSchedule(CompatTermArgs),
    /// Exams (考试信息) of a term, or of every term with --all, by date.
    ///
    /// Exams without a fixed time or room show them as unknown.
    #[command(after_help = "Examples:\n  xtu exams\n  xtu exams --all --format json")]
    Exams(TermListArgs),
    /// Exams in the upstream toolkit's JSON: [{name, start_time, end_time,
    /// location, type}].
    ///
    /// Times are "YYYY-MM-DD HH:MM" Beijing time (the site's text, "" when
    /// none, while it has not fixed them); `type` is the assessment kind
    /// (考试/考查; 考试 when the site gives none). Unlike the
    /// upstream, the term is sent as ZhengFang's code (3/12), so a term's
    /// exams are actually found.
    #[command(
        after_help = "Example:\n  xtu exam-schedule --token \"$EMS_TOKEN\" --year 2025 --term 1"
    )]
    ExamSchedule(CompatTermArgs),
    /// Grades (成绩) of a term, or of every term with --all.
    ///
    /// --watch-diff compares every term's grades with those saved by the
    /// previous --watch-diff run, prints only new or changed entries and
    /// saves the new state: exit code 0 when nothing changed, 1 when something
    /// did (for cron).
    #[command(
        after_help = "Examples:\n  xtu grades --all\n  xtu grades --year 2024 --term 2 --format json\n  \
        xtu grades --watch-diff --format json || notify-send \"new grades\""
    )]
    Grades(GradesArgs),
    /// Every grade from the printable transcript (成绩单 PDF), in the upstream
    /// toolkit's JSON; works even while the grade page waits for the course
    /// evaluation (评教).
    ///
    /// JSON keys: college, major, student_id, name, scores [{name, type,
    /// credit, score, term}], average_score, gpa, total_credit,
    /// compulsory_credit, elective_credit, cross_course_credit. A value the
    /// PDF does not hold is null (the upstream invents 100 / 4.0 / 0). Prints
    /// a table on a terminal, JSON otherwise.
    #[command(
        after_help = "Examples:\n  xtu transcript\n  xtu transcript --pdf transcript.pdf --format json\n  \
        xtu transcript --token \"$EMS_TOKEN\" --compressed\n  xtu parse transcript transcript.pdf"
    )]
    Transcript(TranscriptArgs),
    /// GPA and rank from the academic system's ranking statistics, with a
    /// GPA computed locally from the grades as a cross-check.
    ///
    /// The ranking statistics are slow at XTU (10-60 s): a spinner shows on
    /// a terminal and the request waits up to 120 s.
    #[command(after_help = GPA_HELP)]
    Gpa(GpaArgs),
    /// The site's GPA statistics in the upstream toolkit's JSON (its
    /// `gpa.py`, `xtu-gpa`): {average_score, average_gpa, class_rank,
    /// grade_rank, terms}.
    ///
    /// Values are the site's, unchanged (strings stay strings, numbers
    /// numbers); `{}` when the site has no
    /// statistics for the range. Defaults as the upstream: 2001-1 to 2030-2,
    /// every course. Slow at XTU (10-60 s).
    #[command(
        after_help = "Example:\n  xtu gpa-rank --token \"$EMS_TOKEN\" --compressed \\\n    \
        --start-year 2022 --start-term 1 --end-year 2025 --end-term 2 --filter Mandatory"
    )]
    GpaRank(CompatGpaArgs),
    /// Export to other tools.
    #[command(subcommand)]
    Export(ExportCommand),
    /// What is left to graduate (学业情况): the credits each category of the
    /// programme plan requires, those earned and those missing, and every
    /// course with its status (passed, failed, in_progress, not_taken).
    ///
    /// Numbers are the site's: a parent category's requirement need not be
    /// its children's sum. --missing keeps only the categories still short
    /// and their courses not passed. Prints a table on a terminal, JSON
    /// otherwise.
    #[command(after_help = "Examples:\n  xtu progress\n  xtu progress --missing\n  \
        xtu progress --format json | jq '.categories[] | {name, missing_credits}'")]
    Progress(ProgressArgs),
    /// A programme plan (培养方案): its courses with credits, nature,
    /// category, suggested term and assessment.
    ///
    /// Without flags, the student's own plan (the college, grade and major
    /// the plan page pre-selects); --major CODE --grade YEAR for another
    /// (a minor, a transfer); --majors lists the codes of the own college's
    /// majors. Prints a table on a terminal, JSON otherwise.
    #[command(after_help = "Examples:\n  xtu plan\n  xtu plan --majors\n  \
        xtu plan --major 0502 --grade 2022 --format json")]
    Plan(PlanArgs),
    /// Graduate students (研究生): the graduate system, through the same login.
    #[command(subcommand)]
    Grad(GradCommand),
    /// Log in to single sign-on and print the SSO token.
    ///
    /// The password comes from --password, --password-stdin, the XTU_PASSWORD
    /// environment variable, or an interactive prompt (in that order). Failed
    /// logins are never retried: too many wrong passwords lock the account
    /// for 24 hours.
    #[command(
        after_help = "Examples:\n  xtu sso-login --username 202205561111 --compressed\n  \
        printf '%s' \"$PW\" | xtu sso-login --username 202205561111 --password-stdin"
    )]
    SsoLogin(SsoLoginArgs),
    /// Enter the academic system with an SSO token and print the EMS token.
    #[command(after_help = "Example:\n  xtu ems-auth --token \"$SSO_TOKEN\" --compressed")]
    EmsAuth(TokenArgs),
    /// Parse a saved page offline and print what its command would print.
    ///
    /// For diagnosing site changes: save the page from a browser (or the raw
    /// JSON of an XHR answer) and parse it here.
    #[command(after_help = "Example:\n  xtu parse student-info saved-profile.html")]
    Parse(ParseArgs),
    /// Check, without a password, every step between this machine and XTU.
    ///
    /// One line per step: DNS, TCP, TLS (version and cipher suite) and HTTP
    /// of both hosts; the login page has its form and execution token; the
    /// key endpoint answers in that session; the academic system hands off to
    /// the login server; the stored session, if any, is valid; the clock
    /// agrees with the servers'. Exit 0 when all pass, else the first
    /// failure's code: 8 network (or clock), 9 site changed, 10 session
    /// expired.
    #[command(after_help = "Examples:\n  xtu doctor\n  xtu doctor --format json")]
    Doctor {
        /// Output format (default: table on a terminal, JSON otherwise).
        #[arg(long, value_enum)]
        format: Option<OutputFormat>,
    },
    /// Serve the queries as Model Context Protocol tools on stdio (for AI agents).
    ///
    /// Tools: student_info, teaching_calendar, classroom_availability,
    /// free_rooms, timetable, exams, grades, gpa, transcript, progress, plan,
    /// majors, grad_timetable, notices, changes (what changed since the agent
    /// last asked), evaluations: read-only, with output schemas and
    /// structured results; fill_evaluations saves course evaluations, and
    /// submits them (irreversible) only with its explicit `submit: true`.
    /// They use the session stored by
    /// `xtu login`; errors are tool errors with the same messages as the
    /// commands.
    #[command(
        after_help = "Example (an MCP client configuration):\n  {\"command\": \"xtu\", \"args\": [\"mcp\"]}"
    )]
    Mcp,
    /// Course evaluation (评教): list the forms; fill and save them; submit.
    ///
    /// Without a subcommand: every course and teacher to evaluate with its
    /// state (pending, saved, submitted). The grade page stays empty until
    /// every form is submitted. `fill` saves (editable afterwards);
    /// `submit` is final and asks first.
    #[command(
        after_help = "Examples:\n  xtu eval\n  xtu eval fill --best --dry-run\n  xtu eval fill --best\n  xtu eval submit"
    )]
    Eval(crate::evaluation::EvalArgs),
    /// Print a shell completion script.
    #[command(
        after_help = "Examples:\n  xtu completions bash > ~/.local/share/bash-completion/completions/xtu\n  \
        xtu completions zsh > ~/.zfunc/_xtu"
    )]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// The home page's notices (消息: 调课提醒, 考试安排...), newest first.
    ///
    /// JSON keys: title, kind (the text's 类型 prefix, "" when none), text,
    /// time (as the site writes it). The recent ones (one request); --all
    /// for every page. Prints a table on a terminal, JSON otherwise.
    #[command(after_help = "Examples:\n  xtu notices\n  xtu notices --all --format json")]
    Notices(NoticesArgs),
    /// Report new or changed grades, exams and notices: one JSON line per
    /// change, {"kind", "change", "item", "before", "id"}; exit 0 with no
    /// line when nothing changed.
    ///
    /// The first check of a source records what is there and reports
    /// nothing (--report-existing reports it). What was seen is kept per
    /// account in the state directory; an event is recorded only after
    /// every channel took it (a failing --exec or --webhook gets it again
    /// at the next check; exit 1 then), so a crash never loses one; a
    /// receiver drops a repeated one by its id. A check costs one request
    /// per source on the stored session and no login; an expired session
    /// is re-entered once (a password is sent only when remembered with
    /// `xtu login --remember`, and never twice within the lockout guard's
    /// 24 hours). --every keeps running, never more often than every 5
    /// minutes, backing off (doubling, up to 6 hours) after failures.
    /// Grades: an empty grade page after grades were seen (the page closed
    /// until the course evaluation is done) reports nothing.
    #[command(after_help = WATCH_HELP)]
    Watch(WatchArgs),
}

const WATCH_HELP: &str = "\
Examples:
  xtu watch
  xtu watch --only grades --exec 'notify-send \"$XTU_EVENT_SUMMARY\"'
  xtu watch --every 30m --webhook https://ntfy.sh/my-secret-topic
  xtu watch --print-unit systemd > ~/.config/systemd/user/xtu-watch.service
  xtu watch --print-unit systemd-timer --every 30m > ~/.config/systemd/user/xtu-watch.timer

--exec runs the command with sh -c (cmd /C on Windows) once per event: the
event as JSON on its standard input and in XTU_EVENT_JSON, with XTU_EVENT_ID,
XTU_EVENT_KIND, XTU_EVENT_CHANGE and XTU_EVENT_SUMMARY. --webhook POSTs the
event as JSON; an ntfy topic URL (host ntfy.sh or ntfy.*) gets the summary as
the message. Credentials in the URL go in a header and are never printed.";

/// A duration as `--alarm` reads it (25m, 1h, 1d), named as an interval.
fn parse_interval(text: &str) -> Result<chrono::Duration, String> {
    xtu_app::parse_alarm(text).map_err(|e| e.replacen("alarm", "interval", 1))
}

#[derive(Debug, Args)]
pub struct NoticesArgs {
    /// Every notice, not only the recent ones.
    #[arg(long)]
    pub all: bool,
    /// Output format (default: table on a terminal, JSON otherwise).
    #[arg(long, value_enum)]
    pub format: Option<OutputFormat>,
    /// A token instead of the stored session.
    #[arg(long, env = "XTU_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
}

#[derive(Debug, Args)]
pub struct WatchArgs {
    /// Check once and exit (the default).
    #[arg(long, conflicts_with = "every")]
    pub once: bool,
    /// Keep running, checking at this interval (with jitter): 30m, 1h, 1d.
    /// At least 5 minutes.
    #[arg(long, value_name = "DURATION", value_parser = parse_interval)]
    pub every: Option<chrono::Duration>,
    /// Only these sources: grades, exams, notices (comma-separated).
    #[arg(long, value_name = "LIST")]
    pub only: Option<String>,
    /// On a source's first check, report what is there instead of only
    /// recording it.
    #[arg(long)]
    pub report_existing: bool,
    /// Run this command for each event (see below).
    #[arg(long, value_name = "CMD")]
    pub exec: Option<String>,
    /// POST each event to this URL (JSON; ntfy-style topic URLs too).
    #[arg(
        long,
        value_name = "URL",
        env = "XTU_WATCH_WEBHOOK",
        hide_env_values = true
    )]
    pub webhook: Option<String>,
    /// Show each event as a desktop notification (notify-send, macOS
    /// notifications, a Windows toast).
    #[arg(long)]
    pub desktop: bool,
    /// Print a unit that runs `xtu watch --once` on a schedule (--every, else
    /// every 30 minutes) with these flags, instead of checking: systemd (the
    /// service), systemd-timer, launchd, schtasks.
    #[arg(long, value_name = "KIND")]
    pub print_unit: Option<String>,
}

const GPA_HELP: &str = "\
The local GPA: Σ(grade point × credits) / Σ credits, over the courses of the
range that have both a grade point and credits; a course taken more than once
(same course code) counts once, with its best grade point. It can differ from
the site's when XTU excludes some courses (e.g. 任选) from its statistics.

Examples:
  xtu gpa
  xtu gpa --from 2022-1 --to 2025-2 --compulsory-only";

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// An iCalendar (RFC 5545) file of the current term's classes and/or the
    /// exams, on standard output.
    ///
    /// Class dates come from the teaching calendar and XTU's section times
    /// (summer May-September, winter October-April), in Asia/Shanghai time.
    /// Event UIDs are stable, so importing a newer export updates events
    /// instead of duplicating them. Without --timetable or --exams, both.
    #[command(
        after_help = "Examples:\n  xtu export ics > xtu.ics\n  xtu export ics --exams --alarm 1h > exams.ics"
    )]
    Ics(IcsArgs),
    /// The term's timetable as WakeUp课程表's CSV import template, on
    /// standard output.
    ///
    /// One row per class block: 课程名称,星期,开始节数,结束节数,老师,地点,周数,
    /// weeks as 1-8、10-16双. Practice courses and classes without a day or
    /// sections have no row: standard error names them. In WakeUp: import
    /// from the Excel/CSV template. Without --year/--term: the current term.
    #[command(
        after_help = "Examples:\n  xtu export wakeup > timetable.csv\n  xtu export wakeup --year 2025 --term 1 > timetable.csv"
    )]
    Wakeup(WakeupArgs),
}

#[derive(Debug, Args)]
pub struct ProgressArgs {
    /// Only the categories still short of credits, and their courses not
    /// passed.
    #[arg(long)]
    pub missing: bool,
    /// Output format (default: table on a terminal, JSON otherwise).
    #[arg(long, value_enum)]
    pub format: Option<OutputFormat>,
    /// A token instead of the stored session.
    #[arg(long, env = "XTU_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Another major's plan: its code (see --majors).
    #[arg(long, value_name = "CODE", requires = "grade")]
    pub major: Option<String>,
    /// The grade (year of entry) of --major's plan, e.g. 2022.
    #[arg(long, value_name = "YEAR", requires = "major")]
    pub grade: Option<String>,
    /// List the majors of your college and their codes instead.
    #[arg(long, conflicts_with_all = ["major", "grade"])]
    pub majors: bool,
    /// Output format (default: table on a terminal, JSON otherwise).
    #[arg(long, value_enum)]
    pub format: Option<OutputFormat>,
    /// A token instead of the stored session.
    #[arg(long, env = "XTU_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
}

#[derive(Debug, Args)]
pub struct WakeupArgs {
    #[command(flatten)]
    pub term: TermArgs,
    /// A token instead of the stored session.
    #[arg(long, env = "XTU_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// The graduate system's timetable instead of the academic system's
    /// (through the stored session: no token).
    #[arg(long)]
    pub grad: bool,
}

#[derive(Debug, Args)]
pub struct IcsArgs {
    /// Include the current term's classes.
    #[arg(long)]
    pub timetable: bool,
    /// Include the exams (of every term).
    #[arg(long)]
    pub exams: bool,
    /// A reminder this long before each event: 25m, 1h, 90m, 1d.
    #[arg(long, value_name = "DURATION", value_parser = xtu_app::parse_alarm)]
    pub alarm: Option<chrono::Duration>,
    /// A token instead of the stored session.
    #[arg(long, env = "XTU_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// The graduate system's classes (of --year/--term, default the current
    /// term) instead of the academic system's, through the stored session
    /// (no token); needs --term-start.
    #[arg(long, conflicts_with = "exams", requires = "term_start")]
    pub grad: bool,
    /// With --grad: academic year, by its first calendar year.
    #[arg(long, requires_all = ["term", "grad"])]
    pub year: Option<u16>,
    /// With --grad: term, 1 (autumn) or 2 (spring).
    #[arg(long, requires_all = ["year", "grad"])]
    pub term: Option<u8>,
    /// With --grad: the first day of teaching week 1 (the graduate system
    /// publishes no teaching calendar).
    #[arg(long, value_name = "YYYY-MM-DD", requires = "grad")]
    pub term_start: Option<chrono::NaiveDate>,
}

/// An optional term: both flags or neither.
#[derive(Debug, Default, Args)]
pub struct TermArgs {
    /// Academic year, by its first calendar year (2025 for 2025-2026);
    /// default: the current one.
    #[arg(long, requires = "term")]
    pub year: Option<u16>,
    /// Term: 1 (autumn) or 2 (spring); default: the current one.
    #[arg(long, requires = "year")]
    pub term: Option<u8>,
}

#[derive(Debug, Args)]
pub struct TermQueryArgs {
    #[command(flatten)]
    pub term: TermArgs,
    /// Output format (default: table on a terminal, JSON otherwise).
    #[arg(long, value_enum)]
    pub format: Option<OutputFormat>,
    /// A token instead of the stored session.
    #[arg(long, env = "XTU_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
}

#[derive(Debug, Args)]
pub struct TimetableArgs {
    #[command(flatten)]
    pub query: TermQueryArgs,
    /// One teaching week as a grid; without N, this week. Weeks run
    /// 1-25, as for rooms (the library checks).
    #[arg(long, value_name = "N", num_args = 0..=1)]
    pub week: Option<Option<u8>>,
}

#[derive(Debug, Args)]
pub struct CompatTermArgs {
    #[command(flatten)]
    pub token: TokenArgs,
    #[command(flatten)]
    pub term: TermArgs,
}

#[derive(Debug, Args)]
pub struct TermListArgs {
    #[command(flatten)]
    pub query: TermQueryArgs,
    /// Every term instead of one.
    #[arg(long, conflicts_with_all = ["year", "term"])]
    pub all: bool,
}

#[derive(Debug, Args)]
pub struct GradesArgs {
    #[command(flatten)]
    pub list: TermListArgs,
    /// Print only grades that are new or changed since the last
    /// --watch-diff run (every term); exit 1 when there are any.
    #[arg(long, conflicts_with_all = ["year", "term", "all"])]
    pub watch_diff: bool,
}

#[derive(Debug, Args)]
pub struct TranscriptArgs {
    #[command(flatten)]
    pub token: TokenArgs,
    /// Also save the PDF to this file (readable only by you: it holds every
    /// grade).
    #[arg(long, value_name = "FILE")]
    pub pdf: Option<PathBuf>,
    /// Output format (default: table on a terminal, JSON otherwise).
    #[arg(long, value_enum)]
    pub format: Option<OutputFormat>,
}

#[derive(Debug, Args)]
pub struct GpaArgs {
    /// First term counted, e.g. 2022-1 or 2022-2023-1 (default: the first).
    #[arg(long, value_name = "TERM")]
    pub from: Option<xtu_model::Term>,
    /// Last term counted, e.g. 2025-2 (default: the last).
    #[arg(long, value_name = "TERM")]
    pub to: Option<xtu_model::Term>,
    /// Count compulsory courses (必修) only.
    #[arg(long)]
    pub compulsory_only: bool,
    /// Output format (default: table on a terminal, JSON otherwise).
    #[arg(long, value_enum)]
    pub format: Option<OutputFormat>,
    /// A token instead of the stored session.
    #[arg(long, env = "XTU_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
}

/// `gpa.py`'s flags.
#[derive(Debug, Args)]
pub struct CompatGpaArgs {
    #[command(flatten)]
    pub token: TokenArgs,
    /// First academic year counted, by its first calendar year.
    #[arg(long, default_value_t = 2001)]
    pub start_year: u16,
    /// Last academic year counted, by its first calendar year.
    #[arg(long, default_value_t = 2030)]
    pub end_year: u16,
    /// Term of the first year: 1 (autumn) or 2 (spring).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=2))]
    pub start_term: u8,
    /// Term of the last year: 1 (autumn) or 2 (spring).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u8).range(1..=2))]
    pub end_term: u8,
    /// Courses counted.
    #[arg(long, value_enum, default_value_t = CourseFilter::All)]
    pub filter: CourseFilter,
}

/// `gpa.py`'s `--filter`, spelled as the upstream spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CourseFilter {
    /// Compulsory courses (必修) only.
    #[value(name = "Mandatory")]
    Mandatory,
    /// Elective courses (选修) only.
    #[value(name = "Elective")]
    Elective,
    /// Every course.
    #[value(name = "All")]
    All,
}

impl From<CourseFilter> for xtu_ems::CourseScope {
    fn from(filter: CourseFilter) -> Self {
        match filter {
            CourseFilter::Mandatory => Self::Compulsory,
            CourseFilter::Elective => Self::Elective,
            CourseFilter::All => Self::All,
        }
    }
}

#[derive(Debug, Args)]
pub struct SsoLoginArgs {
    /// Single sign-on account (usually the student id, 学号).
    #[arg(long)]
    pub username: String,
    /// Password (visible to other users of this machine: prefer a prompt,
    /// --password-stdin or XTU_PASSWORD).
    #[arg(
        long,
        env = "XTU_PASSWORD",
        hide_env_values = true,
        conflicts_with = "password_stdin"
    )]
    pub password: Option<String>,
    /// Read the password from the first line of standard input.
    #[arg(long)]
    pub password_stdin: bool,
    /// Print the token compressed (bzip2 + URL-safe base64).
    #[arg(long)]
    pub compressed: bool,
}

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Single sign-on account (default: the account logged in last).
    #[arg(long)]
    pub username: Option<String>,
    /// Read the password from the first line of standard input (otherwise
    /// XTU_PASSWORD, else a prompt).
    #[arg(long)]
    pub password_stdin: bool,
    /// Log in even after 3 failed attempts within 24 hours.
    #[arg(long)]
    pub force: bool,
    /// Remember the password in the OS keyring (Linux kernel keyring, macOS
    /// Keychain, Windows Credential Manager), so an expired session logs in
    /// again by itself (never after the password was refused once). Without
    /// a keyring, refused unless --insecure-store is given.
    #[arg(long)]
    pub remember: bool,
    /// With --remember: keep the password in a file readable only by you
    /// (mode 0600 in the 0700 state directory), not encrypted, instead of the
    /// OS keyring.
    #[arg(long, requires = "remember")]
    pub insecure_store: bool,
}

#[derive(Debug, Args)]
pub struct TokenArgs {
    /// The token (plain or compressed: both are recognised); `-` reads it from
    /// standard input. A token on the command line is visible to other users
    /// of this machine: prefer XTU_TOKEN or `-`.
    /// Without a token, the session stored by `xtu login` is used.
    #[arg(long, env = "XTU_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Print tokens compressed. Accepted for compatibility by every command.
    #[arg(long)]
    pub compressed: bool,
}

/// A seed command's token flags and the output format.
#[derive(Debug, Args)]
pub struct PageArgs {
    #[command(flatten)]
    pub token: TokenArgs,
    /// Output format (default: table on a terminal, JSON otherwise).
    #[arg(long, value_enum)]
    pub format: Option<OutputFormat>,
}

#[derive(Debug, Args)]
pub struct ClassroomArgs {
    #[command(flatten)]
    pub token: TokenArgs,
    /// Academic year, by its first calendar year (2025 for 2025-2026).
    #[arg(long)]
    pub year: u16,
    /// Term: 1 (autumn) or 2 (spring).
    #[arg(long)]
    pub term: u8,
    /// Teaching weeks, 1-25.
    #[arg(long, num_args = 1.., required = true)]
    pub weeks: Vec<u8>,
    /// Day of week, 1 (Monday) to 7 (Sunday); several days are allowed.
    #[arg(long, num_args = 1.., required = true)]
    pub day_of_week: Vec<u8>,
    /// Sections, 1-11.
    #[arg(long, num_args = 1.., required = true)]
    pub sections: Vec<u8>,
    /// Campus code: 02 校本部 (the default), 03 兴湘学院.
    #[arg(long)]
    pub campus: Option<String>,
    /// Building code (e.g. 101 第一教学楼); default any.
    #[arg(long, default_value = "")]
    pub building: String,
    /// Only rooms with at least this many seats.
    #[arg(long)]
    pub min_seats: Option<u32>,
}

/// A list of sections given as `3-4`, `1,2` or `5` (one value on the
/// command line, so clap must not treat it as repeated values).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sections(pub Vec<u8>);

/// How to print a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// JSON (the default when the output is not a terminal).
    Json,
    /// An aligned table (the default on a terminal).
    Table,
}

#[derive(Debug, Args)]
pub struct RoomsArgs {
    /// Rooms free from now to the end of the current section block.
    #[arg(long, conflicts_with_all = ["at", "week"])]
    pub now: bool,
    /// Rooms free at this Beijing time: "YYYY-MM-DD HH:MM".
    #[arg(long, value_name = "TIME", conflicts_with = "week")]
    pub at: Option<String>,
    /// Teaching weeks (instead of --now/--at).
    #[arg(long, num_args = 1..)]
    pub week: Vec<u8>,
    /// Day of week, 1 (Monday) to 7 (Sunday), with --week.
    #[arg(long)]
    pub day: Option<u8>,
    /// Sections: 3-4, 1,2 or 5 (default with --now/--at: the rest of the current block).
    #[arg(long, value_parser = |text: &str| xtu_app::parse_sections(text).map(Sections))]
    pub sections: Option<Sections>,
    /// Building: a code (101) or part of a name (第一教学楼, 逸夫).
    #[arg(long)]
    pub building: Option<String>,
    /// Only rooms with at least this many seats.
    #[arg(long)]
    pub min_seats: Option<u32>,
    /// Campus code: 02 校本部 (the default), 03 兴湘学院.
    #[arg(long)]
    pub campus: Option<String>,
    /// Output format (default: table on a terminal, JSON otherwise).
    #[arg(long, value_enum)]
    pub format: Option<OutputFormat>,
    /// A token instead of the stored session.
    #[arg(long, env = "XTU_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
}

#[derive(Debug, Args)]
pub struct ParseArgs {
    /// Page name: student-info, teaching-calendar, classroom-availability,
    /// buildings, timetable, exams, grades, gpa-rank, progress,
    /// progress-courses, progress-outside-plan, plan, plan-page, plan-query,
    /// majors, notices, eval-list, eval-form, or transcript (a PDF).
    pub page: String,
    /// The saved page; `-` reads standard input.
    pub file: PathBuf,
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_definition_is_consistent() {
        <super::Cli as clap::CommandFactory>::command().debug_assert();
    }

    #[test]
    fn the_parse_help_names_every_page() {
        let mut command = <super::Cli as clap::CommandFactory>::command();
        let help = command
            .find_subcommand_mut("parse")
            .expect("a parse command")
            .render_long_help()
            .to_string();
        let help = help.split_whitespace().collect::<Vec<_>>().join(" ");
        for page in xtu_ems::Page::ALL {
            assert!(
                help.contains(&format!(" {},", page.name())),
                "`xtu parse --help` does not name {}",
                page.name()
            );
        }
        assert!(help.contains("transcript (a PDF)"), "{help}");
    }

    #[test]
    fn the_help_names_the_real_defaults() {
        let help = <super::Cli as clap::CommandFactory>::command()
            .render_long_help()
            .to_string();
        // Wrapped at any space.
        let help = help.split_whitespace().collect::<Vec<_>>().join(" ");
        for default in [
            xtu_sso::DEFAULT_BASE_URL,
            xtu_ems::DEFAULT_BASE_URL,
            xtu_grad::DEFAULT_BASE_URL,
        ] {
            assert!(help.contains(&format!("[default: {default}]")), "{help}");
        }
        assert!(
            help.contains(&format!("[default: {}]", super::DEFAULT_TIMEOUT_SECONDS)),
            "{help}"
        );
    }
}

#[derive(Debug, Subcommand)]
pub enum GradCommand {
    /// The graduate timetable (研究生课表) of a term: the same JSON, table
    /// and week grid as `xtu timetable`.
    ///
    /// Sections are numbered as the academic system's: 上午1-4 are 1-4,
    /// 下午1-4 are 5-8, 晚上1-3 are 9-11; a course without sections (无节次)
    /// has none. --week N: one teaching week as a grid; the graduate system
    /// publishes no teaching calendar, so the grid is dated (and --week alone
    /// finds this week) only with --term-start. Exports: `xtu export ics
    /// --grad`, `xtu export wakeup --grad`.
    #[command(
        after_help = "Examples:\n  xtu grad timetable\n  xtu grad timetable --year 2025 --term 2 --format json\n  \
        xtu grad timetable --week 3\n  xtu grad timetable --week --term-start 2025-09-01"
    )]
    Timetable(GradTimetableArgs),
}

#[derive(Debug, Args)]
pub struct GradTimetableArgs {
    #[command(flatten)]
    pub term: TermArgs,
    /// Output format (default: table on a terminal, JSON otherwise).
    #[arg(long, value_enum)]
    pub format: Option<OutputFormat>,
    /// One teaching week as a grid; without N, this week (needs
    /// --term-start). Weeks run 1-25, as for rooms (the library checks).
    #[arg(long, value_name = "N", num_args = 0..=1)]
    pub week: Option<Option<u8>>,
    /// The first day of teaching week 1, which dates the week grid.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub term_start: Option<chrono::NaiveDate>,
}
