//! Text with positions, and ruling lines, from a page's content stream.
//!
//! A small interpreter of the operators that place text and draw lines: the
//! graphics state (`q`/`Q`/`cm`), the text state (`Tc Tw Tz TL Ts Tf`), text
//! positioning (`Td TD Tm T*`), text showing (`Tj TJ ' "`), paths (`m l re h`
//! and the painting operators) and form XObjects (`Do`). Everything else is
//! ignored. Coordinates are PDF user space (y grows upwards).

use std::collections::HashMap;
use std::rc::Rc;

use lopdf::content::Content;
use lopdf::{Dictionary, Object};

use super::TranscriptError;
use super::pdf::{Font, Pdf};

/// Operators interpreted per page, at most.
const MAX_OPERATIONS: usize = 500_000;
/// Glyphs kept per page, at most.
const MAX_GLYPHS: usize = 50_000;
/// Line segments kept per page, at most.
const MAX_SEGMENTS: usize = 20_000;
/// `q` nesting, at most.
const MAX_SAVED_STATES: usize = 64;
/// Form XObjects inside form XObjects, at most.
const MAX_FORM_DEPTH: usize = 4;
/// A filled rectangle thinner than this is a ruling line.
const THIN: f32 = 2.0;

/// One glyph placed on the page.
#[derive(Debug, Clone, PartialEq)]
pub struct Glyph {
    /// Its text (usually one character; empty when the font cannot tell).
    pub text: String,
    /// Left and right edges.
    pub x0: f32,
    /// Right edge.
    pub x1: f32,
    /// Baseline.
    pub y: f32,
    /// Font size on the page.
    pub size: f32,
    /// A height inside the glyph's body, whichever way up it is drawn:
    /// what places it in a table row.
    pub middle: f32,
}

/// A horizontal or vertical ruling line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Segment {
    /// At height `y` from `x0` to `x1` (`x0 <= x1`).
    Horizontal {
        /// Height.
        y: f32,
        /// Left end.
        x0: f32,
        /// Right end.
        x1: f32,
    },
    /// At `x` from `y0` to `y1` (`y0 <= y1`).
    Vertical {
        /// Position.
        x: f32,
        /// Lower end.
        y0: f32,
        /// Upper end.
        y1: f32,
    },
}

/// What a page shows: its glyphs and its ruling lines.
#[derive(Debug, Default)]
pub struct PageText {
    /// Glyphs in content order.
    pub glyphs: Vec<Glyph>,
    /// Ruling lines.
    pub segments: Vec<Segment>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Matrix([f32; 6]);

impl Matrix {
    const IDENTITY: Self = Self([1.0, 0.0, 0.0, 1.0, 0.0, 0.0]);

    fn translate(x: f32, y: f32) -> Self {
        Self([1.0, 0.0, 0.0, 1.0, x, y])
    }

    /// `self` applied first, then `other`.
    fn then(self, other: Self) -> Self {
        let [a, b, c, d, e, f] = self.0;
        let [a2, b2, c2, d2, e2, f2] = other.0;
        Self([
            a * a2 + b * c2,
            a * b2 + b * d2,
            c * a2 + d * c2,
            c * b2 + d * d2,
            e * a2 + f * c2 + e2,
            e * b2 + f * d2 + f2,
        ])
    }

