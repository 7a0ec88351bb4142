//! Changing the academic system's data while the fake runs: a grade
//! published, an exam moved to another room, a new notice. For the watcher's
//! tests and for trying `xtu watch` against the sandbox by hand.
//!
//! Items are written in the site's own JSON (`kcmc`, `cj`, `xnm`...). An item
//! replaces the fixture's item with the same key (grades: `xnm`, `xqm` and
//! `kch_id`/`kch`; exams: `kch`/`kch_id` and `ksmc`; notices: `id`), else it
//! is added (a notice first: the newest). Over HTTP, on the academic
//! system's listener (loopback): `POST /_admin/grades` (or `exams`,
//! `notices`) with one item or a list of them as the body.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::Value;

use crate::{FakeState, lock};

/// What the admin path can change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AdminKind {
    /// 成绩.
    Grades,
    /// 考试信息.
    Exams,
    /// 消息.
    Notices,
}

impl AdminKind {
    fn from_path(name: &str) -> Option<Self> {
        match name {
            "grades" => Some(Self::Grades),
            "exams" => Some(Self::Exams),
            "notices" => Some(Self::Notices),
            _ => None,
        }
    }

    /// The fields that identify an item of this kind; the first non-blank
    /// of each group counts.
    fn key(self, item: &Value) -> Vec<String> {
        let groups: &[&[&str]] = match self {
            Self::Grades => &[&["xnm"], &["xqm"], &["kch_id", "kch"]],
            Self::Exams => &[&["kch", "kch_id"], &["ksmc"]],
            Self::Notices => &[&["id"]],
        };
        groups
            .iter()
            .map(|names| {
                names
                    .iter()
                    .map(|name| match &item[*name] {
                        Value::String(text) => text.trim().to_owned(),
                        Value::Null => String::new(),
                        other => other.to_string(),
                    })
                    .find(|text| !text.is_empty())
                    .unwrap_or_default()
            })
            .collect()
    }
}

/// Items added or changed so far, by kind, in the order given.
#[derive(Default)]
pub(crate) struct AdminState {
    items: Mutex<HashMap<AdminKind, Vec<Value>>>,
}

impl AdminState {
    fn upsert(&self, kind: AdminKind, item: Value) {
        let mut items = lock(&self.items);
        let list = items.entry(kind).or_default();
        let key = kind.key(&item);
        match list.iter_mut().find(|old| kind.key(old) == key) {
            Some(old) => *old = item,
            None => list.push(item),
        }
    }

    /// `fixture` (a jqGrid answer) with this kind's items merged in; the
    /// fixture unchanged when nothing was added or it is not such an answer.
    pub(crate) fn merged(&self, kind: AdminKind, fixture: &str) -> String {
        let items = lock(&self.items);
        let Some(added) = items.get(&kind).filter(|added| !added.is_empty()) else {
            return fixture.to_owned();
        };
        let Ok(mut answer) = serde_json::from_str::<Value>(fixture) else {
            return fixture.to_owned();
        };
        let Some(list) = answer["items"].as_array_mut() else {
            return fixture.to_owned();
        };
        for item in added {
            let key = kind.key(item);
            match list.iter_mut().find(|old| kind.key(old) == key) {
                Some(old) => *old = item.clone(),
                None if kind == AdminKind::Notices => list.insert(0, item.clone()),
                None => list.push(item.clone()),
            }
        }
        answer.to_string()
    }
}

pub(crate) fn routes() -> Router<Arc<FakeState>> {
    Router::new().route("/_admin/{kind}", post(change))
}

/// `POST /_admin/{grades|exams|notices}`: one item (an object) or a list.
async fn change(
    State(state): State<Arc<FakeState>>,
    Path(kind): Path<String>,
    body: String,
) -> Response {
    let Some(kind) = AdminKind::from_path(&kind) else {
        return (
            StatusCode::NOT_FOUND,
            "unknown kind: use grades, exams or notices\n",
        )
            .into_response();
    };
    let items = match serde_json::from_str::<Value>(&body) {
        Ok(Value::Array(items)) if items.iter().all(Value::is_object) => items,
        Ok(item @ Value::Object(_)) => vec![item],
        _ => {
            return (
                StatusCode::BAD_REQUEST,
                "the body must be a JSON object or a list of them, in the site's fields\n",
            )
                .into_response();
        }
    };
    for item in items {
        state.admin.upsert(kind, item);
    }
    StatusCode::NO_CONTENT.into_response()
}

impl crate::FakeXtu {
    /// Adds an item (in the site's JSON), or changes the one with the same
    /// key, as `POST /_admin/{kind}` does.
    pub fn admin_upsert(&self, kind: AdminKind, item: Value) {
        self.state().admin.upsert(kind, item);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_item_replaces_its_namesake_or_is_added() {
        let admin = AdminState::default();
        let fixture =
            r#"{"items":[{"xnm":"2024","xqm":"3","kch_id":"A","cj":"60"}],"totalPage":1}"#;
        admin.upsert(
            AdminKind::Grades,
            serde_json::json!({"xnm": 2024, "xqm": "3", "kch": "A", "cj": "90"}),
        );
        admin.upsert(
            AdminKind::Grades,
            serde_json::json!({"xnm": "2024", "xqm": "3", "kch_id": "B", "cj": "70"}),
        );
        let merged: Value =
            serde_json::from_str(&admin.merged(AdminKind::Grades, fixture)).expect("json");
        let scores: Vec<&str> = merged["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|item| item["cj"].as_str())
            .collect();
        assert_eq!(scores, ["90", "70"]);
        assert_eq!(admin.merged(AdminKind::Exams, fixture), fixture);
    }

    #[test]
    fn a_new_notice_comes_first() {
        let admin = AdminState::default();
        admin.upsert(
            AdminKind::Notices,
            serde_json::json!({"id": "new", "xxbt": "N"}),
        );
        let merged: Value = serde_json::from_str(
            &admin.merged(AdminKind::Notices, r#"{"items":[{"id":"old","xxbt":"O"}]}"#),
        )
        .expect("json");
        assert_eq!(merged["items"][0]["id"], "new");
        assert_eq!(merged["items"][1]["id"], "old");
    }
}
