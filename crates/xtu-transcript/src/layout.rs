//! From glyphs and ruling lines to the transcript: the table rebuilt from
//! its ruling lines, then read as the protocol describes it.
//!
//! Cells are indexed like pdfplumber's `extract_table`, which the upstream
//! reads and whose column numbers the summary rows are known by: every
//! distinct vertical ruling is a column boundary, and a cell merged across
//! columns sits at its first column, the columns it covers being `None`.

use xtu_model::{CreditPair, LevelExam, Transcript, TranscriptCourse};

use super::TranscriptError;
use super::text::{Glyph, PageText, Segment};

/// Rulings closer than this (points) are one boundary.
const SNAP: f32 = 1.0;
/// A gap wider than this share of the font size between two glyphs is a space.
const SPACE_GAP: f32 = 0.3;

/// A table row: the text of each cell at its first column, `None` for the
/// columns a merged cell covers.
type Row = Vec<Option<String>>;

/// What one page holds: the text lines outside the table, top to bottom,
/// and the table's rows, top to bottom.
#[derive(Debug, Default)]
struct PageLayout {
    lines: Vec<String>,
    rows: Vec<Row>,
}

/// The column boundaries of the table and of each of its rows.
struct Grid {
    /// Row boundaries, top to bottom.
    ys: Vec<f32>,
    /// Column boundaries, left to right.
    xs: Vec<f32>,
    /// For each row, the first column of each of its cells.
    starts: Vec<Vec<usize>>,
}

/// Reads the transcript from the pages' text.
pub fn transcript(pages: &[PageText]) -> Result<Transcript, TranscriptError> {
    read(pages.iter().map(page_layout).collect())
}

/// Reads the transcript from the pages' lines and table rows.
fn read(mut layouts: Vec<PageLayout>) -> Result<Transcript, TranscriptError> {
    repair_mojibake(&mut layouts)?;

    let header_page = layouts
        .iter()
        .position(|layout| header_row(&layout.rows).is_some());
    let Some(first_table) = header_page else {
        let what = if layouts.iter().all(|l| l.rows.is_empty()) {
            "no ruled table found"
        } else {
            "no table header with 课程名称 found"
        };
        return Err(TranscriptError::Unreadable(what.into()));
    };

    let mut transcript = identity(&layouts);
    let summary_page = layouts
        .iter()
        .rposition(|l| summary_start(&l.rows).is_some());
    let mut term = 0;
    let mut blocks: Vec<Block> = Vec::new();
    for (index, layout) in layouts.iter().enumerate().skip(first_table) {
        // Only the course table holds courses: the level exams' table ends
        // them on its page, and a page that starts with it has none.
        let level_exams = level_exam_header(&layout.rows);
        if let Some((start, columns)) = &level_exams {
            read_level_exams(
                &layout.rows[start + 1..],
                columns,
                &mut transcript.level_exams,
            );
        }
        let (body_start, page_blocks) = match header_row(&layout.rows) {
            Some(header) => (header + 1, blocks_of(&layout.rows[header])),
            None if level_exams.is_some() => continue,
            // A continuation page without its own header reads like the last one.
            None => (0, blocks.clone()),
        };
        blocks = page_blocks;
        if blocks.is_empty() {
            return Err(TranscriptError::Unreadable(format!(
                "the table header on page {} lacks 课程性质, 学分 or 成绩 beside 课程名称",
                index + 1
            )));
        }
        // Summary rows are never courses, on whichever page they repeat.
        let body_end = summary_start(&layout.rows)
            .into_iter()
            .chain(level_exams.map(|(start, _)| start))
            .min()
            .unwrap_or(layout.rows.len());
        let body = layout.rows.get(body_start..body_end).unwrap_or_default();
        for block in &blocks {
            read_block(body, block, &mut term, &mut transcript.courses);
        }
    }
    if let Some(rows) = summary_page.map(|i| &layouts[i].rows)
        && let Some(start) = summary_start(rows)
    {
        let average = &rows[start];
        let credits = &rows[rows.len() - 1];
        transcript.average_score = cell(average, 2);
        transcript.gpa = cell(average, 16);
        let pair = |required, earned| CreditPair {
            required: cell(credits, required),
            earned: cell(credits, earned),
        };
        transcript.total_credit = pair(0, 1);
        transcript.compulsory_credit = pair(4, 8);
        transcript.elective_credit = pair(9, 12);
        transcript.cross_course_credit = pair(15, 17);
    }
    Ok(transcript)
}

