//! `xtu eval`: the course evaluation's flags, the confirmation before an
//! irreversible submit, and what is printed. The work is
//! `xtu_app::Xtu::{evaluations, fill_evaluations, submit_evaluations}`.

use std::io::{BufRead as _, IsTerminal as _, Write as _};
use std::path::PathBuf;

use clap::{Args, Subcommand};
use xtu_app::{
    AnswerFile, Error, EvaluationReport, FillRequest, FormAction, Policy, Selection, Xtu,
};
use xtu_model::{Evaluation, EvaluationState};

use crate::args::OutputFormat;
use crate::output::{format_or_default, print_json, print_text, table};

/// `xtu eval`: the list, or one of its actions.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct EvalArgs {
    #[command(subcommand)]
    pub action: Option<EvalCommand>,
    #[command(flatten)]
    pub common: EvalCommon,
}

/// Options of every `eval` command.
#[derive(Debug, Args)]
pub struct EvalCommon {
    /// Output format (default: table on a terminal, JSON otherwise).
    #[arg(long, value_enum)]
    pub format: Option<OutputFormat>,
    /// A token instead of the stored session.
    #[arg(long, env = "XTU_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
}

/// Which forms.
#[derive(Debug, Args)]
pub struct SelectionArgs {
    /// Only this course: its code, or part of its name.
    #[arg(long, value_name = "NAME|CODE")]
    pub course: Option<String>,
    /// Only this teacher's forms (part of the name).
    #[arg(long, value_name = "NAME")]
    pub teacher: Option<String>,
}

impl SelectionArgs {
    fn selection(&self) -> Selection {
        Selection {
            course: self.course.clone(),
            teacher: self.teacher.clone(),
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum EvalCommand {
    /// Answer every pending form and save it (still editable on the site).
    ///
    /// --best: the highest level everywhere (scores at the top of their
    /// range); where the site refuses uniform answers, one question one
    /// level lower. --answers FILE (TOML, or JSON when named *.json): per
    /// question, by its number ("3") or its text, a level (优秀) or a score;
    /// `default` / `default_score` for the rest; `comment`; and [[course]]
    /// entries (course = name or code, teacher = name) that override them
    /// for one course. Every answer is checked against its form before
    /// anything is sent. Forms already saved or submitted are left alone.
    #[command(after_help = FILL_HELP)]
    Fill(FillArgs),
    /// Submit the saved forms: final, cannot be undone on the site.
    ///
    /// Lists what will be submitted and asks on a terminal; elsewhere
    /// --yes is required (without it nothing is sent, exit 2). Submits
    /// each form exactly as the site shows it saved, stops at the first
    /// refusal, skips submitted forms.
    #[command(
        after_help = "Examples:\n  xtu eval submit\n  xtu eval submit --yes --course 大学物理"
    )]
    Submit(SubmitArgs),
}

const FILL_HELP: &str = "\
Examples:
  xtu eval fill --best --dry-run
  xtu eval fill --best --comment \"老师讲解清楚\"
  xtu eval fill --answers answers.toml --course 大学物理 --submit

An answers file:
  default = \"优秀\"
  default_score = 95
  comment = \"认真负责\"
  [answers]
  3 = \"良好\"
  \"讲解清楚\" = \"优秀\"
  [[course]]
  course = \"大学物理\"
  teacher = \"教师乙\"
  [course.answers]
  4 = 90";

#[derive(Debug, Args)]
pub struct FillArgs {
    /// The highest level everywhere.
    #[arg(long, conflicts_with = "answers", required_unless_present = "answers")]
    pub best: bool,
    /// Answers from this file (TOML or JSON).
    #[arg(long, value_name = "FILE")]
    pub answers: Option<PathBuf>,
    /// The comment (评语) of every form, at most 500 characters.
    #[arg(long, value_name = "TEXT")]
    pub comment: Option<String>,
    #[command(flatten)]
    pub selection: SelectionArgs,
    /// Print each form exactly as it would be sent; send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Then submit the saved forms (asks first; see `xtu eval submit`).
    #[arg(long)]
    pub submit: bool,
    /// With --submit: submit without asking.
    #[arg(long, requires = "submit")]
    pub yes: bool,
    #[command(flatten)]
    pub common: EvalCommon,
}

#[derive(Debug, Args)]
pub struct SubmitArgs {
    #[command(flatten)]
    pub selection: SelectionArgs,
    /// Submit without asking (required off a terminal).
    #[arg(long)]
    pub yes: bool,
    #[command(flatten)]
    pub common: EvalCommon,
}

pub async fn eval(xtu: &Xtu, args: EvalArgs) -> Result<(), Error> {
    match args.action {
        None => list(xtu, args.common).await,
        Some(EvalCommand::Fill(args)) => fill(xtu, args).await,
        Some(EvalCommand::Submit(args)) => submit(xtu, args).await,
    }
}

fn token(common: &EvalCommon) -> Result<Option<String>, Error> {
    common
        .token
        .as_deref()
        .map(crate::secrets::token)
        .transpose()
}

fn state(state: EvaluationState) -> &'static str {
    match state {
        EvaluationState::Pending => "pending",
        EvaluationState::Saved => "saved",
        EvaluationState::Submitted => "submitted",
        EvaluationState::Unknown => "unknown",
    }
}

