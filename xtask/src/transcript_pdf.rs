//! `cargo xtask transcript-fixtures`: writes the transcript PDFs of
//! `fixtures/transcript/`, built object by object after the layout the
//! protocol documents (title, identity line, one ruled table of three
//! blocks × seven columns, three summary rows), with placeholder data.
//!
//! Each font kind a transcript may use is covered: non-embedded CJK fonts
//! with the predefined CMaps UniGB-UCS2-H, UniGB-UTF16-H, GBK-EUC-H and
//! GBKp-EUC-H and no ToUnicode; an Identity-H CID font whose codes are glyph
//! ids read through ToUnicode; the same font without ToUnicode, with its
//! TrueType program embedded (a minimal one: its `cmap` tells the
//! characters, its glyphs are empty); simple one-byte subset fonts with
//! ToUnicode; and Type 1 subsets whose `/Differences` name every glyph
//! (`uni8BFE`, `afii10018`, `zero`), without ToUnicode. Other programs are
//! not embedded: no reader of text needs them (text comes from codes and
//! ToUnicode, widths from /W and /Widths), and they would make the files large.
//!
//! [`variants`](super::transcript_variants) then stores every fixture the
//! ways other producers and post-processors do (qpdf).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

use anyhow::Context as _;

/// A4 portrait, in points.
const PAGE_WIDTH: f32 = 595.0;
const PAGE_HEIGHT: f32 = 842.0;
/// Left edge of the table.
const TABLE_LEFT: f32 = 30.5;
/// Top edge of the table.
const TABLE_TOP: f32 = 752.0;
/// Widths of the seven columns of a block.
const BLOCK_COLUMNS: [f32; 7] = [66.0, 24.0, 16.0, 20.0, 16.0, 24.0, 12.0];
/// Labels of the seven columns of a block.
const BLOCK_LABELS: [&str; 7] = [
    "课程名称",
    "课程性质",
    "学 分",
    "成 绩",
    "绩点",
    "取得学期",
    "备注",
];
/// Body text size; a text wider than its cell wraps onto a second line.
const BODY_SIZE: f32 = 6.0;
/// Header text size.
const HEADER_SIZE: f32 = 5.0;
/// Space between a cell's left ruling and its text, and on its right.
const PADDING: f32 = 1.5;
const ROW_HEIGHT: f32 = 10.0;
const WRAPPED_ROW_HEIGHT: f32 = 17.0;
const HEADER_HEIGHT: f32 = 12.0;

/// A row of a block.
#[derive(Debug, Clone)]
enum Entry {
    Term(String),
    Course {
        name: String,
        course_type: String,
        credit: String,
        score: String,
        grade_point: String,
    },
    End,
}

/// The values of the three summary rows.
#[derive(Debug, Clone)]
struct Summary {
    average: String,
    gpa: String,
    /// total, compulsory, elective, cross-discipline: (required, earned).
    credits: [(String, String); 4],
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum FontKind {
    /// STSong-Light, UniGB-UCS2-H, not embedded, no ToUnicode.
    Ucs2,
    /// STSong-Light, UniGB-UTF16-H (surrogate pairs beyond the BMP), not
    /// embedded, no ToUnicode.
    Utf16,
    /// STSong-Light, GBK-EUC-H (GBK codes: ASCII one byte), not embedded.
    GbkEuc,
    /// STSong-Light, GBKp-EUC-H (the same codes, proportional ASCII).
    GbkpEuc,
    /// Identity-H CID font, codes are glyph ids, ToUnicode.
    IdentityH,
    /// Identity-H CID font with its TrueType program and no ToUnicode.
    EmbeddedTrueType,
    /// One-byte subset TrueType fonts, ToUnicode each.
    Simple,
    /// One-byte Type 1 subsets, `/Differences` glyph names, no ToUnicode.
    Type1Differences,
}

impl FontKind {
    /// One-byte codes of subset fonts.
    fn one_byte(self) -> bool {
        matches!(self, Self::Simple | Self::Type1Differences)
    }
}

/// How a fixture is drawn.
#[derive(Debug, Clone)]
struct Style {
    fonts: FontKind,
    /// Top-down coordinates (`1 0 0 -1 0 842 cm`), as Java2D-based producers write.
    flipped: bool,
    /// FlateDecode the content streams.
    compress: bool,
    /// ASCII85Decode on top of FlateDecode, as reportlab writes.
    ascii85: bool,
    /// Rows per block on a page.
    rows_per_block: usize,
    /// Texts read as UTF-8 taken for GBK.
    mojibake: bool,
    /// Every mojibake text must survive the way back (GBK, then UTF-8).
    repairable: bool,
    /// Labels spaced out (`学 分`, `以 下 空 白`); unspaced in the mojibake
    /// fixtures, where a lone CJK character would not survive the round trip.
    spaced: bool,
    /// The college on the identity line.
    college: &'static str,
    /// Scales text sizes: mojibake takes half as many characters again,
    /// and must stay inside its cells.
    text_scale: f32,
    /// A last page holding only the 等级考试成绩 table: (exam, score, date)
    /// rows under a label row, in the course table's first columns.
    level_exams: &'static [(&'static str, &'static str, &'static str)],
}

impl Default for Style {
    fn default() -> Self {
        Self {
            fonts: FontKind::Ucs2,
            flipped: false,
            compress: false,
            ascii85: false,
            rows_per_block: 12,
            mojibake: false,
            repairable: true,
            spaced: true,
            college: DEMO_COLLEGE,
            text_scale: 1.0,
            level_exams: &[],
        }
    }
}

/// The demo student of every fixture, the fake and the sandbox (the
/// profile page's placeholders; the college comes from the style).
const DEMO_COLLEGE: &str = "计算机学院●网络空间安全学院";
const MAJOR: &str = "通信工程";
const STUDENT_ID: &str = "202205561111";
const NAME: &str = "张三";
/// The level exams of `transcript.level-exams.pdf`.
const LEVEL_EXAMS: &[(&str, &str, &str)] =
    &[("CET4", "523", "2022-12"), ("CET6", "468", "2023-06")];

