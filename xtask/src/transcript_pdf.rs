//! `cargo xtask transcript-fixtures`: writes the transcript PDFs of
//! `fixtures/transcript/` after the layout the protocol documents (title,
//! identity line, one ruled table of three blocks × seven columns, three
//! summary rows), with placeholder data.
//!
//! Each file is a [`lopdf::Document`]: the pages' drawing as content
//! operations, fonts and pages as dictionaries, streams filtered by lopdf,
//! saved by lopdf's writer (objects in number order, a cross-reference
//! table, the trailer; nothing of the clock or of chance, so a run writes
//! the bytes of the last). What lopdf does not write is written here: the
//! ToUnicode CMaps' programs (PostScript, the data of their streams), the
//! TrueType program (`truetype.rs`) and the one deliberately broken file
//! ([`broken_xref`]).
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
//! ways other producers and post-processors do (qpdf), and `transcript.pdf`
//! three more ways made here ([`ascii85_variant`], [`incremental_update`],
//! [`broken_xref`]).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context as _;
use lopdf::content::{Content, Operation};
use lopdf::xref::XrefType;
use lopdf::{Dictionary, Document, IncrementalDocument, Object, Stream, StringFormat, dictionary};

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
    /// The same, in glyph id order.
    glyphs: Vec<(char, u16)>,
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
        let id = 3 + self.glyphs.len() as u16;
        self.glyph_ids.insert(c, id);
        self.glyphs.push((c, id));
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

/// One page's content stream under construction, as lopdf operations.
struct Painter<'a> {
    ops: Vec<Operation>,
    style: &'a Style,
    encoder: &'a mut Encoder,
}

/// A coordinate as producers write them: two decimals.
fn number(value: f32) -> Object {
    Object::Real(((f64::from(value) * 100.0).round() / 100.0) as f32)
}

fn hex(bytes: Vec<u8>) -> Object {
    Object::String(bytes, StringFormat::Hexadecimal)
}

impl Painter<'_> {
    fn y(&self, y: f32) -> f32 {
        if self.style.flipped {
            PAGE_HEIGHT - y
        } else {
            y
        }
    }

    fn op(&mut self, operator: &str, operands: Vec<Object>) {
        self.ops.push(Operation::new(operator, operands));
    }

    /// `Tm` to `x y`, upright in the flipped coordinates too.
    fn text_matrix(&mut self, x: f32, y: f32) {
        let d = if self.style.flipped { -1 } else { 1 };
        self.op(
            "Tm",
            vec![1.into(), 0.into(), 0.into(), d.into(), number(x), number(y)],
        );
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
        let ty = self.y(y);
        self.op("BT", vec![]);
        match self.style.fonts {
            // Predefined CMaps: the codes are the text in UTF-16 or in GBK.
            FontKind::Ucs2 | FontKind::Utf16 | FontKind::GbkEuc | FontKind::GbkpEuc => {
                let codes = if matches!(self.style.fonts, FontKind::GbkEuc | FontKind::GbkpEuc) {
                    let (bytes, _, unmappable) = encoding_rs::GBK.encode(&text);
                    anyhow::ensure!(!unmappable, "{text:?} is not all in GBK");
                    bytes.into_owned()
                } else {
                    anyhow::ensure!(
                        self.style.fonts == FontKind::Utf16
                            || text.chars().all(|c| c.len_utf16() == 1),
                        "{text:?} is not all in UCS-2: draw it with UniGB-UTF16-H"
                    );
                    text.encode_utf16().flat_map(u16::to_be_bytes).collect()
                };
                self.op("Tf", vec!["F0".into(), size.into()]);
                self.op("Td", vec![number(x), number(ty)]);
                self.op("Tj", vec![hex(codes)]);
            }
            FontKind::IdentityH | FontKind::EmbeddedTrueType => {
                let ids: Vec<u8> = text
                    .chars()
                    .flat_map(|c| self.encoder.glyph_id(c).to_be_bytes())
                    .collect();
                self.op("Tf", vec!["F0".into(), size.into()]);
                self.text_matrix(x, ty);
                self.op("Tj", vec![hex(ids)]);
            }
            FontKind::Simple | FontKind::Type1Differences => {
                self.text_matrix(x, ty);
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
                    self.op("Tf", vec![format!("F{subset}").into(), size.into()]);
                    let kerned = vec![hex(a.to_vec()), 0.into(), hex(b.to_vec())];
                    self.op("TJ", vec![Object::Array(kerned)]);
                }
            }
        }
        self.op("ET", vec![]);
        Ok(())
    }

    /// A cell's border as one stroked rectangle.
    fn cell_box(&mut self, x0: f32, y0: f32, x1: f32, y1: f32) {
        let (y0, y1) = (self.y(y0), self.y(y1));
        let rect = vec![
            number(x0),
            number(y0.min(y1)),
            number(x1 - x0),
            number((y1 - y0).abs()),
        ];
        self.op("re", rect);
        self.op("S", vec![]);
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
                self.op("re", vec![number(x0), number(y0), number(w), number(h)]);
                self.op("f", vec![]);
            }
            _ => {
                self.op("m", vec![number(x0), number(y0)]);
                self.op("l", vec![number(x1), number(y1)]);
                self.op("S", vec![]);
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
    painter.op("w", vec![0.5.into()]);
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
    save(&mut transcript_document(entries, summary, style)?)
}

