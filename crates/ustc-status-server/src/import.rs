//! CSV parsing and validation for `import`, and the synthetic dataset generator.

use std::collections::HashMap;
use std::fmt::Write as _;

use crate::store::Record;

/// The only accepted header.
pub const CSV_HEADER: &str = "gid,zjhm,ryzxztdm";

/// Bad rows found while validating a CSV file; nothing is loaded when this is returned.
#[derive(Debug, thiserror::Error)]
#[error("{} invalid row(s), nothing loaded: {}", .problems.len(), summary(.problems))]
pub struct CsvError {
    /// `(line number, problem)` for every bad line, 1-based like editors count.
    pub problems: Vec<(usize, String)>,
}

fn summary(problems: &[(usize, String)]) -> String {
    let mut out = String::new();
    for (i, (line, msg)) in problems.iter().enumerate() {
        if i == 20 {
            let _ = write!(out, "; ... and {} more", problems.len() - 20);
            break;
        }
        if i > 0 {
            out.push_str("; ");
        }
        let _ = write!(out, "line {line}: {msg}");
    }
    out
}

/// Parses and validates a whole CSV text with header `gid,zjhm,ryzxztdm`.
///
/// Every row is checked before anything is returned: three fields, non-empty gid and
/// zjhm without control characters, zjhm unique. `ryzxztdm` is kept verbatim as text.
/// Quoting follows RFC 4180, except that a quoted field may not span lines (the export
/// never has line breaks in a field; one there is a quote left open).
pub fn parse_csv(text: &str) -> Result<Vec<Record>, CsvError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut problems = Vec::new();
    let mut records = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = reader.records();
    let header_ok = |fields: &csv::StringRecord| {
        let joined: Vec<&str> = fields.iter().collect();
        joined.join(",").trim() == CSV_HEADER
    };
    match rows.next() {
        Some(Ok(header)) if line_of(&header) == 1 && header_ok(&header) => {}
        Some(Ok(header)) => {
            let found = if line_of(&header) == 1 {
                header.iter().collect::<Vec<_>>().join(",")
            } else {
                String::new()
            };
            problems.push((
                1,
                format!(
                    "header must be {CSV_HEADER:?}, found {:?}",
                    truncate(&found)
                ),
            ));
        }
        Some(Err(e)) => problems.push((1, format!("unreadable header: {e}"))),
        None => problems.push((1, "empty file".into())),
    }
    for row in rows {
        let fields = match row {
            Ok(fields) => fields,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line() as usize);
                problems.push((line, format!("unreadable row: {e}")));
                continue;
            }
        };
        let lineno = line_of(&fields);
        if fields.len() == 1 && fields[0].trim().is_empty() {
            // A line of blanks, like the empty lines the reader skips itself.
            continue;
        }
        if fields.iter().any(|f| f.contains(['\n', '\r'])) {
            problems.push((lineno, "unterminated quoted field".into()));
            continue;
        }
        if fields.len() != 3 {
            problems.push((lineno, format!("expected 3 fields, found {}", fields.len())));
            continue;
        }
        let gid = fields[0].trim();
        let zjhm = fields[1].trim();
        let code = &fields[2];
        if let Some(msg) = check_key("gid", gid).or_else(|| check_key("zjhm", zjhm)) {
            problems.push((lineno, msg));
            continue;
        }
        if code.chars().any(char::is_control) {
            problems.push((lineno, "ryzxztdm contains control characters".into()));
            continue;
        }
        if let Some(first) = seen.get(zjhm) {
            problems.push((
                lineno,
                format!(
                    "duplicate zjhm {:?} (first on line {first})",
                    truncate(zjhm)
                ),
            ));
            continue;
        }
        seen.insert(zjhm.to_owned(), lineno);
        records.push(Record {
            gid: gid.to_owned(),
            zjhm: zjhm.to_owned(),
            ryzxztdm: Some(code.to_owned()),
        });
    }
    if problems.is_empty() {
        Ok(records)
    } else {
        Err(CsvError { problems })
    }
}