fn course(name: &str, course_type: &str, credit: &str, score: &str) -> Entry {
    let grade_point = match score.trim_end_matches('△').parse::<f32>() {
        Ok(n) if n >= 60.0 => format!("{:.1}", (n - 50.0) / 10.0),
        Ok(_) => "0.0".into(),
        Err(_) => String::new(),
    };
    Entry::Course {
        name: name.into(),
        course_type: course_type.into(),
        credit: credit.into(),
        score: score.into(),
        grade_point,
    }
}

/// Four terms, thirty courses: every kind of score and name the layout knows.
fn four_terms() -> Vec<Entry> {
    let c = course;
    vec![
        Entry::Term("2022-2023学年第一学期".into()),
        c("高等数学A(一)", "必修", "5.0", "92"),
        c("大学英语(一)", "必修", "3.0", "85"),
        c("程序设计基础", "必修", "4.0", "优秀"),
        c("思想道德与法治", "必修", "3.0", "良好"),
        c("体育(一)", "必修", "1.0", "合格"),
        c("军事理论", "必修", "2.0", "中等"),
        c("大学生心理健康教育", "选修", "1.0", "及格"),
        c("形势与政策(一)", "必修", "0.5", "不及格"),
        Entry::Term("2022-2023学年第二学期".into()),
        c("高等数学A(二)", "必修", "5.0", "61△"),
        c("大学物理(一)", "必修", "4.0", "78"),
        c("线性代数", "必修", "3.0", "缓考"),
        c("离散数学", "必修", "3.0", "88"),
        c("大学英语(二)", "必修", "3.0", "免修"),
        c("中国近现代史纲要", "必修", "3.0", "90"),
        c("体育(二)", "必修", "1.0", "合格"),
        Entry::Term("2023-2024学年第一学期".into()),
        c("数据结构与算法", "必修", "4.0", "95"),
        c("计算机组成原理与接口技术实验", "必修", "3.5", "82"),
        c("概率论与数理统计", "必修", "3.0", "76"),
        c("小学期专业实训", "必修", "2.0", "良好"),
        c("艺术鉴赏", "跨学科选修", "2.0", "87"),
        c("大学物理(二)", "必修", "4.0", "69"),
        c("马克思主义基本原理", "必修", "3.0", "84"),
        Entry::Term("2023-2024学年第二学期".into()),
        c("操作系统", "必修", "4.0", "91"),
        c("计算机网络", "必修", "3.5", "80"),
        c("数据库系统原理", "必修", "3.5", "86"),
        c("软件工程导论", "选修", "2.0", "优秀"),
        c("人工智能导论", "选修", "2.0", "93"),
        c(
            "毛泽东思想和中国特色社会主义理论体系概论",
            "必修",
            "5.0",
            "88",
        ),
        c("创新创业基础", "跨学科选修", "1.0", "合格"),
        c("体育(三)", "必修", "1.0", "合格"),
    ]
}

/// Eight terms: the four above, then four more, over two pages.
fn eight_terms() -> Vec<Entry> {
    let mut entries = four_terms();
    let later = four_terms().into_iter().map(|entry| match entry {
        Entry::Term(label) => Entry::Term(
            label
                .replace("2022-2023", "2024-2025")
                .replace("2023-2024", "2025-2026"),
        ),
        Entry::Course {
            name,
            course_type,
            credit,
            score,
            grade_point,
        } => Entry::Course {
            name: format!("{name}Ⅱ"),
            course_type,
            credit,
            score,
            grade_point,
        },
        Entry::End => Entry::End,
    });
    entries.extend(later);
    entries
}

/// Names beyond the Basic Multilingual Plane (UTF-16 surrogate pairs) and
/// in Cyrillic.
fn beyond_the_bmp() -> Vec<Entry> {
    let c = course;
    vec![
        Entry::Term("2022-2023学年第一学期".into()),
        c("𠮷字研究", "必修", "3.0", "90"),
        c("大学俄语(Б)", "必修", "3.0", "82"),
        c("艺术鉴赏", "选修", "3.0", "86"),
        Entry::Term("2022-2023学年第二学期".into()),
        c("数理逻辑", "必修", "3.0", "良好"),
    ]
}

/// Only courses whose text survives being read as GBK and back.
fn even_terms() -> Vec<Entry> {
    let c = course;
    vec![
        Entry::Term("2022-2023学年第一学期".into()),
        c("高等数学", "必修", "5.0", "92"),
        c("大学英语", "必修", "3.0", "优秀"),
        c("大学物理", "选修", "3.0", "78"),
        Entry::Term("2022-2023学年第二学期".into()),
        c("程序设计基础", "必修", "4.0", "免修"),
        c("离散数学", "必修", "3.0", "合格"),
    ]
}

fn summary(average: &str, gpa: &str, earned: [&str; 4]) -> Summary {
    let required = ["160.0", "120.0", "32.0", "8.0"];
    Summary {
        average: average.into(),
        gpa: gpa.into(),
        credits: std::array::from_fn(|i| (required[i].to_owned(), earned[i].to_owned())),
    }
}