/// The bytes lopdf writes for the document: objects in number order, a
/// cross-reference table, the trailer.
fn save(doc: &mut Document) -> anyhow::Result<Vec<u8>> {
    let mut pdf = Vec::new();
    doc.save_to(&mut pdf).context("writing the pdf")?;
    Ok(pdf)
}

/// The document: the catalog and the page tree, the fonts the drawn pages'
/// codes need, each page and its content, the document information.
fn transcript_document(
    entries: &[Entry],
    summary: &Summary,
    style: &Style,
) -> anyhow::Result<Document> {
    let mut encoder = Encoder::default();
    let mut contents = Vec::new();
    for page in pages(entries, summary, style) {
        let mut painter = Painter {
            ops: Vec::new(),
            style,
            encoder: &mut encoder,
        };
        if style.flipped {
            let flip = vec![
                1.into(),
                0.into(),
                0.into(),
                (-1).into(),
                0.into(),
                PAGE_HEIGHT.into(),
            ];
            painter.op("cm", flip);
        }
        page_content(&mut painter, &page)?;
        contents.push(
            Content {
                operations: painter.ops,
            }
            .encode()?,
        );
    }

    let mut doc = Document::with_version("1.4");
    // A classic cross-reference table, as the sources of the variants have:
    // cross-reference streams are the `objstm` variant's (qpdf's).
    doc.reference_table.cross_reference_type = XrefType::CrossReferenceTable;
    // 1 the catalog, 2 the page tree, as producers number them.
    let (catalog, pages_id) = (doc.new_object_id(), doc.new_object_id());
    let fonts = fonts(&mut doc, &encoder, style)?;
    let mut kids = Vec::new();
    for content in contents {
        let content = doc.add_object(stream(content, style)?);
        kids.push(Object::Reference(doc.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "MediaBox" => vec![0.into(), 0.into(), PAGE_WIDTH.into(), PAGE_HEIGHT.into()],
            "Resources" => dictionary! { "Font" => fonts.clone() },
            "Contents" => content,
        })));
    }
    let count = i64::try_from(kids.len())?;
    doc.set_object(
        pages_id,
        dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count },
    );
    doc.set_object(
        catalog,
        dictionary! { "Type" => "Catalog", "Pages" => pages_id },
    );
    let info = doc.add_object(dictionary! {
        "Producer" => Object::string_literal("xtask transcript-fixtures"),
    });
    doc.trailer.set("Root", catalog);
    doc.trailer.set("Info", info);
    Ok(doc)
}

