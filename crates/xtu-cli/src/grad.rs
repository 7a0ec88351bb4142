//! `xtu grad ...` and the `--grad` exports: graduate students' commands,
//! printed by the same printers as the academic system's.

use xtu_app::{Error, GradRequest, TermAsked, Xtu};

use crate::args::{GradCommand, GradTimetableArgs, IcsArgs};
use crate::commands::{print_timetable, print_week};
use crate::output::{print_text, with_progress};

pub async fn run(xtu: &Xtu, command: GradCommand) -> Result<(), Error> {
    match command {
        GradCommand::Timetable(args) => timetable(xtu, args).await,
    }
}

async fn timetable(xtu: &Xtu, args: GradTimetableArgs) -> Result<(), Error> {
    let request = GradRequest {
        term: TermAsked::one(args.term.year, args.term.term)?.by_date()?,
        term_start: args.term_start,
    };
    if let Some(week) = args.week {
        let view = xtu.grad_week(&request, week).await?;
        return print_week(&view, args.format);
    }
    let timetable = with_progress(
        "reading the graduate timetable",
        xtu.grad_timetable(request.term),
    )
    .await?;
    print_timetable(&timetable, args.format)
}

/// `xtu export ics --grad`.
pub async fn export_ics(xtu: &Xtu, args: &IcsArgs) -> Result<(), Error> {
    let request = GradRequest {
        term: TermAsked::one(args.year, args.term)?.by_date()?,
        term_start: args.term_start,
    };
    let text = with_progress(
        "reading the graduate timetable",
        xtu.grad_export_ics(&request, args.alarm),
    )
    .await?;
    print_text(&text)
}