/// The fixtures: file name, entries, summary, style.
fn fixtures() -> Vec<(&'static str, Vec<Entry>, Summary, Style)> {
    let full = summary("84.17", "3.42", ["88.5", "76.5", "9.0", "3.0"]);
    vec![
        (
            "transcript.pdf",
            four_terms(),
            full.clone(),
            Style::default(),
        ),
        (
            "transcript.identity-h.pdf",
            four_terms(),
            full.clone(),
            Style {
                fonts: FontKind::IdentityH,
                flipped: true,
                compress: true,
                ..Style::default()
            },
        ),
        (
            "transcript.simple-fonts.pdf",
            four_terms(),
            full.clone(),
            Style {
                fonts: FontKind::Simple,
                compress: true,
                ..Style::default()
            },
        ),
        (
            "transcript.gbk-euc.pdf",
            four_terms(),
            full.clone(),
            Style {
                fonts: FontKind::GbkEuc,
                ..Style::default()
            },
        ),
        (
            "transcript.gbkp-euc.pdf",
            four_terms(),
            full.clone(),
            Style {
                fonts: FontKind::GbkpEuc,
                ..Style::default()
            },
        ),
        (
            "transcript.utf16.pdf",
            beyond_the_bmp(),
            summary("86.00", "3.60", ["12.0", "9.0", "3.0", "0"]),
            Style {
                fonts: FontKind::Utf16,
                rows_per_block: 4,
                ..Style::default()
            },
        ),
        (
            "transcript.truetype-cmap.pdf",
            four_terms(),
            full.clone(),
            Style {
                fonts: FontKind::EmbeddedTrueType,
                compress: true,
                ..Style::default()
            },
        ),
        (
            "transcript.type1-differences.pdf",
            beyond_the_bmp(),
            summary("86.00", "3.60", ["12.0", "9.0", "3.0", "0"]),
            Style {
                fonts: FontKind::Type1Differences,
                compress: true,
                rows_per_block: 4,
                ..Style::default()
            },
        ),
        (
            "transcript.two-pages.pdf",
            eight_terms(),
            summary("84.17", "3.42", ["160.0", "120.0", "32.0", "8.0"]),
            Style {
                rows_per_block: 14,
                ..Style::default()
            },
        ),
        (
            "transcript.level-exams.pdf",
            four_terms(),
            full.clone(),
            Style {
                level_exams: LEVEL_EXAMS,
                ..Style::default()
            },
        ),
        (
            "transcript.empty.pdf",
            Vec::new(),
            summary("", "", ["0", "0", "0", "0"]),
            Style {
                rows_per_block: 3,
                ..Style::default()
            },
        ),
        (
            "transcript.mojibake.pdf",
            even_terms(),
            summary("86.50", "3.65", ["18.0", "15.0", "3.0", "0"]),
            Style {
                rows_per_block: 4,
                mojibake: true,
                spaced: false,
                // 计算机学院 does not survive the round trip through GBK.
                college: "示例学院",
                text_scale: 0.7,
                ..Style::default()
            },
        ),
        (
            "transcript.mojibake-unrepairable.pdf",
            vec![
                Entry::Term("2022-2023学年第一学期".into()),
                course("大学物理", "必修", "4.0", "不及格"),
            ],
            summary("55.00", "0.50", ["4.0", "0", "0", "0"]),
            Style {
                rows_per_block: 3,
                mojibake: true,
                repairable: false,
                spaced: false,
                // 计算机学院 does not survive the round trip through GBK.
                college: "示例学院",
                text_scale: 0.7,
                ..Style::default()
            },
        ),
    ]
}

/// Every fixture file: its name and its bytes.
pub fn files() -> anyhow::Result<Vec<(&'static str, Vec<u8>)>> {
    let mut files = Vec::new();
    for (file, entries, summary, style) in fixtures() {
        files.push((file, transcript_pdf(&entries, &summary, &style)?));
    }
    // What jwglxt sends instead of the PDF once the session is gone.
    let login = "<!DOCTYPE html>\n<html><head><title>教学管理信息服务平台</title></head>\n\
                 <body><h5>用户登录</h5><form action=\"/jwglxt/xtgl/login_slogin.html\"></form></body></html>\n";
    files.push(("transcript.not-pdf.html", login.as_bytes().to_vec()));
    Ok(files)
}

/// Where the fixtures live.
pub fn fixture_dir() -> std::path::PathBuf {
    crate::project_root().join("fixtures").join("transcript")
}

/// Entry point of `cargo xtask transcript-fixtures [--check]`: writes the
/// generated fixtures and their variants, or checks that the committed ones
/// are what would be written.
pub fn main(check: bool) -> anyhow::Result<()> {
    let dir = fixture_dir();
    if check {
        let mut stale = Vec::new();
        for (file, bytes) in files()? {
            if std::fs::read(dir.join(file)).ok().as_deref() != Some(bytes.as_slice()) {
                stale.push(file.to_owned());
            }
        }
        stale.extend(super::transcript_variants::check(&dir)?);
        anyhow::ensure!(
            stale.is_empty(),
            "these transcript fixtures differ from what `cargo xtask transcript-fixtures` writes:\n  {}",
            stale.join("\n  ")
        );
        println!("the transcript fixtures and their variants are up to date");
        return Ok(());
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    for (file, bytes) in files()? {
        write(&dir.join(file), &bytes)?;
    }
    let written = super::transcript_variants::write_all(&dir)?;
    println!(
        "wrote the transcript fixtures to {} ({written} variants)",
        dir.display()
    );
    Ok(())
}

pub(crate) fn write(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))
}

/// The text UTF-8 bytes show when read as GBK.
fn mojibake(text: &str) -> String {
    encoding_rs::GBK
        .decode_without_bom_handling(text.as_bytes())
        .0
        .into_owned()
}

/// Characters to codes, for the font kinds whose codes are not Unicode.
#[derive(Default)]
struct Encoder {
    /// Identity-H: character → glyph id.
    glyph_ids: HashMap<char, u16>,
    glyph_order: Vec<char>,
    /// Simple fonts: character → (subset, code).
    simple: HashMap<char, (usize, u8)>,
    subsets: Vec<Vec<char>>,
}

impl Encoder {
    fn glyph_id(&mut self, c: char) -> u16 {
        if let Some(&id) = self.glyph_ids.get(&c) {
            return id;
        }
        // Glyph ids of a subset: arbitrary, never the character's code.
        let id = 3 + self.glyph_order.len() as u16;
        self.glyph_ids.insert(c, id);
        self.glyph_order.push(c);
        id
    }

    fn simple_code(&mut self, c: char) -> (usize, u8) {
        if let Some(&code) = self.simple.get(&c) {
            return code;
        }
        if self.subsets.last().is_none_or(|s| s.len() >= 200) {
            self.subsets.push(Vec::new());
        }
        let subset = self.subsets.len() - 1;
        let chars = &mut self.subsets[subset];
        // The space keeps code 32 in every subset, so word spacing applies to it.
        let code = if c == ' ' { 32 } else { 33 + chars.len() as u8 };
        if c != ' ' {
            chars.push(c);
        }
        self.simple.insert(c, (subset, code));
        (subset, code)
    }
}

fn char_width(c: char) -> u16 {
    if c.is_ascii() { 500 } else { 1000 }
}