/// The font objects of the style, for the codes the pages drew; returns
/// the pages' font resources (`/F0`, or `/F<subset>` for subset fonts).
fn fonts(doc: &mut Document, encoder: &Encoder, style: &Style) -> anyhow::Result<Dictionary> {
    let mut resources = Dictionary::new();
    match style.fonts {
        FontKind::Ucs2 | FontKind::Utf16 | FontKind::GbkEuc | FontKind::GbkpEuc => {
            let encoding = match style.fonts {
                FontKind::Ucs2 => "UniGB-UCS2-H",
                FontKind::Utf16 => "UniGB-UTF16-H",
                FontKind::GbkEuc => "GBK-EUC-H",
                _ => "GBKp-EUC-H",
            };
            let descriptor = doc.add_object(font_descriptor("STSong-Light"));
            let half_widths: Vec<Object> = (0..95).map(|_| 500.into()).collect();
            let cid_font = doc.add_object(dictionary! {
                "Type" => "Font",
                "Subtype" => "CIDFontType0",
                "BaseFont" => "STSong-Light",
                "CIDSystemInfo" => cid_system_info("GB1", 2),
                "FontDescriptor" => descriptor,
                "DW" => 1000,
                "W" => vec![1.into(), Object::Array(half_widths)],
            });
            resources.set(
                "F0",
                doc.add_object(dictionary! {
                    "Type" => "Font",
                    "Subtype" => "Type0",
                    "BaseFont" => "STSong-Light",
                    "Encoding" => encoding,
                    "DescendantFonts" => vec![cid_font.into()],
                }),
            );
        }
        FontKind::IdentityH | FontKind::EmbeddedTrueType => {
            let embedded = style.fonts == FontKind::EmbeddedTrueType;
            let glyphs = &encoder.glyphs;
            let widths: Vec<Object> = glyphs
                .iter()
                .flat_map(|&(c, gid)| [gid.into(), vec![char_width(c).into()].into()])
                .collect();
            let mut descriptor = font_descriptor("ABCDEF+SimSun");
            if embedded {
                let program = super::truetype::font_program(glyphs)?;
                descriptor.set("FontFile2", doc.add_object(stream(program, style)?));
            }
            let descriptor = doc.add_object(descriptor);
            let cid_font = doc.add_object(dictionary! {
                "Type" => "Font",
                "Subtype" => "CIDFontType2",
                "BaseFont" => "ABCDEF+SimSun",
                "CIDSystemInfo" => cid_system_info("Identity", 0),
                "FontDescriptor" => descriptor,
                "DW" => 1000,
                "W" => widths,
                "CIDToGIDMap" => "Identity",
            });
            let mut font = dictionary! {
                "Type" => "Font",
                "Subtype" => "Type0",
                "BaseFont" => "ABCDEF+SimSun",
                "Encoding" => "Identity-H",
                "DescendantFonts" => vec![cid_font.into()],
            };
            if !embedded {
                let cmap: Vec<(u32, char)> =
                    glyphs.iter().map(|&(c, gid)| (gid.into(), c)).collect();
                let cmap = stream(to_unicode_cmap(&cmap, 2), style)?;
                font.set("ToUnicode", doc.add_object(cmap));
            }
            resources.set("F0", doc.add_object(font));
        }
        FontKind::Simple | FontKind::Type1Differences => {
            let type1 = style.fonts == FontKind::Type1Differences;
            for (subset, chars) in encoder.subsets.iter().enumerate() {
                let family = if type1 { "STSongStd-Light" } else { "SimSun" };
                let name = format!("{}+{family}", subset_tag(subset));
                // Code 32 is the space, then the subset's characters from 33.
                let mut widths: Vec<Object> = vec![500.into()];
                widths.extend(chars.iter().map(|&c| char_width(c).into()));
                let mut font = dictionary! {
                    "Type" => "Font",
                    "Subtype" => if type1 { "Type1" } else { "TrueType" },
                    "BaseFont" => name.clone(),
                    "FirstChar" => 32,
                    "LastChar" => i64::try_from(32 + chars.len())?,
                    "Widths" => widths,
                    "FontDescriptor" => doc.add_object(font_descriptor(&name)),
                };
                if type1 {
                    let mut differences: Vec<Object> = vec![33.into()];
                    differences.extend(chars.iter().map(|&c| glyph_name(c).into()));
                    font.set(
                        "Encoding",
                        dictionary! {
                            "Type" => "Encoding",
                            "BaseEncoding" => "WinAnsiEncoding",
                            "Differences" => differences,
                        },
                    );
                } else {
                    let mut cmap = vec![(32, ' ')];
                    cmap.extend((33..).zip(chars.iter().copied()));
                    let cmap = stream(to_unicode_cmap(&cmap, 1), style)?;
                    font.set("ToUnicode", doc.add_object(cmap));
                }
                resources.set(format!("F{subset}"), doc.add_object(font));
            }
        }
    }
    Ok(resources)
}