    fn apply(self, x: f32, y: f32) -> (f32, f32) {
        let [a, b, c, d, e, f] = self.0;
        (x * a + y * c + e, x * b + y * d + f)
    }
}

#[derive(Debug, Clone)]
struct State {
    ctm: Matrix,
    char_spacing: f32,
    word_spacing: f32,
    horizontal_scale: f32,
    leading: f32,
    rise: f32,
    font: Option<Vec<u8>>,
    font_size: f32,
}

impl State {
    fn new(ctm: Matrix) -> Self {
        Self {
            ctm,
            char_spacing: 0.0,
            word_spacing: 0.0,
            horizontal_scale: 1.0,
            leading: 0.0,
            rise: 0.0,
            font: None,
            font_size: 0.0,
        }
    }
}

/// Reads a page's glyphs and ruling lines.
pub fn read_page(pdf: &mut Pdf, page: lopdf::ObjectId) -> Result<PageText, TranscriptError> {
    let Some(dict) = pdf.page(page) else {
        return Ok(PageText::default());
    };
    let resources = pdf.page_resources(dict).cloned();
    let content = pdf.page_content(page)?;
    let mut out = PageText::default();
    let mut operations = 0;
    run(
        pdf,
        &content,
        resources.as_ref(),
        Matrix::IDENTITY,
        &mut out,
        &mut operations,
        0,
    )?;
    Ok(out)
}

fn number(object: &Object) -> f32 {
    match object.as_float() {
        Ok(value) if value.is_finite() => value,
        _ => 0.0,
    }
}

fn run(
    pdf: &mut Pdf,
    content: &[u8],
    resources: Option<&Dictionary>,
    ctm: Matrix,
    out: &mut PageText,
    operations: &mut usize,
    depth: usize,
) -> Result<(), TranscriptError> {
    // Fonts as this stream names them, each looked up once here and read
    // once per parse (a form drawn many times does not read them again).
    let mut fonts: HashMap<Vec<u8>, Rc<Font>> = HashMap::new();
    let mut state = State::new(ctm);
    let mut saved: Vec<State> = Vec::new();
    let mut text_matrix = Matrix::IDENTITY;
    let mut line_matrix = Matrix::IDENTITY;
    let mut path = Path::default();

    for operation in Content::decode_iter(content) {
        // A damaged stream keeps what was read before the damage.
        let Ok(operation) = operation else { break };
        *operations += 1;
        if *operations > MAX_OPERATIONS {
            return Err(TranscriptError::Malformed(format!(
                "more than {MAX_OPERATIONS} drawing operations on a page"
            )));
        }
        let operands = &operation.operands;
        let n = |i: usize| operands.get(i).map_or(0.0, number);
        match operation.operator.as_str() {
            // Deeper saves are ignored (and their restores then pop early).
            "q" if saved.len() < MAX_SAVED_STATES => saved.push(state.clone()),
            "Q" => {
                if let Some(previous) = saved.pop() {
                    state = previous;
                }
            }
            "cm" if operands.len() == 6 => {
                let m = Matrix([n(0), n(1), n(2), n(3), n(4), n(5)]);
                state.ctm = m.then(state.ctm);
            }
            "BT" => {
                text_matrix = Matrix::IDENTITY;
                line_matrix = Matrix::IDENTITY;
            }
            "Tc" => state.char_spacing = n(0),
            "Tw" => state.word_spacing = n(0),
            "Tz" => state.horizontal_scale = n(0) / 100.0,
            "TL" => state.leading = n(0),
            "Ts" => state.rise = n(0),
            "Tf" => {
                state.font = operands
                    .first()
                    .and_then(|o| o.as_name().ok())
                    .map(<[u8]>::to_vec);
                state.font_size = n(1);
            }
            "Td" => {
                line_matrix = Matrix::translate(n(0), n(1)).then(line_matrix);
                text_matrix = line_matrix;
            }
            "TD" => {
                state.leading = -n(1);
                line_matrix = Matrix::translate(n(0), n(1)).then(line_matrix);
                text_matrix = line_matrix;
            }
            "Tm" if operands.len() == 6 => {
                line_matrix = Matrix([n(0), n(1), n(2), n(3), n(4), n(5)]);
                text_matrix = line_matrix;
            }
            "T*" => {
                line_matrix = Matrix::translate(0.0, -state.leading).then(line_matrix);
                text_matrix = line_matrix;
            }
            "Tj" | "'" | "\"" | "TJ" => {
                match operation.operator.as_str() {
                    "'" => {
                        line_matrix = Matrix::translate(0.0, -state.leading).then(line_matrix);
                        text_matrix = line_matrix;
                    }
                    "\"" => {
                        state.word_spacing = n(0);
                        state.char_spacing = n(1);
                        line_matrix = Matrix::translate(0.0, -state.leading).then(line_matrix);
                        text_matrix = line_matrix;
                    }
                    _ => {}
                }
                let name = state.font.as_deref().unwrap_or_default();
                let font = match fonts.get(name) {
                    Some(font) => Rc::clone(font),
                    None => {
                        let font = pdf
                            .font(resources, name)?
                            .unwrap_or_else(|| Rc::new(Font::missing(name)));
                        fonts.insert(name.to_vec(), Rc::clone(&font));
                        font
                    }
                };
                let shown: &[Object] = if operation.operator == "TJ" {
                    operands
                        .first()
                        .and_then(|o| o.as_array().ok())
                        .map_or(&[], Vec::as_slice)
                } else {
                    operands.last().map_or(&[], std::slice::from_ref)
                };
                for item in shown {
                    match item {
                        Object::String(bytes, _) => {
                            show(&font, bytes, &state, &mut text_matrix, &mut out.glyphs)?;
                        }
                        other => {
                            let adjust =
                                -number(other) / 1000.0 * state.font_size * state.horizontal_scale;
                            text_matrix = Matrix::translate(adjust, 0.0).then(text_matrix);
                        }
                    }
                }
            }
            "m" => path.move_to(state.ctm.apply(n(0), n(1))),
            "l" => path.line_to(state.ctm.apply(n(0), n(1))),
            "re" => path.rectangle(state.ctm, n(0), n(1), n(2), n(3)),
            "h" => path.close(),
            "S" | "s" | "B" | "B*" | "b" | "b*" => {
                if operation.operator == "s" || operation.operator.starts_with('b') {
                    path.close();
                }
                path.stroke(&mut out.segments);
            }
            "f" | "F" | "f*" => path.fill(&mut out.segments),
            "n" => path = Path::default(),
            "Do" if depth < MAX_FORM_DEPTH => {
                let name = operands.first().and_then(|o| o.as_name().ok());
                if let Some(form) = name
                    .map(|name| pdf.form(resources, name))
                    .transpose()?
                    .flatten()
                {
                    let matrix = match form.dict.get(b"Matrix").and_then(Object::as_array) {
                        Ok(m) if m.len() == 6 => {
                            let v: Vec<f32> = m.iter().map(number).collect();
                            Matrix([v[0], v[1], v[2], v[3], v[4], v[5]])
                        }
                        _ => Matrix::IDENTITY,
                    };
                    let form_resources = pdf.get_dict(&form.dict, b"Resources").cloned();
                    run(
                        pdf,
                        &form.content,
                        form_resources.as_ref().or(resources),
                        matrix.then(state.ctm),
                        out,
                        operations,
                        depth + 1,
                    )?;
                }
            }
            _ => {}
        }
        if out.glyphs.len() > MAX_GLYPHS || out.segments.len() > MAX_SEGMENTS {
            return Err(TranscriptError::Malformed(
                "too many glyphs or lines on a page".into(),
            ));
        }
    }
    Ok(())
}

/// Places the glyphs of one shown string and advances the text matrix.
fn show(
    font: &Font,
    bytes: &[u8],
    state: &State,
    text_matrix: &mut Matrix,
    glyphs: &mut Vec<Glyph>,
) -> Result<(), TranscriptError> {
    let size = state.font_size;
    let scale = state.horizontal_scale;
    font.glyphs(bytes, |text, width, is_space| {
        let render = text_matrix.then(state.ctm);
        let advance = width / 1000.0 * size * scale;
        let (x0, y) = render.apply(0.0, state.rise);
        let (x1, _) = render.apply(advance, state.rise);
        let (_, top) = render.apply(0.0, state.rise + size);
        if glyphs.len() <= MAX_GLYPHS {
            glyphs.push(Glyph {
                text: text.to_owned(),
                x0: x0.min(x1),
                x1: x0.max(x1),
                y,
                size: (top - y).abs(),
                middle: y + (top - y) * 0.35,
            });
        }
        let spacing = state.char_spacing + if is_space { state.word_spacing } else { 0.0 };
        let tx = advance + spacing * scale;
        *text_matrix = Matrix::translate(tx, 0.0).then(*text_matrix);
    })
}

/// The path under construction, in page space.
#[derive(Debug, Default)]
struct Path {
    /// Closed and open subpaths, as point lists.
    subpaths: Vec<Vec<(f32, f32)>>,
    /// Filled rectangles: (x0, y0, x1, y1).
    rectangles: Vec<[f32; 4]>,
}

impl Path {
    fn move_to(&mut self, p: (f32, f32)) {
        if self.subpaths.len() < MAX_SEGMENTS {
            self.subpaths.push(vec![p]);
        }
    }