/// One page's content stream under construction.
struct Painter<'a> {
    ops: String,
    style: &'a Style,
    encoder: &'a mut Encoder,
}

impl Painter<'_> {
    fn y(&self, y: f32) -> f32 {
        if self.style.flipped {
            PAGE_HEIGHT - y
        } else {
            y
        }
    }

    fn hex(bytes: impl IntoIterator<Item = u8>) -> String {
        let mut hex = String::from("<");
        for b in bytes {
            let _ = write!(hex, "{b:02X}");
        }
        hex.push('>');
        hex
    }

    /// Text with its left end at `x` and baseline at `y` (y-up page space).
    fn text(&mut self, x: f32, y: f32, size: f32, text: &str) -> anyhow::Result<()> {
        let text = if self.style.mojibake {
            let garbled = mojibake(text);
            let (back, _, _) = encoding_rs::GBK.encode(&garbled);
            if self.style.repairable && back.as_ref() != text.as_bytes() {
                anyhow::bail!("{text:?} does not survive being read as GBK and back: pick another");
            }
            garbled
        } else {
            text.to_owned()
        };
        let size = size * self.style.text_scale;
        if text.is_empty() {
            return Ok(());
        }
        let matrix = if self.style.flipped {
            "1 0 0 -1"
        } else {
            "1 0 0 1"
        };
        let ty = self.y(y);
        match self.style.fonts {
            FontKind::Ucs2 | FontKind::Utf16 => {
                if self.style.fonts == FontKind::Ucs2 {
                    anyhow::ensure!(
                        text.chars().all(|c| c.len_utf16() == 1),
                        "{text:?} is not all in UCS-2: draw it with UniGB-UTF16-H"
                    );
                }
                let hex = Self::hex(text.encode_utf16().flat_map(u16::to_be_bytes));
                let _ = writeln!(self.ops, "BT /F0 {size} Tf {x:.2} {ty:.2} Td {hex} Tj ET");
            }
            FontKind::GbkEuc | FontKind::GbkpEuc => {
                let (bytes, _, unmappable) = encoding_rs::GBK.encode(&text);
                anyhow::ensure!(!unmappable, "{text:?} is not all in GBK");
                let hex = Self::hex(bytes.iter().copied());
                let _ = writeln!(self.ops, "BT /F0 {size} Tf {x:.2} {ty:.2} Td {hex} Tj ET");
            }
            FontKind::IdentityH | FontKind::EmbeddedTrueType => {
                let ids: Vec<u16> = text.chars().map(|c| self.encoder.glyph_id(c)).collect();
                let hex = Self::hex(ids.iter().flat_map(|id| id.to_be_bytes()));
                let _ = writeln!(
                    self.ops,
                    "BT /F0 {size} Tf {matrix} {x:.2} {ty:.2} Tm {hex} Tj ET"
                );
            }
            FontKind::Simple | FontKind::Type1Differences => {
                let _ = write!(self.ops, "BT {matrix} {x:.2} {ty:.2} Tm");
                // One run per subset font; TJ with a zero kern, as producers write.
                let mut runs: Vec<(usize, Vec<u8>)> = Vec::new();
                for c in text.chars() {
                    let (subset, code) = self.encoder.simple_code(c);
                    match runs.last_mut() {
                        Some((s, codes)) if *s == subset || c == ' ' => codes.push(code),
                        _ => runs.push((subset, vec![code])),
                    }
                }
                for (subset, codes) in runs {
                    let (a, b) = codes.split_at(codes.len() / 2);
                    let _ = write!(
                        self.ops,
                        " /F{subset} {size} Tf [{} 0 {}] TJ",
                        Self::hex(a.iter().copied()),
                        Self::hex(b.iter().copied())
                    );
                }
                self.ops.push_str(" ET\n");
            }
        }
        Ok(())
    }

    /// A cell's border as one stroked rectangle.
    fn cell_box(&mut self, x0: f32, y0: f32, x1: f32, y1: f32) {
        let (y0, y1) = (self.y(y0), self.y(y1));
        let _ = writeln!(
            self.ops,
            "{x0:.2} {:.2} {:.2} {:.2} re S",
            y0.min(y1),
            x1 - x0,
            (y1 - y0).abs()
        );
    }

    /// A ruling line, drawn the way the style's producer does.
    fn line(&mut self, x0: f32, y0: f32, x1: f32, y1: f32) {
        let (y0, y1) = (self.y(y0), self.y(y1));
        match self.style.fonts {
            // Thin filled rectangles.
            FontKind::IdentityH => {
                let (w, h) = if (y0 - y1).abs() < 0.01 {
                    (x1 - x0, 0.6)
                } else {
                    (0.6, y1 - y0)
                };
                let _ = writeln!(self.ops, "{x0:.2} {y0:.2} {w:.2} {h:.2} re f");
            }
            _ => {
                let _ = writeln!(self.ops, "{x0:.2} {y0:.2} m {x1:.2} {y1:.2} l S");
            }
        }
    }
}

/// The x of each of the 21 column boundaries (22 values).
fn column_xs() -> Vec<f32> {
    let mut xs = vec![TABLE_LEFT];
    for _ in 0..3 {
        for w in BLOCK_COLUMNS {
            xs.push(xs.last().copied().unwrap_or(TABLE_LEFT) + w);
        }
    }
    xs
}

/// A text cut into the lines that fit `width` at `size` (CJK one em, ASCII half).
fn wrap(text: &str, width: f32, size: f32) -> Vec<String> {
    let mut lines = vec![String::new()];
    let mut used = 0.0;
    for c in text.chars() {
        let w = f32::from(char_width(c)) / 1000.0 * size;
        if used + w > width - 2.0 * PADDING && used > 0.0 {
            lines.push(String::new());
            used = 0.0;
        }
        used += w;
        if let Some(line) = lines.last_mut() {
            line.push(c);
        }
    }
    lines.retain(|line| !line.is_empty());
    lines
}

/// One table row: cells as (first column, lines of text); a cell runs to
/// the next cell's first column.
type DrawRow = Vec<(usize, Vec<String>)>;