fn cid_system_info(ordering: &str, supplement: i64) -> Dictionary {
    dictionary! {
        "Registry" => Object::string_literal("Adobe"),
        "Ordering" => Object::string_literal(ordering),
        "Supplement" => supplement,
    }
}

/// `transcript.pdf` saved with an incremental update, as signing or
/// editing in a viewer saves it: the first revision's page shows a decoy
/// (an empty table), the update replaces the page's content stream with the
/// real one. Read right only if the update is read.
pub fn incremental_update() -> anyhow::Result<Vec<u8>> {
    let (_, entries, summary, style) = transcript_fixture()?;
    let mut doc = transcript_document(&entries, &summary, &style)?;
    let page = doc.page_iter().next().context("a page")?;
    let content = *doc.get_page_contents(page).first().context("its content")?;
    let real = doc
        .objects
        .insert(content, stream(Vec::new(), &style)?.into());
    let real = real.context("the content stream")?;
    let info = doc.trailer.get(b"Info")?.as_reference()?;
    let first = save(&mut doc)?;
    let previous = Document::load_mem(&first).context("reading the first revision back")?;
    let mut update = IncrementalDocument::create_from(first, previous);
    update.new_document.set_object(content, real);
    update.new_document.set_object(
        info,
        dictionary! { "Producer" => Object::string_literal("xtask transcript-fixtures, updated") },
    );
    let mut pdf = Vec::new();
    update.save_to(&mut pdf).context("writing the update")?;
    Ok(pdf)
}

/// `transcript.pdf` with its streams compressed and then ASCII85-encoded
/// (`/Filter [/ASCII85Decode /FlateDecode]`), as reportlab writes them.
pub fn ascii85_variant() -> anyhow::Result<Vec<u8>> {
    let (_, entries, summary, style) = transcript_fixture()?;
    let style = Style {
        compress: true,
        ascii85: true,
        ..style
    };
    transcript_pdf(&entries, &summary, &style)
}

/// `transcript.pdf` with its `startxref` pointing nowhere, as a truncated
/// upload or a careless editor leaves a file: read by rebuilding the
/// cross-reference table from the objects. A file lopdf's writer would
/// never write, so the one byte-level edit of the generator: the saved
/// file's last `startxref` offset replaced by 17.
pub fn broken_xref() -> anyhow::Result<Vec<u8>> {
    let (_, entries, summary, style) = transcript_fixture()?;
    let mut pdf = transcript_pdf(&entries, &summary, &style)?;
    let needle = b"startxref\n";
    let at = needle.len()
        + pdf
            .windows(needle.len())
            .rposition(|w| w == needle)
            .context("a startxref")?;
    let end = at
        + pdf[at..]
            .iter()
            .position(|&b| !b.is_ascii_digit())
            .context("its end")?;
    pdf.splice(at..end, b"17".iter().copied());
    Ok(pdf)
}

/// The fixture of `transcript.pdf`, the source of the variants made here.
fn transcript_fixture() -> anyhow::Result<(&'static str, Vec<Entry>, Summary, Style)> {
    fixtures()
        .into_iter()
        .find(|f| f.0 == "transcript.pdf")
        .context("transcript.pdf is a fixture")
}

