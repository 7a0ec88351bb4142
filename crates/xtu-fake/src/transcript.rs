//! The printable transcript (成绩单 PDF): the may-print check, the print
//! request that answers the PDF's path, and the PDF itself; each behind the
//! academic system's session like the other pages.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::ems::{html, page, xhr};
use crate::{FakeState, lock};

/// The transcript every account gets: four terms, thirty courses.
const TRANSCRIPT: &[u8] = include_bytes!("../../../fixtures/transcript/transcript.pdf");
/// Where the print request says the PDF was written.
const PDF_PATH: &str = "/jwglxt/templete/scorePrint/score_202205561111_1769943281937.pdf";

/// What the fake remembers of transcript requests.
#[derive(Default)]
pub(crate) struct TranscriptState {
    /// A body to serve instead of the fixture PDF, with its content type.
    body_override: Mutex<Option<(Vec<u8>, &'static str)>>,
    /// The print requests' bodies, as sent (the form's exact bytes).
    print_bodies: Mutex<Vec<String>>,
}

/// The transcript routes, merged into the academic system's router.
pub(crate) fn routes() -> Router<Arc<FakeState>> {
    Router::new()
        .route("/jwglxt/bysxxcx/xscjzbdy_cxXsCount.html", post(count))
        .route("/jwglxt/bysxxcx/xscjzbdy_dyList.html", post(print))
        .route(PDF_PATH, get(pdf))
}

async fn count(State(state): State<Arc<FakeState>>, headers: HeaderMap) -> Response {
    if let Some(refusal) = xhr(&state, &headers, "transcript-count", &Default::default()) {
        return refusal;
    }
    html("可打印")
}

/// Answers the path JSON-quoted, with `\/` escapes and a status after `#`,
/// as jwglxt does.
async fn print(State(state): State<Arc<FakeState>>, headers: HeaderMap, body: String) -> Response {
    let form = url::form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect();
    if let Some(refusal) = xhr(&state, &headers, "transcript", &form) {
        return refusal;
    }
    lock(&state.transcript.print_bodies).push(body);
    let answer = format!("\"{}#成功\"", PDF_PATH.replace('/', "\\/"));
    ([(header::CONTENT_TYPE, "text/html;charset=UTF-8")], answer).into_response()
}

fn fixture_pdf() -> Response {
    ([(header::CONTENT_TYPE, "application/pdf")], TRANSCRIPT).into_response()
}

async fn pdf(State(state): State<Arc<FakeState>>, headers: HeaderMap) -> Response {
    let response = page(&state, &headers, fixture_pdf);
    let is_pdf = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|t| t == "application/pdf");
    match lock(&state.transcript.body_override).clone() {
        Some((body, content_type)) if response.status() == StatusCode::OK && is_pdf => {
            ([(header::CONTENT_TYPE, content_type)], body).into_response()
        }
        _ => response,
    }
}

impl crate::FakeXtu {
    /// Serves this body instead of the transcript fixture (another fixture,
    /// or something that is not a PDF).
    pub fn serve_transcript(&self, body: impl Into<Vec<u8>>, content_type: &'static str) {
        *lock(&self.state().transcript.body_override) = Some((body.into(), content_type));
    }

    /// The bodies of the transcript print requests received, exactly as sent.
    pub fn transcript_print_bodies(&self) -> Vec<String> {
        lock(&self.state().transcript.print_bodies).clone()
    }
}