fn entry_cells(entry: Option<&Entry>, block: usize, spaced: bool) -> DrawRow {
    let first = block * 7;
    let wrap = |column: usize, text: &str| wrap(text, BLOCK_COLUMNS[column], BODY_SIZE);
    match entry {
        Some(Entry::Term(label)) => vec![(first, vec![label.clone()])],
        Some(Entry::Course {
            name,
            course_type,
            credit,
            score,
            grade_point,
        }) => vec![
            (first, wrap(0, name)),
            (first + 1, wrap(1, course_type)),
            (first + 2, wrap(2, credit)),
            (first + 3, wrap(3, score)),
            (first + 4, wrap(4, grade_point)),
            (first + 5, Vec::new()),
            (first + 6, Vec::new()),
        ],
        Some(Entry::End) => {
            let end = if spaced {
                "以 下 空 白"
            } else {
                "以下空白"
            };
            vec![(first, vec![end.to_owned()])]
        }
        None => (first..first + 7).map(|c| (c, Vec::new())).collect(),
    }
}

fn summary_rows(summary: &Summary) -> Vec<DrawRow> {
    let s = |t: &str| vec![t.to_owned()];
    let [total, compulsory, elective, cross] = &summary.credits;
    vec![
        vec![
            (0, s("平均成绩")),
            (2, s(&summary.average)),
            (14, s("平均学分绩点")),
            (16, s(&summary.gpa)),
        ],
        vec![
            (0, s("学分总计(应修/已获)")),
            (4, s("必修学分(应修/已获)")),
            (9, s("选修学分(应修/已获)")),
            (15, s("交叉学分(应修/已获)")),
        ],
        vec![
            (0, s(&total.0)),
            (1, s(&total.1)),
            (2, Vec::new()),
            (4, s(&compulsory.0)),
            (8, s(&compulsory.1)),
            (9, s(&elective.0)),
            (12, s(&elective.1)),
            (15, s(&cross.0)),
            (17, s(&cross.1)),
        ],
    ]
}

/// One page to draw: its table's rows, and a title above the table when it
/// is not the course table.
struct DrawPage {
    title: Option<&'static str>,
    rows: Vec<DrawRow>,
}

/// Draws one page: title, identity line, the table's title if any, its rows.
fn page_content(painter: &mut Painter<'_>, page: &DrawPage) -> anyhow::Result<()> {
    let rows = &page.rows;
    painter.ops.push_str("0.5 w\n");
    painter.text(222.0, 800.0, 15.0, "湘潭大学学生成绩总表")?;
    let identity = format!(
        "学院: {} 专业: {MAJOR} 学号: {STUDENT_ID} 姓名: {NAME}",
        painter.style.college
    );
    painter.text(TABLE_LEFT, 770.0, 9.0, &identity)?;
    if let Some(title) = page.title {
        // Between the identity line and the table, outside its rulings.
        painter.text(TABLE_LEFT, TABLE_TOP + 4.0, 8.0, title)?;
    }
    let xs = column_xs();
    let right = xs[21];
    let mut top = TABLE_TOP;
    let boxes = painter.style.fonts.one_byte();
    if !boxes {
        painter.line(TABLE_LEFT, top, right, top);
    }
    for (index, row) in rows.iter().enumerate() {
        let lines = row.iter().map(|cell| cell.1.len()).max().unwrap_or(1);
        let height = match (index, lines) {
            (0, _) => HEADER_HEIGHT,
            (_, 0 | 1) => ROW_HEIGHT,
            _ => WRAPPED_ROW_HEIGHT,
        };
        let bottom = top - height;
        let size = if index == 0 { HEADER_SIZE } else { BODY_SIZE };
        for (k, (first, texts)) in row.iter().enumerate() {
            let first = *first;
            if boxes {
                // Each cell's own border, as report engines draw them.
                let end = row.get(k + 1).map_or(right, |next| xs[next.0]);
                painter.cell_box(xs[first], bottom, end, top);
            } else {
                painter.line(xs[first], top, xs[first], bottom);
            }
            for (k, text) in texts.iter().enumerate() {
                let baseline = if texts.len() == 1 {
                    bottom + (height - size) / 2.0 + 0.6
                } else {
                    top - 1.5 - size - (k as f32) * (size + 1.5)
                };
                painter.text(xs[first] + PADDING, baseline, size, text)?;
            }
        }
        if !boxes {
            painter.line(right, top, right, bottom);
            painter.line(TABLE_LEFT, bottom, right, bottom);
        }
        top = bottom;
    }
    Ok(())
}

/// The 等级考试成绩 page: a label row, then one row per exam, name, score
/// and date in the first columns (the date spans two).
fn level_exam_page(exams: &[(&str, &str, &str)], style: &Style) -> DrawPage {
    let label = |text: &str| {
        if style.spaced {
            text.to_owned()
        } else {
            text.replace(' ', "")
        }
    };
    let row = |name: &str, score: &str, date: &str, size: f32| -> DrawRow {
        vec![
            (0, wrap(name, BLOCK_COLUMNS[0], size)),
            (1, wrap(score, BLOCK_COLUMNS[1], size)),
            (2, wrap(date, BLOCK_COLUMNS[2] + BLOCK_COLUMNS[3], size)),
            (4, Vec::new()),
        ]
    };
    let mut rows = vec![row(
        &label("考试名称"),
        &label("成 绩"),
        &label("考试日期"),
        HEADER_SIZE,
    )];
    rows.extend(
        exams
            .iter()
            .map(|(name, score, date)| row(name, score, date, BODY_SIZE)),
    );
    DrawPage {
        title: Some("等级考试成绩"),
        rows,
    }
}

