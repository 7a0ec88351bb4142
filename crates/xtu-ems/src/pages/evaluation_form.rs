//! One evaluation form (`xspjgl/xspj_cxXspjDisplay.html`): HTML. The body
//! (`div.xspj-body`) carries the class, teacher and weights; each panel
//! (`div.panel-pjdx`) is one `modelList[i]` with its template ids, question
//! tables (`table.table-xspj`), rows (`tr.tr-xspj`) and a comment box. A
//! graded row offers radio inputs with a level id (`data-pfdjdmxmb_id`) and
//! a label; a scored row a text input with its range (`data-zxfz`,
//! `data-zdfz`). Forms are small (a few KB): the full html5ever parse is
//! used, no fast path.

use std::sync::LazyLock;

use scraper::{ElementRef, Html, Selector};
use xtu_model::{Answer, EvaluationForm, FormPanel, Level, Question, QuestionGroup, QuestionKind};

use super::{Page, ParseError, normalize, recognize_error_page, sel, visible_text};

const PAGE: Page = Page::EvaluationForm;

static BODY: LazyLock<Selector> = LazyLock::new(|| sel("div.xspj-body"));
static PANEL: LazyLock<Selector> = LazyLock::new(|| sel("div.panel-pjdx"));
static TABLE: LazyLock<Selector> = LazyLock::new(|| sel("table.table-xspj"));
static ROW: LazyLock<Selector> = LazyLock::new(|| sel("tr.tr-xspj"));
static HEADING: LazyLock<Selector> = LazyLock::new(|| sel("th, caption"));
static CELL: LazyLock<Selector> = LazyLock::new(|| sel("td"));
static INPUT: LazyLock<Selector> = LazyLock::new(|| sel("input"));
static RADIO: LazyLock<Selector> = LazyLock::new(|| sel("input[type=radio]"));
static COMMENT: LazyLock<Selector> = LazyLock::new(|| sel("textarea"));

fn attr(element: ElementRef<'_>, name: &str) -> String {
    element
        .value()
        .attr(name)
        .unwrap_or_default()
        .trim()
        .to_owned()
}

fn missing(what: &str) -> ParseError {
    ParseError::UnexpectedPage {
        page: PAGE.name(),
        missing: what.to_owned(),
    }
}

fn invalid(field: String, value: impl Into<String>) -> ParseError {
    ParseError::InvalidValue {
        page: PAGE.name(),
        field,
        value: value.into(),
    }
}

/// Parses a form.
pub fn parse(body: &str) -> Result<EvaluationForm, ParseError> {
    if let Some(error) = recognize_error_page(body) {
        return Err(error);
    }
    let document = Html::parse_document(body);
    let panels_html: Vec<ElementRef<'_>> = document.select(&PANEL).collect();
    if panels_html.is_empty() {
        return Err(missing("the form's panel (div.panel-pjdx)"));
    }
    // The weights and keys sit on `div.xspj-body`; some versions put the
    // class on the panel's body too, so take the one that has them.
    let body_element = document.select(&BODY).find(|e| {
        e.value().attr("data-ztpjbl").is_some() || e.value().attr("data-jxb_id").is_some()
    });
    let body_attr = |name: &str| body_element.map(|e| attr(e, name)).unwrap_or_default();
    let mut index = 0;
    let mut panels = Vec::with_capacity(panels_html.len());
    for (p, panel) in panels_html.into_iter().enumerate() {
        let mut groups = Vec::new();
        for table in panel.select(&TABLE) {
            let mut questions = Vec::new();
            for row in table.select(&ROW) {
                index += 1;
                questions.push(question(row, index)?);
            }
            groups.push(QuestionGroup {
                pjzbxm_id: attr(table, "data-pjzbxm_id"),
                title: table
                    .select(&HEADING)
                    .next()
                    .map(|h| normalize(&visible_text(h)))
                    .unwrap_or_default(),
                questions,
            });
        }
        if groups.iter().all(|g| g.questions.is_empty()) {
            return Err(missing(&format!(
                "the questions (tr.tr-xspj) of panel {}",
                p + 1
            )));
        }
        let comment = panel.select(&COMMENT).next();
        panels.push(FormPanel {
            pjmbmcb_id: attr(panel, "data-pjmbmcb_id"),
            pjdxdm: attr(panel, "data-pjdxdm"),
            xspfb_id: attr(panel, "data-xspfb_id"),
            fxzgf: attr(panel, "data-fxzgf"),
            groups,
            has_comment: comment.is_some(),
            comment: comment
                .map(|c| c.text().collect::<String>().trim().to_owned())
                .unwrap_or_default(),
        });
    }
    Ok(EvaluationForm {
        jxb_id: body_attr("data-jxb_id"),
        jgh_id: body_attr("data-jgh_id"),
        ztpjbl: body_attr("data-ztpjbl"),
        jszdpjbl: body_attr("data-jszdpjbl"),
        xykzpjbl: body_attr("data-xykzpjbl"),
        panels,
    })
}

