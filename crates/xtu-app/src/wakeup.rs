//! The timetable as WakeUp课程表's CSV import template: one row per class
//! block, `课程名称,星期,开始节数,结束节数,老师,地点,周数`, weeks written as
//! `1-8、10-16双`. What is known of the template, and how sure:
//! `docs/wakeup.md`.

use xtu_model::{Course, Timetable};

use crate::error::Error;
use crate::session::Xtu;
use crate::term::{TermAnswer, TermAsked};

/// The template's header, in its order.
pub const WAKEUP_HEADER: [&str; 7] = [
    "课程名称",
    "星期",
    "开始节数",
    "结束节数",
    "老师",
    "地点",
    "周数",
];

/// A course that has no row in the file, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeftOut {
    /// The course's name.
    pub name: String,
    /// Why, e.g. "a practice course without a day and sections".
    pub reason: &'static str,
}

/// The file and what is not in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WakeUpExport {
    /// The CSV text: UTF-8 with a byte-order mark (spreadsheets need it to
    /// read Chinese), CRLF line ends.
    pub csv: String,
    /// Rows written (class blocks).
    pub rows: usize,
    /// Courses left out: the caller should tell the user.
    pub left_out: Vec<LeftOut>,
}

/// Weeks in the template's notation: runs as `1-8`, every other week as
/// `10-16双` / `1-15单`, single weeks alone, joined by `、`.
pub fn wakeup_weeks(weeks: &[u8]) -> String {
    let mut weeks = weeks.to_vec();
    weeks.sort_unstable();
    weeks.dedup();
    let run = |from: usize, step: u8| {
        let mut end = from;
        while end + 1 < weeks.len() && weeks[end + 1] == weeks[end] + step {
            end += 1;
        }
        end
    };
    let mut parts = Vec::new();
    let mut i = 0;
    while i < weeks.len() {
        let consecutive = run(i, 1);
        // Every other week, only over the weeks that are not consecutive.
        let alternate = if consecutive == i { run(i, 2) } else { i };
        if consecutive > i {
            parts.push(format!("{}-{}", weeks[i], weeks[consecutive]));
            i = consecutive + 1;
        } else if alternate >= i + 2 {
            let parity = if weeks[i] % 2 == 1 { "单" } else { "双" };
            parts.push(format!("{}-{}{parity}", weeks[i], weeks[alternate]));
            i = alternate + 1;
        } else {
            parts.push(weeks[i].to_string());
            i += 1;
        }
    }
    parts.join("、")
}

/// Reads the template's week notation back (also `,`, `，` and spaces as
/// separators, and a trailing `周`), as WakeUp does.
pub fn parse_wakeup_weeks(text: &str) -> Result<Vec<u8>, String> {
    let mut weeks = Vec::new();
    let bad = || format!("unreadable weeks {text:?}");
    for part in text
        .split(['、', ',', '，', ' '])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let part = part.trim_end_matches('周');
        let (part, parity) = match part.strip_suffix('单') {
            Some(rest) => (rest, Some(1)),
            None => match part.strip_suffix('双') {
                Some(rest) => (rest, Some(0)),
                None => (part, None),
            },
        };
        let part = part.trim_end_matches('周');
        let (from, to) = part.split_once('-').unwrap_or((part, part));
        let from: u8 = from.trim().parse().map_err(|_| bad())?;
        let to: u8 = to.trim().parse().map_err(|_| bad())?;
        if from == 0 || from > to {
            return Err(bad());
        }
        weeks.extend((from..=to).filter(|w| parity.is_none_or(|p| w % 2 == p)));
    }
    weeks.sort_unstable();
    weeks.dedup();
    Ok(weeks)
}

/// Contiguous section runs: `[1, 2, 4]` is 1-2 and 4-4.
fn section_runs(sections: &[u8]) -> Vec<(u8, u8)> {
    let mut sorted = sections.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut runs: Vec<(u8, u8)> = Vec::new();
    for s in sorted {
        match runs.last_mut() {
            Some((_, last)) if *last + 1 == s => *last = s,
            _ => runs.push((s, s)),
        }
    }
    runs
}

/// The template for `timetable`: a row per class block (a meeting on split
/// sections gives one row per run); practice courses and meetings without
/// a day, sections or weeks are left out and listed.
pub fn wakeup_csv(timetable: &Timetable) -> Result<WakeUpExport, Error> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let failed = |e: csv::Error| Error::Usage(format!("cannot write the WakeUp CSV: {e}"));
    writer.write_record(WAKEUP_HEADER).map_err(failed)?;
    let mut rows = 0;
    let mut left_out = Vec::new();
    for course in &timetable.courses {
        if let Some(reason) = unusable(course) {
            left_out.push(LeftOut {
                name: course.name.clone(),
                reason,
            });
            continue;
        }
        let weeks = wakeup_weeks(&course.weeks);
        for (first, last) in section_runs(&course.sections) {
            writer
                .write_record([
                    course.name.as_str(),
                    &course.day_of_week.to_string(),
                    &first.to_string(),
                    &last.to_string(),
                    &course.teacher,
                    &course.location,
                    &weeks,
                ])
                .map_err(failed)?;
            rows += 1;
        }
    }
    left_out.extend(timetable.practice.iter().map(|p| LeftOut {
        name: p.name.clone(),
        reason: "a practice course without a day and sections",
    }));
    let bytes = writer
        .into_inner()
        .map_err(|e| Error::Usage(format!("cannot write the WakeUp CSV: {e}")))?;
    let text =
        String::from_utf8(bytes).map_err(|_| Error::Usage("the WakeUp CSV is not UTF-8".into()))?;
    Ok(WakeUpExport {
        csv: format!("\u{feff}{text}"),
        rows,
        left_out,
    })
}

