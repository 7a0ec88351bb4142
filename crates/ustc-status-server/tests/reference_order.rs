//! The reference's order, on both backends and both sources: `by-zjhms` items as
//! `ORDER BY userid` gives them, each gid's identities (`by-gid`, `by-gids`) as
//! `ORDER BY gid, userid` gives them, in the database's collation. Expected answers
//! are computed by running the reference's SQL on the same database.
//!
//! On PostgreSQL the columns get an ICU collation (where the server has ICU), so the
//! database's order differs from byte order and an answer sorted by bytes would fail.
//! On SQLite the view's columns are `COLLATE NOCASE` for the same reason; the own table
//! there has SQLite's byte order.

mod common;

use common::*;
use serde_json::{Value, json};
use ustc_status_server::{Source, Store};

both_backends!(
    own_table_answers_in_reference_order,
    v_user_answers_in_reference_order
);

/// Several gids, several identities each; cases, accents, digits and punctuation make
/// collation order differ from byte order. No two ids differ by case alone, so a
/// case-insensitive collation has no ties to break arbitrarily.
const ROWS: &[(&str, &str, &str)] = &[
    ("G1", "b2", "10"),
    ("G1", "B1", "01"),
    ("G1", "a3", "11"),
    ("G1", "É0", "20"),
    ("G1", "a-1", "99"),
    ("G1", "a1", "01"),
    ("G1", "10", "02"),
    ("G1", "9", "03"),
    ("h1", "x", "10"),
    ("h1", "Y", "10"),
    ("G2", "ab", "01"),
    ("G2", "aD", "01"),
    ("G2", "Ac", "01"),
    ("é", "éa", "10"),
    ("e", "Ea", "10"),
];

/// What to ask: every zjhm and gid above plus unknown ones, in an order of its own.
fn asked_zjhms() -> Vec<String> {
    let mut ids: Vec<String> = ROWS.iter().rev().map(|r| r.1.to_owned()).collect();
    ids.insert(3, "missing-1".into());
    ids.push("Missing-0".into());
    ids
}

fn asked_gids() -> Vec<String> {
    ["G2", "nope", "é", "G1", "e", "h1", "Nope"]
        .map(str::to_owned)
        .to_vec()
}

/// The relation and its column names, as the reference names them for `v_user`.
struct Relation {
    name: &'static str,
    zjhm: &'static str,
    code: &'static str,
}

const TABLE: Relation = Relation {
    name: "status_records",
    zjhm: "zjhm",
    code: "ryzxztdm",
};
const VIEW: Relation = Relation {
    name: "v_user",
    zjhm: "userid",
    code: "zxzt",
};

type Row = (String, String, Option<String>);

/// Runs the reference's query on the test database: rows whose `key` is in `ids`,
/// ordered by `order`.
async fn reference_rows(
    db: &TestDb,
    backend: Backend,
    rel: &Relation,
    key: &str,
    order: &str,
    ids: &[String],
) -> Vec<Row> {
    let (zjhm, code, name) = (rel.zjhm, rel.code, rel.name);
    match backend {
        Backend::Postgres => {
            let sql = format!(
                "SELECT gid::text, {zjhm}::text, {code}::text FROM {name} WHERE {key} = ANY($1) ORDER BY {order}"
            );
            let mut options: sqlx::postgres::PgConnectOptions = db.url.parse().expect("url");
            if let Some(schema) = &db.schema {
                options = options.options([("search_path", schema.as_str())]);
            }
            let pool = sqlx::postgres::PgPoolOptions::new()
                .max_connections(1)
                .connect_with(options)
                .await
                .expect("connect");
            let rows = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(ids)
                .fetch_all(&pool)
                .await
                .expect("reference query");
            pool.close().await;
            rows
        }
        Backend::Sqlite => {
            let sql = format!(
                "SELECT gid, {zjhm}, {code} FROM {name} WHERE {key} IN (SELECT value FROM json_each(?1)) ORDER BY {order}"
            );
            let pool = sqlx::sqlite::SqlitePoolOptions::new()
                .max_connections(1)
                .connect(&db.url)
                .await
                .expect("connect");
            let rows = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(serde_json::to_string(ids).expect("json"))
                .fetch_all(&pool)
                .await
                .expect("reference query");
            pool.close().await;
            rows
        }
    }
}

/// Whether the PostgreSQL server can sort by ICU's root collation.
async fn has_icu(store: &Store) -> bool {
    store
        .execute_script("DO $$ BEGIN PERFORM 'a' COLLATE \"und-x-icu\"; END $$")
        .await
        .is_ok()
}

