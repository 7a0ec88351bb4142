//! The week grid of `xtu timetable --week`: days × sections, display width
//! measured (CJK characters take two columns), names cut with `…` to fit.

use unicode_width::{UnicodeWidthChar as _, UnicodeWidthStr as _};
use xtu_app::{WeekView, section_text};
use xtu_model::Course;
use xtu_model::sections::{SECTIONS, block_of};

use crate::tables::{day_name, practice_line};

/// The narrowest grid: it always fits 80 columns.
pub const MIN_WIDTH: usize = 80;
/// Wider terminals get wider cells, up to this.
const MAX_WIDTH: usize = 240;

/// The width to draw at: the terminal's, else `$COLUMNS`, else 80; never
/// below 80 nor above 240.
pub fn grid_width() -> usize {
    use std::io::IsTerminal as _;
    let terminal = std::io::stdout()
        .is_terminal()
        .then(terminal_size::terminal_size)
        .flatten()
        .map(|(terminal_size::Width(w), _)| usize::from(w));
    let columns = || std::env::var("COLUMNS").ok()?.trim().parse::<usize>().ok();
    terminal
        .or_else(columns)
        .unwrap_or(MIN_WIDTH)
        .clamp(MIN_WIDTH, MAX_WIDTH)
}

/// `text` in exactly `width` columns: cut with `…`, or padded.
pub(crate) fn fit(text: &str, width: usize) -> String {
    if text.width() <= width {
        return format!("{text}{}", " ".repeat(width - text.width()));
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    used += 1;
    out.push_str(&" ".repeat(width.saturating_sub(used)));
    out
}

fn centered(text: &str, width: usize) -> String {
    let shown = fit(text, width);
    let text = shown.trim_end();
    let left = (width - text.width()) / 2;
    format!(
        "{}{text}{}",
        " ".repeat(left),
        " ".repeat(width - left - text.width())
    )
}

/// The meetings of one day that share sections, drawn as one cell.
struct Block {
    first: u8,
    last: u8,
    lines: Vec<String>,
}

fn blocks_of_day(courses: &[&Course]) -> Vec<Block> {
    // Overlapping meetings (a clash) join one block.
    let mut groups: Vec<(u8, u8, Vec<&Course>)> = Vec::new();
    for course in courses {
        let (Some(&first), Some(&last)) =
            (course.sections.iter().min(), course.sections.iter().max())
        else {
            continue;
        };
        match groups
            .iter_mut()
            .find(|(f, l, _)| first <= *l && last >= *f)
        {
            Some(group) => {
                group.0 = group.0.min(first);
                group.1 = group.1.max(last);
                group.2.push(course);
            }
            None => groups.push((first, last, vec![course])),
        }
    }
    groups
        .into_iter()
        .map(|(first, last, courses)| {
            let height = usize::from(last - first) + 1;
            let lines = match courses.as_slice() {
                [one] if height == 1 => vec![format!("{} {}", one.name, one.location)],
                [one] => vec![one.name.clone(), one.location.clone()],
                // A clash: every name first (marked), rooms after.
                many => many
                    .iter()
                    .map(|c| format!("!{}", c.name))
                    .chain(many.iter().map(|c| c.location.clone()))
                    .collect(),
            };
            Block { first, last, lines }
        })
        .collect()
}

/// The grid of `view`, `width` columns wide (at least 80, `MIN_WIDTH`).
pub fn week_grid(view: &WeekView, width: usize) -> String {
    let width = width.max(MIN_WIDTH);
    // "NN " labels, then 7 cells each after a `│`, and a closing `│`.
    let cell = (width - 4) / 7 - 1;
    let days: Vec<Vec<Block>> = (1..=7)
        .map(|day| {
            let courses: Vec<&Course> = view
                .courses
                .iter()
                .filter(|c| c.day_of_week == day)
                .collect();
            blocks_of_day(&courses)
        })
        .collect();
    let last_section = view
        .courses
        .iter()
        .flat_map(|c| c.sections.iter().copied())
        .max()
        .unwrap_or(SECTIONS)
        .max(SECTIONS);

    let mut out = String::new();
    let range = view
        .dates
        .as_ref()
        .map(|d| format!(" ({} to {})", d[0], d[6]))
        .unwrap_or_default();
    out.push_str(&format!("{} week {}{range}\n", view.term, view.week));
    let row = |label: &str, cells: &mut dyn Iterator<Item = String>, joint: char| {
        let mut line = format!("{label:<3}");
        for text in cells {
            line.push(joint);
            line.push_str(&text);
        }
        line.push(joint);
        line.push('\n');
        line
    };
    out.push_str(&row(
        "",
        &mut (1..=7u8).map(|day| {
            let name = day_name(day);
            if view.today == Some(day) {
                centered(&format!("{name} 今天"), cell)
            } else {
                centered(name, cell)
            }
        }),
        '│',
    ));
    if let Some(dates) = &view.dates {
        out.push_str(&row(
            "",
            &mut dates
                .iter()
                .map(|d| centered(&d.format("%m-%d").to_string(), cell)),
            '│',
        ));
    }
    let rule = "─".repeat(cell);
    out.push_str(&row("───", &mut (0..7).map(|_| rule.clone()), '┼'));
    for section in 1..=last_section {
        out.push_str(&row(
            &format!("{section:>2}"),
            &mut days.iter().map(|blocks| {
                let text = blocks
                    .iter()
                    .find(|b| (b.first..=b.last).contains(&section))
                    .and_then(|b| b.lines.get(usize::from(section - b.first)))
                    .map_or("", String::as_str);
                fit(text, cell)
            }),
            '│',
        ));
        let block_ends = |blocks: &Vec<Block>| blocks.iter().any(|b| b.last == section);
        let block_starts = |blocks: &Vec<Block>| blocks.iter().any(|b| b.first == section + 1);
        let standard = block_of(section).is_some_and(|b| *b.end() == section);
        let boundary = section == last_section
            || standard
            || days.iter().any(|b| block_ends(b) || block_starts(b));
        if boundary {
            out.push_str(&row(
                "───",
                &mut days.iter().map(|blocks| {
                    let continues = section < last_section
                        && blocks
                            .iter()
                            .any(|b| b.first <= section && b.last > section);
                    if continues {
                        " ".repeat(cell)
                    } else {
                        rule.clone()
                    }
                }),
                '┼',
            ));
        }
    }

    if view.courses.is_empty() {
        out.push_str("no classes this week\n");
    }
    for (a, b) in view.clashes() {
        let (a, b) = (&view.courses[a], &view.courses[b]);
        out.push_str(&format!(
            "clash: {} {} {} ({}) and {} {} ({})\n",
            day_name(a.day_of_week),
            section_text(&a.sections),
            a.name,
            or_none(&a.location),
            section_text(&b.sections),
            b.name,
            or_none(&b.location),
        ));
    }
    for course in &view.unscheduled {
        out.push_str(&format!(
            "unscheduled: {} {}\n",
            course.name, course.weeks_text
        ));
    }
    for practice in &view.practice {
        out.push_str(&format!("practice: {}\n", practice_line(practice)));
    }
    out.lines()
        .map(str::trim_end)
        .fold(String::new(), |mut text, line| {
            text.push_str(line);
            text.push('\n');
            text
        })
}

fn or_none(text: &str) -> &str {
    if text.is_empty() { "no room" } else { text }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use xtu_model::Timetable;

    fn course(name: &str, room: &str, day: u8, sections: &[u8], weeks: &[u8]) -> Course {
        Course {
            name: name.into(),
            teacher: "教师".into(),
            location: room.into(),
            day_of_week: day,
            sections: sections.to_vec(),
            weeks: weeks.to_vec(),
            weeks_text: String::new(),
            campus: String::new(),
            course_code: String::new(),
            class_name: String::new(),
        }
    }

    fn view(courses: Vec<Course>, week: u8) -> WeekView {
        let timetable = Timetable {
            term: "2025-2026-1".into(),
            courses,
            practice: vec![xtu_model::PracticeCourse {
                name: "生产实习".into(),
                teacher: String::new(),
                weeks: vec![17, 18],
                description: "生产实习 17-18周".into(),
            }],
        };
        let calendar = xtu_model::TeachingCalendar {
            term_id: "2025-2026-1".into(),
            start_date: NaiveDate::from_ymd_opt(2025, 9, 1).expect("date"),
            end_date: NaiveDate::from_ymd_opt(2026, 1, 18).expect("date"),
        };
        // A Wednesday of week 2: today is marked in week 2 only.
        let today = NaiveDate::from_ymd_opt(2025, 9, 10).expect("date");
        xtu_app::week_view(&timetable, &calendar, Some(week), today).expect("view")
    }

    fn both_widths(name: &str, view: &WeekView) {
        for width in [80, 120] {
            let grid = week_grid(view, width);
            // The grid fits; the lists under it may be longer.
            for line in grid.lines().filter(|l| l.contains(['│', '┼'])) {
                assert!(line.width() <= width, "{} > {width}: {line}", line.width());
            }
            insta::assert_snapshot!(format!("{name}_{width}"), grid);
        }
    }

    #[test]
    fn disjoint_weeks_in_one_slot_show_only_this_weeks() {
        let view = view(
            vec![
                course(
                    "高等数学A（上）",
                    "第一教学楼-101",
                    1,
                    &[1, 2],
                    &[1, 3, 5, 7],
                ),
                course(
                    "大学物理实验",
                    "物理楼-实验室205",
                    1,
                    &[1, 2],
                    &[2, 4, 6, 8],
                ),
                course("线性代数", "第二教学楼-305", 3, &[3, 4], &[2]),
            ],
            2,
        );
        both_widths("disjoint_weeks", &view);
    }

    #[test]
    fn a_true_clash_shows_both() {
        let view = view(
            vec![
                course("数据结构与算法分析", "信息楼-201", 2, &[3, 4], &[2]),
                course("Python程序设计", "信息楼-305", 2, &[3, 4], &[2]),
                course("体育", "", 4, &[7, 8], &[2]),
            ],
            2,
        );
        both_widths("clash", &view);
    }

    #[test]
    fn a_three_section_block_spans_three_rows() {
        let view = view(
            vec![
                course("马克思主义基本原理", "逸夫楼-104", 5, &[9, 10, 11], &[3]),
                course("英语", "外语楼-12", 1, &[1, 2], &[3]),
            ],
            3,
        );
        both_widths("three_sections", &view);
    }

    #[test]
    fn an_empty_week_says_so() {
        let view = view(vec![course("英语", "外语楼-12", 1, &[1, 2], &[1])], 2);
        both_widths("empty_week", &view);
    }

    #[test]
    fn cut_names_keep_the_display_width() {
        assert_eq!(fit("马克思主义基本原理", 9), "马克思主…");
        assert_eq!(fit("马克思主义基本原理", 9).width(), 9);
        assert_eq!(fit("ab", 4), "ab  ");
        assert_eq!(fit("数据结构", 8), "数据结构");
        assert_eq!(centered("周一", 9), "  周一   ");
    }
}