/// The AGL name of a character: its standard name for ASCII, `afii` names
/// for Cyrillic capitals, `uniXXXX` in the BMP, `uXXXXX` beyond.
fn glyph_name(c: char) -> String {
    match c {
        ' '..='~' => ASCII_GLYPH_NAMES
            .split_whitespace()
            .nth(c as usize - 0x20)
            .unwrap_or_default()
            .to_owned(),
        // The AGL's names for А-Я (afii10017 onwards, Ё apart).
        'А'..='Е' => format!("afii{}", 10017 + (c as u32 - 'А' as u32)),
        'Ж'..='Я' => format!("afii{}", 10024 + (c as u32 - 'Ж' as u32)),
        _ if c.len_utf16() == 1 => format!("uni{:04X}", c as u32),
        _ => format!("u{:X}", c as u32),
    }
}

/// The AGL names of ' ' to '~', in order.
const ASCII_GLYPH_NAMES: &str = "space exclam quotedbl numbersign dollar percent ampersand \
    quotesingle parenleft parenright asterisk plus comma hyphen period slash zero one two three \
    four five six seven eight nine colon semicolon less equal greater question at A B C D E F G \
    H I J K L M N O P Q R S T U V W X Y Z bracketleft backslash bracketright asciicircum \
    underscore grave a b c d e f g h i j k l m n o p q r s t u v w x y z braceleft bar \
    braceright asciitilde";

fn subset_tag(subset: usize) -> String {
    (0..6)
        .map(|k| char::from(b'A' + ((subset + k) % 26) as u8))
        .collect()
}

fn font_descriptor(name: &str) -> Dictionary {
    dictionary! {
        "Type" => "FontDescriptor",
        "FontName" => name,
        "Flags" => 6,
        "FontBBox" => vec![(-25).into(), (-254).into(), 1000.into(), 880.into()],
        "ItalicAngle" => 0,
        "Ascent" => 880,
        "Descent" => -120,
        "CapHeight" => 880,
        "StemV" => 93,
    }
}

/// A stream of the data: FlateDecoded by lopdf when the style says so,
/// and ASCII85-encoded on top when it says that too.
fn stream(data: Vec<u8>, style: &Style) -> anyhow::Result<Stream> {
    let mut stream = Stream::new(Dictionary::new(), data);
    if style.compress {
        stream.compress()?;
        anyhow::ensure!(
            stream.dict.has(b"Filter"),
            "a stream of {} bytes does not compress: lopdf leaves it as it is",
            stream.content.len()
        );
    }
    if style.ascii85 {
        anyhow::ensure!(style.compress, "ASCII85 goes on top of FlateDecode");
        let encoded = ascii85(&stream.content);
        stream.set_content(encoded);
        stream
            .dict
            .set("Filter", vec!["ASCII85Decode".into(), "FlateDecode".into()]);
    }
    Ok(stream)
}

/// ASCII base-85 as `ASCII85Decode` reads it (the `ascii85` crate's
/// digits), in lines of 75 characters as producers break them, then `~>`.
/// The crate frames its output as PostScript does, `<~…~>`; in a PDF
/// stream only the end marker belongs, and whole.
fn ascii85(data: &[u8]) -> Vec<u8> {
    let encoded = ascii85::encode(data);
    let digits = encoded.strip_prefix("<~").unwrap_or(&encoded);
    let digits = digits.strip_suffix("~>").unwrap_or(digits);
    let mut lines = digits
        .as_bytes()
        .chunks(75)
        .collect::<Vec<_>>()
        .join(&b'\n');
    lines.extend_from_slice(b"~>");
    lines
}