    fn line_to(&mut self, p: (f32, f32)) {
        match self.subpaths.last_mut() {
            Some(points) if points.len() < MAX_SEGMENTS => points.push(p),
            Some(_) => {}
            None => self.move_to(p),
        }
    }

    fn close(&mut self) {
        if let Some(points) = self.subpaths.last_mut()
            && let Some(&first) = points.first()
            && points.len() > 1
        {
            points.push(first);
        }
    }

    fn rectangle(&mut self, ctm: Matrix, x: f32, y: f32, w: f32, h: f32) {
        let corners = [
            ctm.apply(x, y),
            ctm.apply(x + w, y),
            ctm.apply(x + w, y + h),
            ctm.apply(x, y + h),
            ctm.apply(x, y),
        ];
        if self.subpaths.len() < MAX_SEGMENTS {
            self.subpaths.push(corners.to_vec());
            let (xs, ys): (Vec<f32>, Vec<f32>) = corners.iter().copied().unzip();
            let min = |v: &[f32]| v.iter().copied().fold(f32::INFINITY, f32::min);
            let max = |v: &[f32]| v.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            self.rectangles
                .push([min(&xs), min(&ys), max(&xs), max(&ys)]);
        }
    }

    fn stroke(&mut self, segments: &mut Vec<Segment>) {
        for points in std::mem::take(&mut self.subpaths) {
            for pair in points.windows(2) {
                if let Some(segment) = segment(pair[0], pair[1]) {
                    segments.push(segment);
                }
            }
        }
        self.rectangles.clear();
    }

