//! What the commands print.

use std::io::Write as _;

use serde::Serialize;
use unicode_width::UnicodeWidthStr as _;

use crate::args::OutputFormat;
use xtu_app::Error;

/// The format asked for, else a table on a terminal and JSON otherwise.
pub fn format_or_default(asked: Option<OutputFormat>) -> OutputFormat {
    use std::io::IsTerminal as _;
    asked.unwrap_or(if std::io::stdout().is_terminal() {
        OutputFormat::Table
    } else {
        OutputFormat::Json
    })
}

/// A plain aligned table (CJK characters are two columns wide); columns
/// from `right_from` on are right-aligned (numbers).
pub fn table(headers: &[&str], rows: &[Vec<String>], right_from: usize) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.width()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.width());
        }
    }
    let line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut out = String::new();
        for (i, (cell, width)) in cells.zip(&widths).enumerate() {
            let pad = " ".repeat(width.saturating_sub(cell.width()));
            if i >= right_from {
                out.push_str(&pad);
                out.push_str(cell);
            } else {
                out.push_str(cell);
                out.push_str(&pad);
            }
            out.push_str("  ");
        }
        out.truncate(out.trim_end().len());
        out.push('\n');
        out
    };
    let mut out = line(&mut headers.iter().copied());
    for row in rows {
        out.push_str(&line(&mut row.iter().map(String::as_str)));
    }
    out
}

/// Prints JSON as the upstream scripts do (`json.dumps(ensure_ascii=False,
/// indent=4)`): UTF-8, 4-space indent, a newline at the end.
pub fn print_json(value: &impl Serialize) -> Result<(), Error> {
    let mut buffer = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut serializer = serde_json::Serializer::with_formatter(&mut buffer, formatter);
    value
        .serialize(&mut serializer)
        .map_err(|e| Error::Usage(format!("could not write JSON: {e}")))?;
    buffer.push(b'\n');
    print_bytes(&buffer)
}

/// Prints text as is on stdout.
pub fn print_text(text: &str) -> Result<(), Error> {
    print_bytes(text.as_bytes())
}

/// Prints a line (a token) on stdout.
pub fn print_line(line: &str) -> Result<(), Error> {
    print_bytes(format!("{line}\n").as_bytes())
}

fn print_bytes(bytes: &[u8]) -> Result<(), Error> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        // A closed pipe (`xtu ... | head`) is the reader's choice, not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.map_err(Error::io("could not write to standard output")),
    }
}

/// Runs `work`, showing a spinner with `label` on standard error if it takes
/// more than a moment and standard error is a terminal. Standard output is
/// never touched, so piped results stay clean.
pub async fn with_progress<F: std::future::Future>(label: &str, work: F) -> F::Output {
    use std::io::IsTerminal as _;
    if !std::io::stderr().is_terminal() {
        return work.await;
    }
    let spinner = async {
        tokio::time::sleep(std::time::Duration::from_millis(400)).await;
        let frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
        let started = std::time::Instant::now();
        for frame in frames.iter().cycle() {
            eprint!("\r{frame} {label} ({:.0?})", started.elapsed());
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    };
    tokio::pin!(work);
    tokio::select! {
        output = &mut work => {
            // Clear the spinner's line (if it was drawn).
            eprint!("\r\x1b[2K");
            output
        }
        () = spinner => unreachable!("the spinner never ends"),
    }
}

/// The error and its causes on one line, without repeating a cause that the
/// message already includes.
pub fn one_line(error: &(dyn std::error::Error + 'static)) -> String {
    let mut line = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !line.contains(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
        source = cause.source();
    }
    line
}