/// One row: graded (radio inputs) or scored (a text input with a range).
fn question(row: ElementRef<'_>, index: usize) -> Result<Question, ParseError> {
    let pjzbxm_id = attr(row, "data-pjzbxm_id");
    if pjzbxm_id.is_empty() {
        return Err(invalid(
            format!("question {index}"),
            "no data-pjzbxm_id on its row",
        ));
    }
    // The question's text: the first cell without inputs.
    let label = row
        .select(&CELL)
        .find(|cell| cell.select(&INPUT).next().is_none())
        .map(|cell| normalize(&visible_text(cell)))
        .unwrap_or_default();
    let mut levels = Vec::new();
    let mut saved = None;
    for radio in row.select(&RADIO) {
        let id = attr(radio, "data-pfdjdmxmb_id");
        if id.is_empty() {
            return Err(invalid(
                format!("question {index}"),
                "a choice without data-pfdjdmxmb_id",
            ));
        }
        // The label is the text around the input: its `label` or its parent.
        let text = radio
            .parent()
            .and_then(ElementRef::wrap)
            .map(|parent| normalize(&visible_text(parent)))
            .unwrap_or_default();
        if radio.value().attr("checked").is_some() {
            saved = Some(Answer::Level(id.clone()));
        }
        levels.push(Level {
            id,
            label: text,
            score: radio
                .value()
                .attr("data-dyf")
                .and_then(|v| v.trim().parse::<f64>().ok())
                .filter(|v| v.is_finite()),
        });
    }
    let kind = if levels.is_empty() {
        let input = row
            .select(&INPUT)
            .find(|i| i.value().attr("data-zdfz").is_some())
            .ok_or_else(|| {
                invalid(
                    format!("question {index}"),
                    "neither choices nor a score input",
                )
            })?;
        let bound = |name: &str| {
            let text = attr(input, name);
            text.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| invalid(format!("question {index} {name}"), text))
        };
        let (min, max) = (bound("data-zxfz")?, bound("data-zdfz")?);
        if min > max {
            return Err(invalid(
                format!("question {index} range"),
                format!("{min}-{max}"),
            ));
        }
        saved = attr(input, "value")
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .map(Answer::Score);
        QuestionKind::Scored { min, max }
    } else {
        QuestionKind::Graded { levels }
    };
    Ok(Question {
        index,
        label,
        pjzbxm_id,
        pfdjdmb_id: attr(row, "data-pfdjdmb_id"),
        zsmbmcb_id: attr(row, "data-zsmbmcb_id"),
        kind,
        saved,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const FORM: &str = include_str!("../../../../fixtures/ems/eval-form.html");
    const SAVED: &str = include_str!("../../../../fixtures/ems/eval-form.saved.html");

    #[test]
    fn reads_questions_levels_and_keys() {
        let form = parse(FORM).expect("parses");
        assert_eq!(form.ztpjbl, "100");
        assert_eq!(form.panels.len(), 1);
        let questions: Vec<&Question> = form.questions().collect();
        assert_eq!(questions.len(), 4);
        assert_eq!(questions[0].index, 1);
        assert_eq!(questions[0].label, "1. 备课充分，讲课认真投入");
        let QuestionKind::Graded { levels } = &questions[0].kind else {
            panic!("graded");
        };
        let labels: Vec<&str> = levels.iter().map(|l| l.label.as_str()).collect();
        assert_eq!(labels, ["优秀", "良好", "中等", "及格", "不及格"]);
        assert_eq!(levels[0].score, Some(95.0));
        assert!(questions.iter().all(|q| q.saved.is_none()));
        assert!(form.panels[0].has_comment);
    }

    #[test]
    fn reads_what_was_saved() {
        let form = parse(SAVED).expect("parses");
        let saved: Vec<Option<Answer>> = form.questions().map(|q| q.saved.clone()).collect();
        assert_eq!(
            saved[1],
            Some(Answer::Level("PFL2000000000000000000000000001".into()))
        );
        assert_eq!(saved[3], Some(Answer::Score(92.0)));
        assert_eq!(form.panels[0].comment, "讲解清楚 & 耐心");
        assert_eq!(form.panels[0].xspfb_id, "PFB00000000000000000000000000002");
    }

    #[test]
    fn a_page_without_a_form_is_an_error_naming_the_page() {
        let error = parse("<html><body><p>目前未对你放开教学质量评价</p></body></html>")
            .expect_err("no form");
        assert!(error.to_string().starts_with("eval-form page"), "{error}");
    }
}