async fn list(xtu: &Xtu, common: EvalCommon) -> Result<(), Error> {
    let evaluations = xtu.evaluations(token(&common)?.as_deref()).await?;
    match format_or_default(common.format) {
        OutputFormat::Json => print_json(&evaluations),
        OutputFormat::Table => {
            let rows: Vec<Vec<String>> = evaluations
                .iter()
                .map(|e| {
                    vec![
                        e.course.clone(),
                        e.course_code.clone(),
                        e.teacher.clone(),
                        state(e.state).to_owned(),
                    ]
                })
                .collect();
            let pending = evaluations
                .iter()
                .filter(|e| e.state != EvaluationState::Submitted)
                .count();
            let mut out = table(&["course", "code", "teacher", "state"], &rows, usize::MAX);
            out.push_str(&format!(
                "{} evaluations, {pending} not submitted\n",
                evaluations.len()
            ));
            print_text(&out)
        }
    }
}

/// Says yes or no to the list of forms about to be submitted.
type Confirm = Box<dyn FnMut(&[Evaluation]) -> bool + Send>;

/// Submitting cannot be undone: asked on a terminal, `--yes` elsewhere. The
/// refusal comes before any request.
fn confirmation(yes: bool) -> Result<Confirm, Error> {
    if yes {
        return Ok(Box::new(|_: &[Evaluation]| true));
    }
    if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        return Err(Error::Usage(
            "submitting cannot be undone: run it on a terminal to confirm, or pass --yes; \
             nothing was sent"
                .into(),
        ));
    }
    Ok(Box::new(|targets: &[Evaluation]| {
        let mut stderr = std::io::stderr().lock();
        let _ = writeln!(
            stderr,
            "These evaluations will be submitted (final: they cannot be changed afterwards):"
        );
        for evaluation in targets {
            let _ = writeln!(stderr, "  {}", evaluation.title());
        }
        let _ = write!(stderr, "Submit {} form(s)? [y/N] ", targets.len());
        let _ = stderr.flush();
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).is_ok()
            && matches!(line.trim(), "y" | "Y" | "yes" | "YES" | "Yes")
    }))
}

async fn fill(xtu: &Xtu, args: FillArgs) -> Result<(), Error> {
    let policy = match &args.answers {
        Some(path) => Policy::Answers(AnswerFile::read(path)?),
        None => Policy::Best,
    };
    // A refused confirmation is known before the first request.
    let mut confirm: Confirm = if args.submit && !args.dry_run {
        confirmation(args.yes)?
    } else {
        Box::new(|_: &[Evaluation]| false)
    };
    let request = FillRequest {
        policy,
        comment: args.comment.clone(),
        selection: args.selection.selection(),
        dry_run: args.dry_run,
        submit: args.submit,
    };
    let report = xtu
        .fill_evaluations(token(&args.common)?.as_deref(), &request, &mut *confirm)
        .await?;
    print_report(&report, args.common.format)
}

async fn submit(xtu: &Xtu, args: SubmitArgs) -> Result<(), Error> {
    let mut confirm = confirmation(args.yes)?;
    let report = xtu
        .submit_evaluations(
            token(&args.common)?.as_deref(),
            &args.selection.selection(),
            &mut *confirm,
        )
        .await?;
    print_report(&report, args.common.format)
}

fn print_report(report: &EvaluationReport, format: Option<OutputFormat>) -> Result<(), Error> {
    match format_or_default(format) {
        OutputFormat::Json => print_json(report),
        OutputFormat::Table => print_text(&report_text(report)),
    }
}

/// The report for a person: each form's answers, and on a dry run every
/// field exactly as it would be sent.
fn report_text(report: &EvaluationReport) -> String {
    let mut out = String::new();
    for form in &report.forms {
        let verb = match form.action {
            FormAction::WouldSave => "would save",
            FormAction::WouldSubmit => "would submit",
            FormAction::Saved => "saved",
            FormAction::Submitted => "submitted",
        };
        let teacher = if form.teacher.is_empty() {
            String::new()
        } else {
            format!(" ({})", form.teacher)
        };
        out.push_str(&format!("{verb}: {}{teacher}\n", form.course));
        for answer in &form.answers {
            let lowered = if form.lowered == Some(answer.index) {
                "  (one level lower: the site refuses uniform answers)"
            } else {
                ""
            };
            out.push_str(&format!(
                "  {:>2}. {}  {}{lowered}\n",
                answer.index,
                answer
                    .question
                    .trim_start_matches(|c: char| c.is_ascii_digit() || c == '.' || c == ' '),
                answer.answer
            ));
        }
        if !form.comment.is_empty() {
            out.push_str(&format!("  comment: {}\n", form.comment));
        }
        if report.dry_run {
            out.push_str("  fields:\n");
            for field in &form.fields {
                out.push_str(&format!("    {}={}\n", field.name, field.value));
            }
        }
    }
    for line in &report.skipped {
        out.push_str(&format!("skipped: {line}\n"));
    }
    if report.forms.is_empty() {
        out.push_str("nothing to do\n");
    } else if report.dry_run {
        out.push_str("dry run: nothing was sent\n");
    }
    out
}