/// The columns of one block of the header: 课程名称, 课程性质, 学分, 成绩.
#[derive(Debug, Clone)]
struct Block {
    name: usize,
    course_type: usize,
    credit: usize,
    score: usize,
}

/// Labels compare without their inner whitespace (`学 分`).
fn squeeze(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

fn header_row(rows: &[Row]) -> Option<usize> {
    rows.iter()
        .position(|row| row.iter().flatten().any(|text| squeeze(text) == "课程名称"))
}

/// Blocks run from one 课程名称 column to the next; a block missing one of
/// the four labels is skipped, as the upstream does.
fn blocks_of(header: &Row) -> Vec<Block> {
    let label = |i: usize| header.get(i).cloned().flatten().map(|t| squeeze(&t));
    let names: Vec<usize> = (0..header.len())
        .filter(|&i| label(i).as_deref() == Some("课程名称"))
        .collect();
    names
        .iter()
        .enumerate()
        .filter_map(|(k, &name)| {
            let end = names.get(k + 1).copied().unwrap_or(header.len());
            let find = |wanted: &str| (name..end).find(|&i| label(i).as_deref() == Some(wanted));
            Some(Block {
                name,
                course_type: find("课程性质")?,
                credit: find("学分")?,
                score: find("成绩")?,
            })
        })
        .collect()
}

/// Reads one block of body rows, top to bottom, until its name column runs
/// out (an empty cell or `以 下 空 白`).
fn read_block(body: &[Row], block: &Block, term: &mut u32, courses: &mut Vec<TranscriptCourse>) {
    for row in body {
        let Some(name) = cell(row, block.name) else {
            break;
        };
        if squeeze(&name) == "以下空白" {
            break;
        }
        let course_type = cell(row, block.course_type);
        let credit = cell(row, block.credit);
        let score = cell(row, block.score);
        // A term header holds only its label; a course may be named with
        // 学期 too (小学期专业实训) but has the other cells.
        if name.contains("学期") && course_type.is_none() && credit.is_none() && score.is_none() {
            *term += 1;
            continue;
        }
        courses.push(TranscriptCourse {
            name,
            course_type,
            credit,
            score,
            term: *term,
        });
    }
}

/// The columns of the 等级考试成绩 table: the exam's name, score and date.
#[derive(Debug, Clone)]
struct LevelExamColumns {
    name: usize,
    score: usize,
    date: Option<usize>,
}

/// The label row of the level exams' table and its columns: a row naming
/// the exam (考试名称, 等级考试, 考试项目) and its score (成绩), below any
/// course header, never the course header itself.
fn level_exam_header(rows: &[Row]) -> Option<(usize, LevelExamColumns)> {
    let after = header_row(rows).map_or(0, |h| h + 1);
    rows.iter()
        .enumerate()
        .skip(after)
        .find_map(|(index, row)| {
            let label = |i: usize| row.get(i).cloned().flatten().map(|t| squeeze(&t));
            let find = |wanted: &dyn Fn(&str) -> bool| {
                (0..row.len()).find(|&i| label(i).as_deref().is_some_and(wanted))
            };
            let name =
                find(&|t| matches!(t, "考试名称" | "等级考试" | "考试项目" | "等级考试名称"))?;
            let score = find(&|t| matches!(t, "成绩" | "分数" | "考试成绩"))?;
            let date = find(&|t| t.contains("日期") || t.contains("时间"));
            Some((index, LevelExamColumns { name, score, date }))
        })
}

/// Reads the level exams' rows until the name column runs out.
fn read_level_exams(body: &[Row], columns: &LevelExamColumns, exams: &mut Vec<LevelExam>) {
    for row in body {
        let Some(name) = cell(row, columns.name) else {
            break;
        };
        if squeeze(&name) == "以下空白" {
            break;
        }
        exams.push(LevelExam {
            name,
            score: cell(row, columns.score),
            date: columns.date.and_then(|date| cell(row, date)),
        });
    }
}

/// Where the three summary rows start: the last three rows, when the first
/// of them is the averages row (it names 平均 or 绩点 somewhere).
fn summary_start(rows: &[Row]) -> Option<usize> {
    let header = header_row(rows).map_or(0, |h| h + 1);
    let start = rows.len().checked_sub(3)?;
    (start >= header
        && rows[start]
            .iter()
            .flatten()
            .any(|text| text.contains("平均") || text.contains("绩点")))
    .then_some(start)
}

/// A cell's text, `None` when it is empty, covered by a merged cell or
/// beyond the row.
fn cell(row: &Row, index: usize) -> Option<String> {
    row.get(index)
        .cloned()
        .flatten()
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
}

/// Identity from the line holding `学院: X 专业: Y 学号: Z 姓名: W`.
fn identity(layouts: &[PageLayout]) -> Transcript {
    // Above the table as a rule; in a row of it with some producers.
    let rows = layouts.iter().flat_map(|l| &l.rows).map(|row| {
        row.iter()
            .flatten()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(" ")
    });
    let line = layouts
        .iter()
        .flat_map(|l| l.lines.iter().cloned())
        .chain(rows)
        .map(|line| line.replace('：', ":"))
        .find(|line| line.contains("学号:") || line.contains("姓名:"))
        .unwrap_or_default();
    let segment = |start: &str, end: Option<&str>| {
        let (_, rest) = line.split_once(start)?;
        let value = match end.and_then(|end| rest.split_once(end)) {
            Some((value, _)) => value,
            None => rest,
        };
        Some(value.trim().to_owned()).filter(|v| !v.is_empty())
    };
    Transcript {
        college: segment("学院:", Some("专业:")),
        major: segment("专业:", Some("学号:")),
        student_id: segment("学号:", Some("姓名:")),
        name: segment("姓名:", None),
        ..Transcript::default()
    }
}

/// The text UTF-8 bytes show when read as GBK.
fn as_mojibake(text: &str) -> String {
    encoding_rs::GBK
        .decode_without_bom_handling(text.as_bytes())
        .0
        .into_owned()
}

/// Undoes [`as_mojibake`], when the text survived it whole.
fn repaired(text: &str) -> Option<String> {
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(text);
    if unmappable {
        return None;
    }
    String::from_utf8(bytes.into_owned()).ok()
}

/// Labels whose mojibake gives such a transcript away.
const LABELS: [&str; 4] = ["课程名称", "学院:", "学号:", "姓名:"];

/// Some producers' text reads as UTF-8 taken for GBK (`课程名称` shows as
/// `璇剧▼鍚嶇О`), in the labels only or everywhere. Once a label gives it
/// away, every word that survives the way back (GBK, then UTF-8) exactly is
/// repaired and the others are kept (they were right already); a word that
/// lost bytes on the way (a U+FFFD in it) cannot be repaired, and the
/// transcript is refused rather than read wrong.
fn repair_mojibake(layouts: &mut [PageLayout]) -> Result<(), TranscriptError> {
    let garbled: Vec<String> = LABELS.iter().map(|label| as_mojibake(label)).collect();
    let texts = |layout: &PageLayout| {
        layout
            .lines
            .iter()
            .chain(layout.rows.iter().flatten().flatten())
            .any(|t| {
                let t = squeeze(t);
                garbled.iter().any(|label| t.contains(label.as_str()))
            })
    };
    if !layouts.iter().any(texts) {
        return Ok(());
    }
    // Word by word: a line may hold garbled labels and right values.
    let fix = |text: &mut String| -> Result<(), TranscriptError> {
        let mut words = Vec::new();
        for word in text.split(' ') {
            match repaired(word) {
                Some(fixed) => words.push(fixed),
                None if word.contains(char::REPLACEMENT_CHARACTER) => {
                    return Err(TranscriptError::Unreadable(
                        "its text is UTF-8 read as GBK (mojibake) and cannot be repaired exactly"
                            .into(),
                    ));
                }
                None => words.push(word.to_owned()),
            }
        }
        *text = words.join(" ");
        Ok(())
    };
    for layout in layouts {
        for line in &mut layout.lines {
            fix(line)?;
        }
        for text in layout.rows.iter_mut().flatten().flatten() {
            fix(text)?;
        }
    }
    Ok(())
}

/// Sorts numbers that may not be NaN (positions are finite by construction;
/// a NaN would sort last).
fn total(a: f32, b: f32) -> std::cmp::Ordering {
    a.partial_cmp(&b).unwrap_or(std::cmp::Ordering::Equal)
}

/// Merges values closer than [`SNAP`] (input sorted).
fn snap(mut values: Vec<f32>) -> Vec<f32> {
    values.retain(|v| v.is_finite());
    values.sort_by(|a, b| total(*a, *b));
    let mut merged: Vec<f32> = Vec::new();
    for v in values {
        match merged.last() {
            Some(&last) if v - last <= SNAP => {}
            _ => merged.push(v),
        }
    }
    merged
}

/// The table's grid from its rulings: the vertical rulings set its extent,
/// so lines elsewhere on the page (an underlined title) are not rows.
fn grid(segments: &[Segment]) -> Option<Grid> {
    let verticals: Vec<(f32, f32, f32)> = segments
        .iter()
        .filter_map(|s| match *s {
            Segment::Vertical { x, y0, y1 } => Some((x, y0, y1)),
            Segment::Horizontal { .. } => None,
        })
        .collect();
    let bottom = verticals.iter().map(|v| v.1).fold(f32::INFINITY, f32::min);
    let top = verticals
        .iter()
        .map(|v| v.2)
        .fold(f32::NEG_INFINITY, f32::max);
    let left = verticals.iter().map(|v| v.0).fold(f32::INFINITY, f32::min);
    let right = verticals
        .iter()
        .map(|v| v.0)
        .fold(f32::NEG_INFINITY, f32::max);
    let horizontals: Vec<f32> = segments
        .iter()
        .filter_map(|s| match *s {
            Segment::Horizontal { y, x0, x1 }
                if y >= bottom - SNAP && y <= top + SNAP && x1 > left && x0 < right =>
            {
                Some(y)
            }
            _ => None,
        })
        .collect();
    let mut ys = snap(horizontals);
    ys.reverse();
    let xs = snap(verticals.iter().map(|v| v.0).collect());
    if ys.len() < 2 || xs.len() < 2 {
        return None;
    }
    let starts = ys
        .windows(2)
        .map(|band| {
            let middle = (band[0] + band[1]) / 2.0;
            let mut starts = vec![0];
            starts.extend((1..xs.len() - 1).filter(|&c| {
                verticals.iter().any(|&(x, y0, y1)| {
                    (x - xs[c]).abs() <= SNAP && y0 - SNAP <= middle && middle <= y1 + SNAP
                })
            }));
            starts
        })
        .collect();
    Some(Grid { ys, xs, starts })
}

impl Grid {
    /// The (row, first column) of the cell holding a point.
    fn locate(&self, x: f32, y: f32) -> Option<(usize, usize)> {
        let row = self.ys.windows(2).position(|b| y <= b[0] && y > b[1])?;
        let column = self.xs.windows(2).position(|b| x >= b[0] && x < b[1])?;
        let starts = &self.starts[row];
        let start = starts[starts.partition_point(|&s| s <= column) - 1];
        Some((row, start))
    }
}

fn page_layout(page: &PageText) -> PageLayout {
    let Some(grid) = grid(&page.segments) else {
        return PageLayout {
            lines: lines(page.glyphs.iter().collect()),
            rows: Vec::new(),
        };
    };
    let columns = grid.xs.len() - 1;
    let mut cells: Vec<Vec<Vec<&Glyph>>> = grid
        .starts
        .iter()
        .map(|_| vec![Vec::new(); columns])
        .collect();
    let mut outside = Vec::new();
    for glyph in &page.glyphs {
        if glyph.text.is_empty() {
            continue;
        }
        let x = (glyph.x0 + glyph.x1) / 2.0;
        match grid.locate(x, glyph.middle) {
            Some((row, column)) => cells[row][column].push(glyph),
            None => outside.push(glyph),
        }
    }
    let rows = cells
        .into_iter()
        .zip(&grid.starts)
        .map(|(row, starts)| {
            row.into_iter()
                .enumerate()
                .map(|(column, glyphs)| {
                    // Wrapped lines of one cell are one text: no separator.
                    starts
                        .binary_search(&column)
                        .is_ok()
                        .then(|| lines(glyphs).concat())
                })
                .collect()
        })
        .collect();
    PageLayout {
        lines: lines(outside),
        rows,
    }
}

/// Glyphs grouped into text lines, top to bottom, each read left to right
/// with a space where the gap between glyphs is wide.
fn lines(mut glyphs: Vec<&Glyph>) -> Vec<String> {
    glyphs.retain(|g| !g.text.is_empty());
    glyphs.sort_by(|a, b| total(b.y, a.y));
    let mut lines: Vec<Vec<&Glyph>> = Vec::new();
    for glyph in glyphs {
        match lines.last_mut() {
            Some(line) if (line[0].y - glyph.y).abs() <= line[0].size.max(glyph.size) * 0.5 => {
                line.push(glyph);
            }
            _ => lines.push(vec![glyph]),
        }
    }
    lines
        .into_iter()
        .map(|mut line| {
            line.sort_by(|a, b| total(a.x0, b.x0));
            let mut text = String::new();
            let mut previous: Option<&Glyph> = None;
            for glyph in line {
                if let Some(previous) = previous
                    && glyph.x0 - previous.x1 > glyph.size.max(previous.size) * SPACE_GAP
                    && !text.ends_with(' ')
                    && glyph.text != " "
                {
                    text.push(' ');
                }
                text.push_str(&glyph.text);
                previous = Some(glyph);
            }
            text.trim().to_owned()
        })
        .filter(|line| !line.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Option<String> {
        Some(s.to_owned())
    }

    #[test]
    fn mojibake_labels_are_repaired_and_right_text_kept() {
        let mut layouts = vec![PageLayout {
            lines: vec![format!("{} 示例学院", as_mojibake("学院:"))],
            rows: vec![vec![text(&as_mojibake("课程名称")), text("高等数学"), None]],
        }];
        repair_mojibake(&mut layouts).expect("repairable");
        assert_eq!(layouts[0].lines, ["学院: 示例学院"]);
        assert_eq!(
            layouts[0].rows[0],
            [text("课程名称"), text("高等数学"), None]
        );
    }

    #[test]
    fn mojibake_that_lost_bytes_is_refused() {
        let mut layouts = vec![PageLayout {
            lines: Vec::new(),
            rows: vec![vec![
                text(&as_mojibake("课程名称")),
                text(&as_mojibake("不及格")),
            ]],
        }];
        assert!(matches!(
            repair_mojibake(&mut layouts),
            Err(TranscriptError::Unreadable(_))
        ));
    }

    fn row(cells: &[&str]) -> Row {
        cells
            .iter()
            .map(|c| (*c != "-").then(|| (*c).to_owned()))
            .collect()
    }

    /// One block's header, padded to the 17 columns the summary reaches.
    fn header() -> Row {
        let mut cells = vec!["课程名称", "课程性质", "学 分", "成 绩"];
        cells.resize(18, "");
        row(&cells)
    }

    fn summary() -> Vec<Row> {
        let mut average = vec!["平均成绩", "-", "80.5"];
        average.resize(16, "-");
        average.push("3.10");
        let mut credits = vec!["160", "20"];
        credits.resize(18, "");
        vec![row(&average), row(&["学分"]), row(&credits)]
    }

    #[test]
    fn a_summary_repeated_on_each_page_is_never_a_course() {
        let course = |name: &str| row(&[name, "必修", "2.0", "90"]);
        let page = |name: &str| {
            let mut rows = vec![header(), course(name)];
            rows.extend(summary());
            PageLayout {
                lines: vec!["学院: 示例学院 专业: 示例专业 学号: 1 姓名: 张三".into()],
                rows,
            }
        };
        let transcript = read(vec![page("高等数学"), page("大学英语")]).expect("reads");
        let names: Vec<&str> = transcript.courses.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["高等数学", "大学英语"]);
        assert_eq!(transcript.average_score.as_deref(), Some("80.5"));
        assert_eq!(transcript.gpa.as_deref(), Some("3.10"));
        assert_eq!(transcript.total_credit.earned.as_deref(), Some("20"));
        assert_eq!(transcript.compulsory_credit.required, None);
        assert_eq!(transcript.name.as_deref(), Some("张三"));
    }

    #[test]
    fn the_level_exams_table_is_never_read_as_courses() {
        let course = |name: &str| row(&[name, "必修", "2.0", "90"]);
        let identity = vec!["学院: 示例学院 专业: 示例专业 学号: 1 姓名: 张三".to_owned()];
        let mut courses = vec![header(), course("高等数学")];
        courses.extend(summary());
        let level_exams = vec![
            row(&["考试名称", "成 绩", "考试日期", "-", ""]),
            row(&["CET4", "523", "2022-12", "-", ""]),
            row(&["CET6", "468", "2023-06", "-", ""]),
        ];
        let transcript = read(vec![
            PageLayout {
                lines: identity.clone(),
                rows: courses.clone(),
            },
            PageLayout {
                lines: vec!["等级考试成绩".into()],
                rows: level_exams.clone(),
            },
        ])
        .expect("reads");
        let names: Vec<&str> = transcript.courses.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["高等数学"]);
        assert_eq!(
            transcript.level_exams,
            [
                LevelExam {
                    name: "CET4".into(),
                    score: text("523"),
                    date: text("2022-12"),
                },
                LevelExam {
                    name: "CET6".into(),
                    score: text("468"),
                    date: text("2023-06"),
                },
            ]
        );
        // On the course table's own page, under the courses: it ends them.
        let mut one_page = vec![header(), course("高等数学")];
        one_page.extend(level_exams);
        let transcript = read(vec![PageLayout {
            lines: identity,
            rows: one_page,
        }])
        .expect("reads");
        assert_eq!(transcript.courses.len(), 1);
        assert_eq!(transcript.level_exams.len(), 2);
    }

    #[test]
    fn a_header_without_its_labels_is_an_error_not_an_empty_transcript() {
        let layouts = vec![PageLayout {
            lines: Vec::new(),
            rows: vec![row(&["课程名称", "类别", "学分数", "分数"])],
        }];
        assert!(matches!(read(layouts), Err(TranscriptError::Unreadable(_))));
        let no_table = vec![PageLayout::default()];
        assert_eq!(
            read(no_table),
            Err(TranscriptError::Unreadable("no ruled table found".into()))
        );
    }

    #[test]
    fn a_term_header_holds_only_its_label() {
        let block = Block {
            name: 0,
            course_type: 1,
            credit: 2,
            score: 3,
        };
        let body = vec![
            vec![text("2023-2024学年第一学期"), None, None, None],
            vec![
                text("小学期专业实训"),
                text("必修"),
                text("2.0"),
                text("良好"),
            ],
            vec![text("以 下 空 白"), None, None, None],
            vec![text("never read"), text("必修"), text("1.0"), text("90")],
        ];
        let (mut term, mut courses) = (0, Vec::new());
        read_block(&body, &block, &mut term, &mut courses);
        assert_eq!(term, 1);
        assert_eq!(courses.len(), 1);
        assert_eq!(courses[0].name, "小学期专业实训");
        assert_eq!(courses[0].term, 1);
    }
}