    /// Only thin filled rectangles draw lines; other fills are shading.
    fn fill(&mut self, segments: &mut Vec<Segment>) {
        for [x0, y0, x1, y1] in std::mem::take(&mut self.rectangles) {
            if y1 - y0 < THIN && x1 - x0 >= THIN {
                let y = (y0 + y1) / 2.0;
                segments.push(Segment::Horizontal { y, x0, x1 });
            } else if x1 - x0 < THIN && y1 - y0 >= THIN {
                let x = (x0 + x1) / 2.0;
                segments.push(Segment::Vertical { x, y0, y1 });
            }
        }
        self.subpaths.clear();
    }
}

/// A straight line that is horizontal or vertical (others are not rulings).
fn segment(a: (f32, f32), b: (f32, f32)) -> Option<Segment> {
    const FLAT: f32 = 0.5;
    if (a.1 - b.1).abs() < FLAT && (a.0 - b.0).abs() >= FLAT {
        Some(Segment::Horizontal {
            y: (a.1 + b.1) / 2.0,
            x0: a.0.min(b.0),
            x1: a.0.max(b.0),
        })
    } else if (a.0 - b.0).abs() < FLAT && (a.1 - b.1).abs() >= FLAT {
        Some(Segment::Vertical {
            x: (a.0 + b.0) / 2.0,
            y0: a.1.min(b.1),
            y1: a.1.max(b.1),
        })
    } else {
        None
    }
}
