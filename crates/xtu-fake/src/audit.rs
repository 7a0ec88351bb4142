//! The degree audit (学业情况) and the programme plan (培养方案) of the demo
//! student: the index page and plan page from the fixtures, each category's
//! course list from `audit_courses.json` (written with the fixtures by
//! `scripts/audit_fixtures.py`, so the page's credits and the lists agree),
//! the plan of the student's own major and of one other.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use axum::Router;
use axum::extract::{Form, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};

use crate::FakeState;
use crate::ems::{ERROR_PAGE, grid_page, html, json, page, xhr};

const INDEX: &str = include_str!("../../../fixtures/ems/progress.html");
/// Category id → its courses (upper-case keys, as the site answers); the
/// key `outside` holds the courses outside the plan.
const COURSES: &str = include_str!("audit_courses.json");
const PLAN_PAGE: &str = include_str!("../../../fixtures/ems/plan-page.html");
const PLAN_QUERY: &str = include_str!("../../../fixtures/ems/plan-query.json");
const PLAN: &str = include_str!("../../../fixtures/ems/plan.json");
const MAJORS: &str = include_str!("../../../fixtures/ems/majors.json");

/// The demo student's id, college, grade and major (as in the fixtures).
const STUDENT: &str = "202205561111";
const COLLEGE: &str = "05";
const GRADE: &str = "2022";
const OWN_MAJOR: &str = "0501";
/// The other major the demo college offers (软件工程): its plan is the own
/// plan without the major's electives.
const OTHER_MAJOR: &str = "0502";
const OTHER_PLAN_ID: &str = "C3A1F0E2D4B5467890ABCDEF12340502";
const OTHER_LEFT_OUT: &str = "专业选修";

static LISTS: LazyLock<HashMap<String, serde_json::Value>> =
    LazyLock::new(|| serde_json::from_str(COURSES).unwrap_or_default());

pub(crate) fn routes() -> Router<Arc<FakeState>> {
    Router::new()
        .route("/jwglxt/xsxy/xsxyqk_cxXsxyqkIndex.html", get(index))
        .route("/jwglxt/xsxy/xsxyqk_cxJxzxjhxfyqKcxx.html", post(courses))
        .route("/jwglxt/xsxy/xsxyqk_cxJxzxjhxfyqFKcxx.html", post(outside))
        .route(
            "/jwglxt/jxzxjhgl/jxzxjhck_cxJxzxjhckIndex.html",
            get(plan_page).post(plan_query),
        )
        .route(
            "/jwglxt/jxzxjhgl/jxzxjhkcxx_cxJxzxjhkcxxIndex.html",
            post(plan_courses),
        )
        .route("/jwglxt/xtgl/comm_cxZydmList.html", get(majors))
}

fn field<'a>(form: &'a HashMap<String, String>, key: &str) -> &'a str {
    form.get(key).map_or("", String::as_str)
}

async fn index(State(state): State<Arc<FakeState>>, headers: HeaderMap) -> Response {
    page(&state, &headers, || html(INDEX))
}

/// One category's courses: the demo student's only (the error page for a
/// request without the student id, as the site fails without it); an
/// unknown category has none.
async fn courses(
    State(state): State<Arc<FakeState>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if let Some(response) = xhr(&state, &headers, "progress-courses", &form) {
        return response;
    }
    if field(&form, "xh_id") != STUDENT {
        return html(ERROR_PAGE);
    }
    list(field(&form, "xfyqjd_id"))
}

async fn outside(
    State(state): State<Arc<FakeState>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if let Some(response) = xhr(&state, &headers, "progress-outside-plan", &form) {
        return response;
    }
    if field(&form, "xh_id") != STUDENT {
        return html(ERROR_PAGE);
    }
    list("outside")
}

fn list(key: &str) -> Response {
    let empty = serde_json::Value::Array(Vec::new());
    json(LISTS.get(key).unwrap_or(&empty).to_string())
}

async fn plan_page(State(state): State<Arc<FakeState>>, headers: HeaderMap) -> Response {
    page(&state, &headers, || html(PLAN_PAGE))
}

/// The plans of a grade and major: the fixture's for the demo's own, one
/// for the college's other major, none for any other; a college, when
/// given, must be the major's.
async fn plan_query(
    State(state): State<Arc<FakeState>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if let Some(response) = xhr(&state, &headers, "plan-query", &form) {
        return response;
    }
    let college_fits = matches!(field(&form, "jg_id"), "" | COLLEGE);
    let grade_fits = field(&form, "njdm_id") == GRADE;
    let answer = match field(&form, "zyh_id") {
        OWN_MAJOR if college_fits && grade_fits => PLAN_QUERY.to_owned(),
        OTHER_MAJOR if college_fits && grade_fits => other_plan_query(),
        _ => r#"{"items":[],"totalPage":1,"totalResult":0,"currentPage":1}"#.to_owned(),
    };
    json(answer)
}

fn other_plan_query() -> String {
    let mut answer: serde_json::Value = serde_json::from_str(PLAN_QUERY).unwrap_or_default();
    if let Some(plan) = answer["items"].get_mut(0) {
        plan["jxzxjhxx_id"] = OTHER_PLAN_ID.into();
        plan["zyh_id"] = OTHER_MAJOR.into();
        plan["zymc"] = "软件工程".into();
    }
    answer.to_string()
}

async fn plan_courses(
    State(state): State<Arc<FakeState>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if let Some(response) = xhr(&state, &headers, "plan", &form) {
        return response;
    }
    let plan = field(&form, "jxzxjhxx_id").to_owned();
    let own_plan = serde_json::from_str::<serde_json::Value>(PLAN_QUERY)
        .ok()
        .and_then(|q| q["items"][0]["jxzxjhxx_id"].as_str().map(str::to_owned))
        .unwrap_or_default();
    grid_page(&state, &form, PLAN, |course| {
        if plan == own_plan {
            true
        } else if plan == OTHER_PLAN_ID {
            course["xfyqjdmc"].as_str() != Some(OTHER_LEFT_OUT)
        } else {
            false
        }
    })
}

async fn majors(
    State(state): State<Arc<FakeState>>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let college = query.get("jg_id").cloned().unwrap_or_default();
    page(&state, &headers, || {
        json(if college == COLLEGE { MAJORS } else { "[]" })
    })
}