/// A ToUnicode CMap: `(code, character)` with codes of `bytes` bytes, as
/// bfchar and, for runs of consecutive codes and characters, bfrange. The
/// stream's data is the CMap program (PostScript), which lopdf does not
/// write.
fn to_unicode_cmap(entries: &[(u32, char)], bytes: usize) -> Vec<u8> {
    let code = |c: u32| format!("<{:0width$X}>", c, width = bytes * 2);
    let unicode = |c: char| {
        let mut units = [0; 2];
        let units: String = c
            .encode_utf16(&mut units)
            .iter()
            .map(|u| format!("{u:04X}"))
            .collect();
        format!("<{units}>")
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
            && u32::from(sorted[j + 1].1) == u32::from(sorted[j].1) + 1
        {
            j += 1;
        }
        if j > i {
            ranges.push((sorted[i].0, sorted[j].0, sorted[i].1));
        } else {
            singles.push(sorted[i]);
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
    cmap.into_bytes()
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

    #[test]
    fn two_runs_write_the_same_bytes() {
        // Each run hashes with its own random seeds: no map order may reach the files.
        let first = files().expect("fixtures build");
        let second = files().expect("fixtures build");
        assert_eq!(first, second);
        assert_eq!(incremental_update().ok(), incremental_update().ok());
    }

    #[test]
    fn an_ascii85_stream_decodes_to_its_data() {
        let style = Style {
            compress: true,
            ascii85: true,
            ..Style::default()
        };
        let data = b"0.5 w\nBT\n/F0 15.0 Tf\n222.0 800.0 Td\n<6E58> Tj\nET".repeat(40);
        let stream = stream(data.clone(), &style).expect("the stream");
        assert_eq!(
            stream.filters().expect("filters"),
            [b"ASCII85Decode".as_slice(), b"FlateDecode"]
        );
        assert_eq!(stream.decompressed_content().expect("decodes"), data);
    }

    #[test]
    fn ascii85_decodes_to_its_data_at_every_length() {
        // Every length of the last group, and digits ending anywhere in a
        // line (the end marker must never be cut by a line break).
        for len in 0..200usize {
            let data: Vec<u8> = (0..len)
                .map(|k| if k % 9 < 4 { 0 } else { (k * 37) as u8 })
                .collect();
            let encoded = ascii85(&data);
            let digits = encoded.strip_suffix(b"~>").expect("the end marker, whole");
            assert!(!digits.starts_with(b"<~"), "PostScript's framing left in");
            assert!(
                digits.split(|&b| b == b'\n').all(|line| line.len() <= 75),
                "{len}"
            );
            let stream = Stream::new(dictionary! { "Filter" => "ASCII85Decode" }, encoded);
            assert_eq!(
                stream.decompressed_content().expect("decodes"),
                data,
                "{len}"
            );
        }
    }

    #[test]
    fn every_printable_ascii_character_has_its_own_glyph_name() {
        let names: Vec<String> = (' '..='~').map(glyph_name).collect();
        assert_eq!(ASCII_GLYPH_NAMES.split_whitespace().count(), names.len());
        assert_eq!(
            [
                glyph_name(' '),
                glyph_name('0'),
                glyph_name('('),
                glyph_name('~')
            ],
            ["space", "zero", "parenleft", "asciitilde"]
        );
        assert_eq!(glyph_name('Б'), "afii10018");
        assert_eq!(glyph_name('课'), "uni8BFE");
        assert_eq!(glyph_name('𠮷'), "u20BB7");
    }

    #[test]
    fn the_incremental_update_replaces_the_decoy_content() {
        let pdf = incremental_update().expect("the update");
        let content = |pdf: &[u8]| {
            let doc = Document::load_mem(pdf).expect("loads");
            let page = doc.page_iter().next().expect("a page");
            doc.get_page_content(page)
        };
        let end = pdf
            .windows(5)
            .position(|w| w == b"%%EOF")
            .expect("a first revision")
            + 5;
        // lopdf ends each content stream it reads with a newline.
        assert_eq!(
            content(&pdf[..end]),
            b"\n",
            "the first revision's page is empty"
        );
        let whole = content(&pdf);
        assert!(
            whole.windows(2).any(|w| w == b"Tj"),
            "the update draws the transcript"
        );
        let trailer = pdf
            .windows(7)
            .rposition(|w| w == b"trailer")
            .expect("a trailer");
        assert!(
            pdf[trailer..].windows(5).any(|w| w == b"/Prev"),
            "the update's trailer points back"
        );
    }
}