fn unusable(course: &Course) -> Option<&'static str> {
    if !(1..=7).contains(&course.day_of_week) || course.sections.is_empty() {
        Some("no day or sections on the site")
    } else if course.weeks.is_empty() {
        Some("no teaching weeks on the site")
    } else {
        None
    }
}

impl Xtu {
    /// The timetable of the term asked for (else the current one, see
    /// [`TermAsked`](crate::TermAsked)) in WakeUp's CSV template.
    pub async fn export_wakeup(
        &self,
        asked: TermAsked,
        token: Option<&str>,
    ) -> Result<TermAnswer<WakeUpExport>, Error> {
        let found = self.timetable(asked, token).await?;
        Ok(TermAnswer {
            answer: wakeup_csv(&found.answer)?,
            term: found.term,
            notes: found.notes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_are_written_in_runs_and_alternate_weeks() {
        let even: Vec<u8> = (1..=8).chain((10..=16).step_by(2)).collect();
        assert_eq!(wakeup_weeks(&even), "1-8、10-16双");
        assert_eq!(wakeup_weeks(&[1, 3, 5, 7]), "1-7单");
        assert_eq!(wakeup_weeks(&[3]), "3");
        assert_eq!(wakeup_weeks(&[2, 5, 8]), "2、5、8");
        assert_eq!(wakeup_weeks(&[1, 3]), "1、3");
        assert_eq!(wakeup_weeks(&[4, 3, 3, 1]), "1、3-4");
        assert_eq!(wakeup_weeks(&[]), "");
    }

    #[test]
    fn the_notation_reads_back() {
        for weeks in [
            vec![1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16],
            vec![1, 3, 5, 7, 9, 10, 11],
            vec![17],
            vec![2, 5, 8, 9, 11, 13],
        ] {
            let text = wakeup_weeks(&weeks);
            assert_eq!(parse_wakeup_weeks(&text), Ok(weeks), "{text}");
        }
        assert_eq!(parse_wakeup_weeks("1-4周, 6双"), Ok(vec![1, 2, 3, 4, 6]));
        for bad in ["x", "5-3", "0-2", "1-"] {
            assert!(parse_wakeup_weeks(bad).is_err(), "{bad}");
        }
    }

    fn course(name: &str, teacher: &str, weeks_text: &str) -> Course {
        Course {
            name: name.into(),
            teacher: teacher.into(),
            location: "第一教学楼-101".into(),
            day_of_week: 3,
            sections: vec![3, 4],
            weeks: xtu_model::weeks::parse_weeks(weeks_text).expect("site weeks"),
            weeks_text: weeks_text.into(),
            campus: String::new(),
            course_code: String::new(),
            class_name: String::new(),
        }
    }

    /// The file read back with the `csv` crate: header and rows.
    fn read_back(csv_text: &str) -> (Vec<String>, Vec<Vec<String>>) {
        let text = csv_text
            .strip_prefix('\u{feff}')
            .expect("a byte-order mark");
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let header = reader
            .headers()
            .expect("header")
            .iter()
            .map(str::to_owned)
            .collect();
        let rows = reader
            .records()
            .map(|r| r.expect("row").iter().map(str::to_owned).collect())
            .collect();
        (header, rows)
    }

    #[test]
    fn names_with_commas_and_quotes_and_the_weeks_round_trip() {
        let timetable = Timetable {
            term: "2025-2026-1".into(),
            courses: vec![
                course("数据结构, \"实验\"（一）", "张三,李四", "1-8周,10-16周(双)"),
                course("体育", "", "1-16周"),
            ],
            practice: vec![xtu_model::PracticeCourse {
                name: "生产实习".into(),
                teacher: String::new(),
                weeks: vec![17, 18],
                description: "生产实习 17-18周".into(),
            }],
        };
        let export = wakeup_csv(&timetable).expect("writes");
        let (header, rows) = read_back(&export.csv);
        assert_eq!(header, WAKEUP_HEADER);
        assert_eq!((rows.len(), export.rows), (2, 2));
        assert_eq!(rows[0][0], "数据结构, \"实验\"（一）");
        assert_eq!(rows[0][4], "张三,李四");
        assert_eq!(rows[0][1..4], ["3", "3", "4"]);
        assert_eq!(rows[0][6], "1-8、10-16双");
        assert_eq!(
            parse_wakeup_weeks(&rows[0][6]).expect("weeks"),
            xtu_model::weeks::parse_weeks("1-8周,10-16周(双)").expect("site weeks")
        );
        assert_eq!(rows[1][6], "1-16");
        assert_eq!(
            export.left_out,
            [LeftOut {
                name: "生产实习".into(),
                reason: "a practice course without a day and sections",
            }]
        );
    }

    #[test]
    fn split_sections_give_one_row_per_run() {
        assert_eq!(section_runs(&[4, 1, 2]), [(1, 2), (4, 4)]);
        assert_eq!(section_runs(&[9, 10, 11]), [(9, 11)]);
    }
}