/// The answers of by-zjhms, by-gids and by-gid for the asked ids, against the
/// reference's queries on the same data.
async fn check_against_reference(
    b: Backend,
    db: &TestDb,
    state: &ustc_status_server::AppState,
    rel: &Relation,
) {
    let zjhms = asked_zjhms();
    let rows = reference_rows(db, b, rel, rel.zjhm, rel.zjhm, &zjhms).await;
    let found: Vec<&str> = rows.iter().map(|r| r.1.as_str()).collect();
    let expected = json!({
        "items": rows.iter().map(|(gid, zjhm, code)| json!({"gid": gid, "zjhm": zjhm, "ryzxztdm": code})).collect::<Vec<_>>(),
        "not_found": zjhms.iter().filter(|z| !found.contains(&z.as_str())).collect::<Vec<_>>(),
    });
    let (_, _, answer) = send(
        state,
        post(
            "/doc/api/status/by-zjhms",
            json!({"zjhms": zjhms}).to_string(),
        ),
    )
    .await;
    assert_eq!(answer, expected, "by-zjhms");

    let gids = asked_gids();
    let order = format!("gid, {}", rel.zjhm);
    let rows = reference_rows(db, b, rel, "gid", &order, &gids).await;
    let identities = |gid: &str| -> Vec<Value> {
        rows.iter()
            .filter(|r| r.0 == gid)
            .map(|(_, zjhm, code)| json!({"zjhm": zjhm, "ryzxztdm": code}))
            .collect()
    };
    let expected_items: Vec<Value> = gids
        .iter()
        .filter(|g| !identities(g).is_empty())
        .map(|g| json!({"gid": g, "items": identities(g)}))
        .collect();
    let expected_missing: Vec<&String> = gids.iter().filter(|g| identities(g).is_empty()).collect();
    let (_, _, answer) = send(
        state,
        post("/doc/api/status/by-gids", json!({"gids": gids}).to_string()),
    )
    .await;
    assert_eq!(
        answer,
        json!({"items": expected_items, "not_found": expected_missing}),
        "by-gids: gids in request order, identities in the reference's order"
    );
    for gid in ["G1", "G2", "h1"] {
        let (_, _, answer) = send(state, get(&format!("/doc/api/status/by-gid/{gid}"))).await;
        assert_eq!(
            answer,
            json!({"gid": gid, "items": identities(gid)}),
            "by-gid {gid}"
        );
    }
}

/// Panics unless the database orders these zjhm unlike bytes: the check has teeth.
fn assert_not_byte_order(rows: &[Row]) {
    let zjhms: Vec<&str> = rows.iter().map(|r| r.1.as_str()).collect();
    let mut by_bytes = zjhms.clone();
    by_bytes.sort_unstable();
    assert_ne!(
        zjhms, by_bytes,
        "the test data must tell collation from bytes"
    );
}

async fn own_table_answers_in_reference_order(b: Backend) {
    let db = TestDb::new(b).await;
    let store = db.store(Source::Table).await;
    let records: Vec<_> = ROWS.iter().map(|(g, z, c)| rec(g, z, c)).collect();
    store.replace_all(&records).await.expect("import");
    if b == Backend::Postgres && has_icu(&store).await {
        // A database whose collation is not byte order, as a production one usually is.
        store
            .execute_script(
                "ALTER TABLE status_records ALTER COLUMN zjhm TYPE TEXT COLLATE \"und-x-icu\", ALTER COLUMN gid TYPE TEXT COLLATE \"und-x-icu\"",
            )
            .await
            .expect("collation");
        let rows = reference_rows(&db, b, &TABLE, "zjhm", "zjhm", &asked_zjhms()).await;
        assert_not_byte_order(&rows);
    }
    let state = ustc_status_server::AppState::new(
        store.clone(),
        callers(ALPHA),
        Vec::new(),
        ustc_status_server::AuditSink::off(),
        64 * 1024,
    );
    // Not warmed: answered by the database's queries.
    check_against_reference(b, &db, &state, &TABLE).await;
    // Warmed: answered by the in-memory copy, which must keep the database's orders.
    store.warm().await.expect("warm");
    check_against_reference(b, &db, &state, &TABLE).await;
}

async fn v_user_answers_in_reference_order(b: Backend) {
    let db = TestDb::new(b).await;
    let store = db.store(Source::VUser).await;
    let collate = match b {
        Backend::Postgres if has_icu(&store).await => " COLLATE \"und-x-icu\"",
        Backend::Postgres => "",
        Backend::Sqlite => " COLLATE NOCASE",
    };
    let values: Vec<String> = ROWS
        .iter()
        .map(|(g, z, c)| format!("('{g}', '{z}', '{c}')"))
        .collect();
    store
        .execute_script(&format!(
            "CREATE TABLE people (gid VARCHAR(32){collate}, userid VARCHAR(32){collate}, zxzt VARCHAR(4));
             INSERT INTO people VALUES {};
             CREATE VIEW v_user AS SELECT gid, userid, zxzt FROM people;",
            values.join(", ")
        ))
        .await
        .expect("create view");
    if !collate.is_empty() {
        let rows = reference_rows(&db, b, &VIEW, "userid", "userid", &asked_zjhms()).await;
        assert_not_byte_order(&rows);
    }
    let state = ustc_status_server::AppState::new(
        store,
        callers(ALPHA),
        Vec::new(),
        ustc_status_server::AuditSink::off(),
        64 * 1024,
    );
    check_against_reference(b, &db, &state, &VIEW).await;
}