/// Lays the entries out block by block, page by page, and the level exams'
/// page last when there is one.
fn pages(entries: &[Entry], summary: &Summary, style: &Style) -> Vec<DrawPage> {
    let mut entries = entries.to_vec();
    entries.push(Entry::End);
    let per_page = style.rows_per_block * 3;
    let chunks: Vec<&[Entry]> = entries.chunks(per_page).collect();
    let header: DrawRow = (0..21)
        .map(|c| {
            let label = BLOCK_LABELS[c % 7];
            let label = if style.spaced {
                label.to_owned()
            } else {
                label.replace(' ', "")
            };
            (c, vec![label])
        })
        .collect();
    let count = chunks.len();
    chunks
        .into_iter()
        .enumerate()
        .map(|(page, chunk)| {
            let mut rows = vec![header.clone()];
            for r in 0..style.rows_per_block {
                let mut row = Vec::new();
                for block in 0..3 {
                    row.extend(entry_cells(
                        chunk.get(block * style.rows_per_block + r),
                        block,
                        style.spaced,
                    ));
                }
                rows.push(row);
            }
            if page + 1 == count {
                rows.extend(summary_rows(summary));
            }
            DrawPage { title: None, rows }
        })
        .chain((!style.level_exams.is_empty()).then(|| level_exam_page(style.level_exams, style)))
        .collect()
}

/// The whole PDF.
fn transcript_pdf(entries: &[Entry], summary: &Summary, style: &Style) -> anyhow::Result<Vec<u8>> {
    Ok(serialize(&transcript_objects(entries, summary, style)?))
}

/// The objects of the PDF, numbered from 1 (the catalog) in order.
fn transcript_objects(
    entries: &[Entry],
    summary: &Summary,
    style: &Style,
) -> anyhow::Result<Vec<Vec<u8>>> {
    let mut encoder = Encoder::default();
    let mut contents = Vec::new();
    for page in pages(entries, summary, style) {
        let mut painter = Painter {
            ops: String::new(),
            style,
            encoder: &mut encoder,
        };
        if style.flipped {
            let _ = writeln!(painter.ops, "1 0 0 -1 0 {PAGE_HEIGHT} cm");
        }
        page_content(&mut painter, &page)?;
        contents.push(painter.ops);
    }

    // Objects: 1 catalog, 2 pages, then fonts, then per page: page, content.
    let mut objects: Vec<Vec<u8>> = vec![Vec::new(), Vec::new()];
    let mut font_refs = String::new();
    match style.fonts {
        FontKind::Ucs2 | FontKind::Utf16 | FontKind::GbkEuc | FontKind::GbkpEuc => {
            let encoding = match style.fonts {
                FontKind::Ucs2 => "UniGB-UCS2-H",
                FontKind::Utf16 => "UniGB-UTF16-H",
                FontKind::GbkEuc => "GBK-EUC-H",
                _ => "GBKp-EUC-H",
            };
            let widths: Vec<String> = (0..95).map(|_| "500".to_owned()).collect();
            let id = objects.len() + 1;
            objects.push(
                format!(
                    "<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /{encoding} /DescendantFonts [{} 0 R] >>",
                    id + 1
                )
                .into_bytes(),
            );
            objects.push(
                format!(
                    "<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> /FontDescriptor {} 0 R /DW 1000 /W [1 [{}]] >>",
                    id + 2,
                    widths.join(" ")
                )
                .into_bytes(),
            );
            objects.push(font_descriptor("STSong-Light", ""));
            let _ = write!(font_refs, "/F0 {id} 0 R");
        }
        FontKind::IdentityH | FontKind::EmbeddedTrueType => {
            let embedded = style.fonts == FontKind::EmbeddedTrueType;
            let id = objects.len() + 1;
            let mut w = String::new();
            let mut cmap_entries = Vec::new();
            for (k, &c) in encoder.glyph_order.iter().enumerate() {
                let gid = 3 + k as u16;
                let _ = write!(w, "{gid} [{}] ", char_width(c));
                cmap_entries.push((u32::from(gid), 2, c));
            }
            let to_unicode = if embedded {
                String::new()
            } else {
                format!(" /ToUnicode {} 0 R", id + 3)
            };
            objects.push(
                format!(
                    "<< /Type /Font /Subtype /Type0 /BaseFont /ABCDEF+SimSun /Encoding /Identity-H /DescendantFonts [{} 0 R]{to_unicode} >>",
                    id + 1,
                )
                .into_bytes(),
            );
            objects.push(
                format!(
                    "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /ABCDEF+SimSun /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor {} 0 R /DW 1000 /W [{}] /CIDToGIDMap /Identity >>",
                    id + 2,
                    w.trim_end()
                )
                .into_bytes(),
            );
            if embedded {
                let glyphs: Vec<(char, u16)> = cmap_entries
                    .iter()
                    .map(|&(gid, _, c)| (c, gid as u16))
                    .collect();
                let program = super::truetype::font_program(&glyphs)?;
                objects.push(font_descriptor(
                    "ABCDEF+SimSun",
                    &format!(" /FontFile2 {} 0 R", id + 3),
                ));
                objects.push(binary_stream(&program, style)?);
            } else {
                objects.push(font_descriptor("ABCDEF+SimSun", ""));
                objects.push(stream(&to_unicode_cmap(&cmap_entries, 2), style)?);
            }
            let _ = write!(font_refs, "/F0 {id} 0 R");
        }
        FontKind::Simple | FontKind::Type1Differences => {
            let type1 = style.fonts == FontKind::Type1Differences;
            for (subset, chars) in encoder.subsets.iter().enumerate() {
                let id = objects.len() + 1;
                let family = if type1 { "STSongStd-Light" } else { "SimSun" };
                let name = format!("{}+{family}", subset_tag(subset));
                let last = 32 + chars.len();
                let widths: Vec<String> = (32..=last)
                    .map(|code| {
                        if code == 32 {
                            "500".to_owned()
                        } else {
                            char_width(chars[code - 33]).to_string()
                        }
                    })
                    .collect();
                let (subtype, encoding) = if type1 {
                    let names: Vec<String> = chars.iter().map(|&c| glyph_name(c)).collect();
                    (
                        "Type1",
                        format!(
                            " /Encoding << /Type /Encoding /BaseEncoding /WinAnsiEncoding /Differences [33 /{}] >>",
                            names.join(" /")
                        ),
                    )
                } else {
                    ("TrueType", format!(" /ToUnicode {} 0 R", id + 2))
                };
                objects.push(
                    format!(
                        "<< /Type /Font /Subtype /{subtype} /BaseFont /{name} /FirstChar 32 /LastChar {last} /Widths [{}] /FontDescriptor {} 0 R{encoding} >>",
                        widths.join(" "),
                        id + 1,
                    )
                    .into_bytes(),
                );
                objects.push(font_descriptor(&name, ""));
                if !type1 {
                    let mut cmap_entries = vec![(32, 1, ' ')];
                    cmap_entries.extend(
                        chars
                            .iter()
                            .enumerate()
                            .map(|(k, &c)| (33 + k as u32, 1, c)),
                    );
                    objects.push(stream(&to_unicode_cmap(&cmap_entries, 1), style)?);
                }
                let _ = write!(font_refs, "/F{subset} {id} 0 R ");
            }
        }
    }
    let mut kids = Vec::new();
    for content in &contents {
        let page_id = objects.len() + 1;
        kids.push(format!("{page_id} 0 R"));
        objects.push(
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_WIDTH} {PAGE_HEIGHT}] /Resources << /Font << {} >> >> /Contents {} 0 R >>",
                font_refs.trim_end(),
                page_id + 1
            )
            .into_bytes(),
        );
        objects.push(stream(content, style)?);
    }
    objects[0] = b"<< /Type /Catalog /Pages 2 0 R >>".to_vec();
    objects[1] = format!(
        "<< /Type /Pages /Kids [{}] /Count {} >>",
        kids.join(" "),
        kids.len()
    )
    .into_bytes();
    Ok(objects)
}