/// The 1-based line a record starts on, as editors count.
fn line_of(record: &csv::StringRecord) -> usize {
    record.position().map_or(0, |p| p.line() as usize)
}

fn check_key(name: &str, value: &str) -> Option<String> {
    if value.is_empty() {
        Some(format!("{name} is empty"))
    } else if value.len() > 256 {
        Some(format!("{name} is longer than 256 bytes"))
    } else if value.chars().any(char::is_control) {
        Some(format!("{name} contains control characters"))
    } else {
        None
    }
}

fn truncate(s: &str) -> String {
    s.chars().take(40).collect()
}

/// Writes a synthetic dataset of `rows` identities as CSV.
///
/// About five in six gids have one identity and the rest two or three, so 300,000 rows
/// give roughly 250,000 gids. Deterministic for a given `seed`.
pub fn generate_dataset(
    rows: usize,
    seed: u64,
    out: &mut dyn std::io::Write,
) -> std::io::Result<usize> {
    let mut state = seed ^ 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        // xorshift64*: plenty for a benchmark dataset, no dependency.
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    };
    const CODES: [&str; 6] = ["01", "02", "10", "11", "20", "99"];
    writeln!(out, "{CSV_HEADER}")?;
    let mut written = 0;
    let mut gid_n: u64 = 2_200_000_000;
    while written < rows {
        gid_n += 1;
        let r = next() % 12;
        let identities = match r {
            0 => 3,
            1 => 2,
            _ => 1,
        };
        for _ in 0..identities {
            if written == rows {
                break;
            }
            let code = CODES[(next() % CODES.len() as u64) as usize];
            writeln!(out, "{gid_n},Z{:07},{code}", written + 1)?;
            written += 1;
        }
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_keeps_codes_as_text() {
        let r = parse_csv("gid,zjhm,ryzxztdm\r\n1,A,01\n1,\"B,x\",10\n\n").unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].ryzxztdm.as_deref(), Some("01"));
        assert_eq!(r[1].zjhm, "B,x");
    }

    #[test]
    fn reports_every_bad_line() {
        let e = parse_csv("gid,zjhm,ryzxztdm\n1,A,01\n,B,1\n2,A,3\n3,C\n").unwrap_err();
        let lines: Vec<usize> = e.problems.iter().map(|p| p.0).collect();
        assert_eq!(lines, vec![3, 4, 5]);
        assert!(
            e.to_string()
                .contains("duplicate zjhm \"A\" (first on line 2)")
        );
    }

    #[test]
    fn an_open_quote_is_reported_on_its_line() {
        let e = parse_csv("gid,zjhm,ryzxztdm\n1,A,01\n2,\"B,02\n3,C,03\n").unwrap_err();
        assert_eq!(
            e.problems,
            vec![(3, "unterminated quoted field".to_owned())]
        );
    }

    #[test]
    fn blank_lines_are_skipped_and_lines_still_counted() {
        let e = parse_csv("gid,zjhm,ryzxztdm\n\n   \n1,A,01\n,B,1\n").unwrap_err();
        assert_eq!(e.problems, vec![(5, "gid is empty".to_owned())]);
    }

    #[test]
    fn rejects_wrong_header() {
        let e = parse_csv("userid,gid,zxzt\n1,A,01\n").unwrap_err();
        assert_eq!(e.problems[0].0, 1);
    }

    #[test]
    fn generator_shape() {
        let mut buf = Vec::new();
        let n = generate_dataset(1200, 7, &mut buf).unwrap();
        assert_eq!(n, 1200);
        let text = String::from_utf8(buf).unwrap();
        let records = parse_csv(&text).unwrap();
        let gids: std::collections::HashSet<_> = records.iter().map(|r| r.gid.as_str()).collect();
        assert!(gids.len() > 900 && gids.len() < 1150, "{}", gids.len());
    }
}