/// The file of the objects: header, bodies, cross-reference table, trailer.
fn serialize(objects: &[Vec<u8>]) -> Vec<u8> {
    let mut pdf = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::new();
    for (k, body) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        let _ = writeln!(pdf, "{} 0 obj", k + 1);
        pdf.extend_from_slice(body);
        pdf.extend_from_slice(b"\nendobj\n");
    }
    let xref = pdf.len();
    let _ = write!(pdf, "xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
    for offset in offsets {
        let _ = writeln!(pdf, "{offset:010} 00000 n ");
    }
    let _ = write!(
        pdf,
        "trailer\n<< /Size {} /Root 1 0 R /Info << /Producer (xtask transcript-fixtures) >> >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    );
    pdf
}

/// `transcript.pdf` saved with an incremental update, as signing or
/// editing in a viewer saves it: the first revision's page shows a decoy
/// (an empty table), the update replaces the page's content stream with the
/// real one. Read right only if the update is read.
pub fn incremental_update() -> anyhow::Result<Vec<u8>> {
    let (_, entries, summary, style) = fixtures()
        .into_iter()
        .find(|f| f.0 == "transcript.pdf")
        .context("transcript.pdf is a fixture")?;
    let mut objects = transcript_objects(&entries, &summary, &style)?;
    let content_id = objects.len();
    let real = std::mem::replace(&mut objects[content_id - 1], stream("", &style)?);
    let mut pdf = serialize(&objects);
    let previous = memchr_last(&pdf, b"startxref\n").context("a startxref")? + 10;
    let previous: usize = std::str::from_utf8(&pdf[previous..])?
        .lines()
        .next()
        .context("the startxref offset")?
        .parse()?;
    let offset = pdf.len();
    let _ = writeln!(pdf, "{content_id} 0 obj");
    pdf.extend_from_slice(&real);
    pdf.extend_from_slice(b"\nendobj\n");
    let xref = pdf.len();
    let _ = write!(
        pdf,
        "xref\n0 1\n0000000000 65535 f \n{content_id} 1\n{offset:010} 00000 n \ntrailer\n<< /Size {} /Root 1 0 R /Prev {previous} /Info << /Producer (xtask transcript-fixtures, updated) >> >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    );
    Ok(pdf)
}

/// `transcript.pdf` with its streams compressed and then ASCII85-encoded
/// (`/Filter [/ASCII85Decode /FlateDecode]`), as reportlab writes them.
pub fn ascii85_variant() -> anyhow::Result<Vec<u8>> {
    let full = summary("84.17", "3.42", ["88.5", "76.5", "9.0", "3.0"]);
    let style = Style {
        compress: true,
        ascii85: true,
        ..Style::default()
    };
    transcript_pdf(&four_terms(), &full, &style)
}

/// `transcript.pdf` with its `startxref` pointing nowhere, as a truncated
/// upload or a careless editor leaves a file: read by rebuilding the
/// cross-reference table from the objects.
pub fn broken_xref() -> anyhow::Result<Vec<u8>> {
    let (_, entries, summary, style) = fixtures()
        .into_iter()
        .find(|f| f.0 == "transcript.pdf")
        .context("transcript.pdf is a fixture")?;
    let mut pdf = transcript_pdf(&entries, &summary, &style)?;
    let at = memchr_last(&pdf, b"startxref\n").context("a startxref")? + 10;
    let end = at
        + pdf[at..]
            .iter()
            .position(|&b| b == b'\n')
            .context("its end")?;
    pdf.splice(at..end, b"17".iter().copied());
    Ok(pdf)
}

fn memchr_last(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

/// The AGL name of a character: its standard name for ASCII, `afii` names
/// for Cyrillic capitals, `uniXXXX` in the BMP, `uXXXXX` beyond.
fn glyph_name(c: char) -> String {
    const ASCII: [&str; 95] = [
        "space",
        "exclam",
        "quotedbl",
        "numbersign",
        "dollar",
        "percent",
        "ampersand",
        "quotesingle",
        "parenleft",
        "parenright",
        "asterisk",
        "plus",
        "comma",
        "hyphen",
        "period",
        "slash",
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "colon",
        "semicolon",
        "less",
        "equal",
        "greater",
        "question",
        "at",
        "A",
        "B",
        "C",
        "D",
        "E",
        "F",
        "G",
        "H",
        "I",
        "J",
        "K",
        "L",
        "M",
        "N",
        "O",
        "P",
        "Q",
        "R",
        "S",
        "T",
        "U",
        "V",
        "W",
        "X",
        "Y",
        "Z",
        "bracketleft",
        "backslash",
        "bracketright",
        "asciicircum",
        "underscore",
        "grave",
        "a",
        "b",
        "c",
        "d",
        "e",
        "f",
        "g",
        "h",
        "i",
        "j",
        "k",
        "l",
        "m",
        "n",
        "o",
        "p",
        "q",
        "r",
        "s",
        "t",
        "u",
        "v",
        "w",
        "x",
        "y",
        "z",
        "braceleft",
        "bar",
        "braceright",
        "asciitilde",
    ];
    match c {
        ' '..='~' => ASCII[(c as usize) - 0x20].to_owned(),
        // The AGL's names for А-Я (afii10017 onwards, Ё apart).
        'А'..='Е' => format!("afii{}", 10017 + (c as u32 - 'А' as u32)),
        'Ж'..='Я' => format!("afii{}", 10024 + (c as u32 - 'Ж' as u32)),
        _ if c.len_utf16() == 1 => format!("uni{:04X}", c as u32),
        _ => format!("u{:X}", c as u32),
    }
}

fn subset_tag(subset: usize) -> String {
    (0..6)
        .map(|k| char::from(b'A' + ((subset + k) % 26) as u8))
        .collect()
}

fn font_descriptor(name: &str, extra: &str) -> Vec<u8> {
    format!(
        "<< /Type /FontDescriptor /FontName /{name} /Flags 6 /FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93{extra} >>"
    )
    .into_bytes()
}

/// A stream object of text, filtered as the style says.
fn stream(data: &str, style: &Style) -> anyhow::Result<Vec<u8>> {
    binary_stream(data.as_bytes(), style)
}

/// A stream object, FlateDecoded (and ASCII85-encoded on top) when the
/// style says so.
fn binary_stream(data: &[u8], style: &Style) -> anyhow::Result<Vec<u8>> {
    let (body, filter) = if style.compress {
        let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(data)?;
        let deflated = encoder.finish()?;
        if style.ascii85 {
            (ascii85(&deflated), " /Filter [/ASCII85Decode /FlateDecode]")
        } else {
            (deflated, " /Filter /FlateDecode")
        }
    } else {
        (data.to_vec(), "")
    };
    let mut object = format!("<< /Length {}{filter} >>\nstream\n", body.len()).into_bytes();
    object.extend_from_slice(&body);
    object.extend_from_slice(b"\nendstream");
    Ok(object)
}

/// ASCII base-85 (PDF's `ASCII85Decode` input): `z` for four zero bytes,
/// lines of 75 characters, `~>` at the end.
fn ascii85(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut line = 0;
    let mut push = |out: &mut Vec<u8>, byte: u8| {
        out.push(byte);
        line += 1;
        if line == 75 {
            out.push(b'\n');
            line = 0;
        }
    };
    for chunk in data.chunks(4) {
        let mut group = [0u8; 4];
        group[..chunk.len()].copy_from_slice(chunk);
        let value = u32::from_be_bytes(group);
        if value == 0 && chunk.len() == 4 {
            push(&mut out, b'z');
            continue;
        }
        let mut digits = [0u8; 5];
        let mut rest = value;
        for digit in digits.iter_mut().rev() {
            *digit = (rest % 85) as u8 + b'!';
            rest /= 85;
        }
        for &digit in &digits[..=chunk.len()] {
            push(&mut out, digit);
        }
    }
    out.extend_from_slice(b"~>");
    out
}

/// A ToUnicode CMap: codes of `bytes` bytes to characters, as bfchar and,
/// for runs of consecutive codes and characters, bfrange.
fn to_unicode_cmap(entries: &[(u32, usize, char)], bytes: usize) -> String {
    let code = |c: u32| format!("<{:0width$X}>", c, width = bytes * 2);
    let unicode = |c: char| {
        let mut hex = String::from("<");
        for unit in c.encode_utf16(&mut [0; 2]) {
            let _ = write!(hex, "{unit:04X}");
        }
        hex.push('>');
        hex
    };
    let mut sorted = entries.to_vec();
    sorted.sort_by_key(|e| e.0);
    // Runs of consecutive codes mapping to consecutive characters.
    let mut ranges: Vec<(u32, u32, char)> = Vec::new();
    let mut singles: Vec<(u32, char)> = Vec::new();
    let mut i = 0;
    while i < sorted.len() {
        let mut j = i;
        while j + 1 < sorted.len()
            && sorted[j + 1].0 == sorted[j].0 + 1
            && u32::from(sorted[j + 1].2) == u32::from(sorted[j].2) + 1
        {
            j += 1;
        }
        if j > i {
            ranges.push((sorted[i].0, sorted[j].0, sorted[i].2));
        } else {
            singles.push((sorted[i].0, sorted[i].2));
        }
        i = j + 1;
    }
    let mut cmap = String::from(
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n",
    );
    let (low, high) = (code(0), code(if bytes == 1 { 0xFF } else { 0xFFFF }));
    let _ = writeln!(
        cmap,
        "1 begincodespacerange\n{low} {high}\nendcodespacerange"
    );
    for chunk in singles.chunks(100) {
        let _ = writeln!(cmap, "{} beginbfchar", chunk.len());
        for &(c, u) in chunk {
            let _ = writeln!(cmap, "{} {}", code(c), unicode(u));
        }
        cmap.push_str("endbfchar\n");
    }
    for chunk in ranges.chunks(100) {
        let _ = writeln!(cmap, "{} beginbfrange", chunk.len());
        for &(a, b, u) in chunk {
            let _ = writeln!(cmap, "{} {} {}", code(a), code(b), unicode(u));
        }
        cmap.push_str("endbfrange\n");
    }
    cmap.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
    cmap
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_fixtures_are_what_the_generator_writes() {
        let hand_made = crate::transcript_variants::hand_made().expect("variants build");
        let variants = hand_made
            .into_iter()
            .map(|(file, bytes)| (format!("variants/{file}"), bytes));
        let generated = files().expect("fixtures build").into_iter();
        for (file, bytes) in generated.map(|(f, b)| (f.to_owned(), b)).chain(variants) {
            let file = file.as_str();
            let committed = std::fs::read(fixture_dir().join(file)).expect(file);
            assert!(
                committed == bytes,
                "fixtures/transcript/{file} differs from the generator's: run `cargo xtask transcript-fixtures`"
            );
        }
    }
}
