//! The status API's documented behaviour, in-process through `oneshot`, on both backends.

mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::json;
use ustc_status_server::{DETAIL_EMPTY, DETAIL_TOO_MANY, DETAIL_UNAUTHORIZED};

both_backends!(
    health_needs_no_auth,
    by_zjhm_found_and_missing,
    by_gid_returns_all_identities,
    by_gids_order_and_normalisation,
    by_zjhms_order_and_not_found,
    batch_size_limits,
    malformed_bodies_are_400,
    every_auth_failure_is_the_same_401,
    order_of_checks,
    ip_allowlist_and_mapped_peers,
    trusted_proxy_handling,
    body_limit_is_413_json,
    hostile_path_ids,
    unknown_routes_and_methods,
    rate_limit_is_429_with_retry_after,
    token_rotation_by_reload,
    audit_log_never_holds_tokens_or_ids,
    status_codes_stay_strings,
    database_down_is_generic_500,
    openapi_document,
);

async fn health_needs_no_auth(b: Backend) {
    let f = fixture(b).await;
    let (s, _, body) = send(&f.state, get("/doc/api/health").token(None)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(body, json!({"ok": true}));
}

async fn by_zjhm_found_and_missing(b: Backend) {
    let f = fixture(b).await;
    let (s, _, body) = send(&f.state, get("/doc/api/status/by-zjhm/P0529")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        body,
        json!({"gid": "2200600958", "zjhm": "P0529", "ryzxztdm": "10"})
    );
    let (s, _, body) = send(&f.state, get("/doc/api/status/by-zjhm/NOPE")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(body, json!({"detail": "zjhm not found"}));
}

async fn by_gid_returns_all_identities(b: Backend) {
    let f = fixture(b).await;
    let (s, _, body) = send(&f.state, get("/doc/api/status/by-gid/2200600958")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        body,
        json!({"gid": "2200600958", "items": [{"zjhm": "P0529", "ryzxztdm": "10"}]})
    );
    let (s, _, body) = send(&f.state, get("/doc/api/status/by-gid/G3")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        body,
        json!({"gid": "G3", "items": [
            {"zjhm": "Z3-a", "ryzxztdm": "01"},
            {"zjhm": "Z3-b", "ryzxztdm": "10"},
            {"zjhm": "Z3-c", "ryzxztdm": "99"}
        ]})
    );
    let (s, _, body) = send(&f.state, get("/doc/api/status/by-gid/0000")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(body, json!({"detail": "gid not found"}));
}

async fn by_gids_order_and_normalisation(b: Backend) {
    let f = fixture(b).await;
    let body = json!({"gids": ["  G3 ", "x1", "", "2200600958", "   ", "G3", "x0", "x1"]});
    let (s, _, out) = send(&f.state, post("/doc/api/status/by-gids", body.to_string())).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        out,
        json!({
            "items": [
                {"gid": "G3", "items": [
                    {"zjhm": "Z3-a", "ryzxztdm": "01"},
                    {"zjhm": "Z3-b", "ryzxztdm": "10"},
                    {"zjhm": "Z3-c", "ryzxztdm": "99"}
                ]},
                {"gid": "2200600958", "items": [{"zjhm": "P0529", "ryzxztdm": "10"}]}
            ],
            "not_found": ["x1", "x0"]
        })
    );
}

async fn by_zjhms_order_and_not_found(b: Backend) {
    let f = fixture(b).await;
    let body = json!({"zjhms": ["zz", "Z3-c", " P0529", "aa", "Z3-a", "zz"]});
    let (s, _, out) = send(&f.state, post("/doc/api/status/by-zjhms", body.to_string())).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        out,
        json!({
            // Items by zjhm, as the reference's ORDER BY userid; not_found as asked.
            "items": [
                {"gid": "2200600958", "zjhm": "P0529", "ryzxztdm": "10"},
                {"gid": "G3", "zjhm": "Z3-a", "ryzxztdm": "01"},
                {"gid": "G3", "zjhm": "Z3-c", "ryzxztdm": "99"}
            ],
            "not_found": ["zz", "aa"]
        })
    );
}

async fn batch_size_limits(b: Backend) {
    let f = fixture(b).await;
    let hundred: Vec<String> = (0..100).map(|i| format!("ZB{i:03}")).collect();
    let (s, _, out) = send(
        &f.state,
        post(
            "/doc/api/status/by-zjhms",
            json!({"zjhms": hundred}).to_string(),
        ),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(out["items"].as_array().map(Vec::len), Some(100));
    assert_eq!(out["not_found"], json!([]));
    // The same full batch again: the first leaves nothing behind that changes
    // the second (no per-caller count of ids, no cached partial answer).
    let (s, _, again) = send(
        &f.state,
        post(
            "/doc/api/status/by-zjhms",
            json!({"zjhms": hundred}).to_string(),
        ),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{again}");
    assert_eq!(again, out);

    let gids: Vec<String> = (0..101).map(|i| format!("B{i:03}")).collect();
    for (path, key) in [("by-gids", "gids"), ("by-zjhms", "zjhms")] {
        let (s, _, out) = send(
            &f.state,
            post(
                &format!("/doc/api/status/{path}"),
                json!({key: gids}).to_string(),
            ),
        )
        .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_eq!(out, json!({"detail": DETAIL_TOO_MANY}));
    }
    // 100 distinct plus padding duplicates and blanks is still 100.
    let mut padded: Vec<String> = (0..100).map(|i| format!("B{i:03}")).collect();
    padded.extend(["B000".to_string(), " ".to_string(), " B001 ".to_string()]);
    let (s, _, out) = send(
        &f.state,
        post(
            "/doc/api/status/by-gids",
            json!({"gids": padded}).to_string(),
        ),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(out["items"].as_array().map(Vec::len), Some(100));
    assert_eq!(out["items"][0]["gid"], "B000");
    assert_eq!(out["items"][99]["gid"], "B099");

    let copies = vec!["P0529"; 150];
    let (s, _, out) = send(
        &f.state,
        post(
            "/doc/api/status/by-zjhms",
            json!({"zjhms": copies}).to_string(),
        ),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        out,
        json!({"items": [{"gid": "2200600958", "zjhm": "P0529", "ryzxztdm": "10"}], "not_found": []})
    );
    for empty in [json!({"gids": []}), json!({"gids": ["", "  ", "\t"]})] {
        let (s, _, out) = send(&f.state, post("/doc/api/status/by-gids", empty.to_string())).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_eq!(out, json!({"detail": DETAIL_EMPTY}));
    }
}

async fn malformed_bodies_are_400(b: Backend) {
    let f = fixture(b).await;
    let bodies: [&[u8]; 9] = [
        b"",
        b"not json",
        b"{\"gids\": [\"a\"",
        b"[\"a\"]",
        b"{\"zjhms\": [\"a\"]}",
        b"{\"gids\": \"a\"}",
        b"{\"gids\": [1, 2]}",
        b"{\"gids\": [\"a\", null]}",
        b"\xff\xfe",
    ];
    for body in bodies {
        let (s, _, out) = send(&f.state, post("/doc/api/status/by-gids", body.to_vec())).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{body:?}");
        assert!(
            out["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "{out}"
        );
    }
}

async fn every_auth_failure_is_the_same_401(b: Backend) {
    let f = fixture(b).await;
    let url = "/doc/api/status/by-zjhm/P0529";
    let cases = [
        get(url).token(None),
        get(url).authorization(&format!("Basic {ALPHA}")),
        get(url).authorization("Bearer"),
        get(url).authorization("Bearer    "),
        get(url).authorization(&format!("Token {ALPHA}")),
        get(url).token(Some("wrong-token")),
        get(url).token(Some(&ALPHA[..ALPHA.len() - 1])),
        get(url).token(Some(DISABLED)),
    ];
    for req in cases {
        let (s, h, out) = send(&f.state, req).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        assert_eq!(out, json!({"detail": DETAIL_UNAUTHORIZED}));
        assert_eq!(
            h.get("www-authenticate").map(|v| v.as_bytes()),
            Some(&b"Bearer"[..])
        );
    }
    for ok in [
        get(url).authorization(&format!("bearer {ALPHA}")),
        get(url).authorization(&format!("BEARER {ALPHA}")),
    ] {
        assert_eq!(send(&f.state, ok).await.0, StatusCode::OK);
    }
}

async fn order_of_checks(b: Backend) {
    let f = fixture(b).await;
    let bad = b"{{{ not json".to_vec();
    let too_many =
        json!({"zjhms": (0..101).map(|i| format!("nope{i}")).collect::<Vec<_>>()}).to_string();
    // No token: 401 even though the body is garbage.
    let r = post("/doc/api/status/by-zjhms", bad.clone()).token(None);
    assert_eq!(send(&f.state, r).await.0, StatusCode::UNAUTHORIZED);
    // Valid token from a disallowed address: 403 before the body is looked at.
    let r = post("/doc/api/status/by-zjhms", bad.clone()).peer("198.51.100.1:1");
    let (s, _, out) = send(&f.state, r).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(out, json!({"detail": "source ip not allowed"}));
    // Allowed: now the body is validated.
    let r = post("/doc/api/status/by-zjhms", bad);
    assert_eq!(send(&f.state, r).await.0, StatusCode::BAD_REQUEST);
    // Validation before lookup: 101 unknown ids are a 400, not a 200 with not_found.
    let r = post("/doc/api/status/by-zjhms", too_many);
    assert_eq!(send(&f.state, r).await.0, StatusCode::BAD_REQUEST);
    // Disabled caller with a bad body and bad address: still 401.
    let r = post("/doc/api/status/by-gids", b"x".to_vec())
        .token(Some(DISABLED))
        .peer("198.51.100.1:1");
    assert_eq!(send(&f.state, r).await.0, StatusCode::UNAUTHORIZED);
}

async fn ip_allowlist_and_mapped_peers(b: Backend) {
    let f = fixture(b).await;
    let url = "/doc/api/status/by-zjhm/P0529";
    let cases = [
        ("127.0.0.1:5000", ALPHA, StatusCode::OK),
        ("[::ffff:127.0.0.1]:5000", ALPHA, StatusCode::OK),
        ("[::ffff:203.0.113.77]:5000", ALPHA, StatusCode::OK),
        ("[::1]:5000", ALPHA, StatusCode::FORBIDDEN),
        ("127.0.0.2:5000", ALPHA, StatusCode::FORBIDDEN),
        ("192.0.2.44:1", RANGED, StatusCode::OK),
        ("[::ffff:192.0.2.44]:1", RANGED, StatusCode::OK),
        ("192.0.3.1:1", RANGED, StatusCode::FORBIDDEN),
        ("127.0.0.1:1", RANGED, StatusCode::FORBIDDEN),
    ];
    for (peer, token, want) in cases {
        let (s, _, _) = send(&f.state, get(url).peer(peer).token(Some(token))).await;
        assert_eq!(s, want, "{peer} {token}");
    }
    // No peer information at all: treated as unknown, never allowed.
    let mut r = get(url);
    r.peer = None;
    assert_eq!(send(&f.state, r).await.0, StatusCode::FORBIDDEN);
}

async fn trusted_proxy_handling(b: Backend) {
    let f = fixture(b).await;
    let url = "/doc/api/status/by-zjhm/P0529";
    // Trusted proxies: 127.0.0.1/32 and 10.9.0.0/16. RANGED may call from 192.0.2.0/24.
    let cases: Vec<(&str, Vec<&str>, StatusCode)> = vec![
        // Untrusted peer: its XFF claims are ignored.
        ("192.0.2.5:1", vec!["198.51.100.1"], StatusCode::OK),
        ("198.51.100.1:1", vec!["192.0.2.5"], StatusCode::FORBIDDEN),
        // Trusted peer: rightmost non-trusted entry wins.
        ("10.9.1.1:1", vec!["192.0.2.5"], StatusCode::OK),
        (
            "10.9.1.1:1",
            vec!["198.51.100.1, 192.0.2.5, 10.9.0.7"],
            StatusCode::OK,
        ),
        (
            "10.9.1.1:1",
            vec!["192.0.2.5, 198.51.100.1"],
            StatusCode::FORBIDDEN,
        ),
        ("10.9.1.1:1", vec!["192.0.2.5", "10.9.3.3"], StatusCode::OK),
        // All trusted: leftmost (10.9.0.1 is not in RANGED's list).
        (
            "10.9.1.1:1",
            vec!["10.9.0.1, 127.0.0.1"],
            StatusCode::FORBIDDEN,
        ),
        // Unparsable anywhere on the path walked: 403.
        ("10.9.1.1:1", vec!["garbage"], StatusCode::FORBIDDEN),
        (
            "10.9.1.1:1",
            vec!["192.0.2.5, unknown"],
            StatusCode::FORBIDDEN,
        ),
        // Mapped forms in the header and the peer.
        (
            "[::ffff:10.9.1.1]:1",
            vec!["::ffff:192.0.2.9"],
            StatusCode::OK,
        ),
        // Trusted peer without a header: the peer itself (not in RANGED's list).
        ("10.9.1.1:1", vec![], StatusCode::FORBIDDEN),
    ];
    for (peer, xff, want) in cases {
        let mut r = get(url).peer(peer).token(Some(RANGED));
        for x in &xff {
            r = r.xff(x);
        }
        let (s, _, out) = send(&f.state, r).await;
        assert_eq!(s, want, "peer {peer} xff {xff:?}: {out}");
    }
    // All-trusted chain resolving to an allowed leftmost address.
    let r = get(url).peer("127.0.0.1:1").xff("127.0.0.1");
    assert_eq!(send(&f.state, r).await.0, StatusCode::OK);
}

async fn body_limit_is_413_json(b: Backend) {
    let f = fixture(b).await;
    let big = format!("{{\"gids\": [\"{}\"]}}", "x".repeat(70 * 1024));
    let (s, _, out) = send(&f.state, post("/doc/api/status/by-gids", big.clone())).await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(out, json!({"detail": "request body too large"}));
    // Without a token the size does not matter: 401 first.
    let (s, _, _) = send(&f.state, post("/doc/api/status/by-gids", big).token(None)).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}

async fn hostile_path_ids(b: Backend) {
    let f = fixture(b).await;
    let long = "A".repeat(10 * 1024);
    let ids = [
        "a%2Fb",
        "..",
        "%2E%2E",
        "..%2F..%2Fetc%2Fpasswd",
        "%00",
        "P0529%00",
        "%FF%FE",
        "%",
        "%E4%B8%AD%E6%96%87",
        long.as_str(),
        "%20",
        "'%20OR%201=1--",
    ];
    for route in ["by-gid", "by-zjhm"] {
        for id in ids {
            let (s, _, out) = send(&f.state, get(&format!("/doc/api/status/{route}/{id}"))).await;
            assert!(
                s == StatusCode::NOT_FOUND || s == StatusCode::BAD_REQUEST,
                "{route}/{id}: {s}"
            );
            assert!(out["detail"].is_string());
        }
    }
    // Literal slashes and traversal outside the id: unknown routes, still JSON 404.
    for path in [
        "/doc/api/status/by-gid/a/b",
        "/doc/api/status/by-gid/",
        "/doc/api/../api/health/x",
    ] {
        let (s, _, out) = send(&f.state, get(path)).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{path}");
        assert!(out["detail"].is_string());
    }
}

async fn unknown_routes_and_methods(b: Backend) {
    let f = fixture(b).await;
    let (s, _, out) = send(&f.state, get("/nope").token(None)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(out, json!({"detail": "Not Found"}));
    let (s, _, out) = send(&f.state, get("/doc/api/status/by-gids")).await;
    assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(out, json!({"detail": "Method Not Allowed"}));
    let (s, _, out) = send(&f.state, get("/doc/api/health").method("DELETE")).await;
    assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED);
    assert!(out["detail"].is_string());
    let (s, _, _) = send(
        &f.state,
        post("/doc/api/status/by-zjhm/P0529", b"{}".to_vec()),
    )
    .await;
    assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED);
}

async fn rate_limit_is_429_with_retry_after(b: Backend) {
    let f = fixture(b).await;
    let url = "/doc/api/status/by-zjhm/P0529";
    // Burst of 2 for a 2/s caller; a third immediate request must wait. Sub-second
    // refill cannot make the third succeed unless the test stalls for 500 ms between calls,
    // so allow at most one refill while still requiring a 429 within a few extra tries.
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let (s, h, out) = send(&f.state, get(url).token(Some(LIMITED))).await;
        if s == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(h.get("retry-after").map(|v| v.as_bytes()), Some(&b"1"[..]));
            assert!(
                out["detail"]
                    .as_str()
                    .is_some_and(|d| d.contains("rate limit"))
            );
        }
        statuses.push(s);
    }
    assert_eq!(statuses[0], StatusCode::OK);
    assert!(
        statuses.contains(&StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
    // Other callers are unaffected.
    assert_eq!(send(&f.state, get(url)).await.0, StatusCode::OK);
}

async fn token_rotation_by_reload(b: Backend) {
    let f = fixture(b).await;
    let url = "/doc/api/status/by-zjhm/P0529";
    assert_eq!(send(&f.state, get(url)).await.0, StatusCode::OK);
    assert_eq!(
        send(&f.state, get(url).token(Some(ALPHA_NEW))).await.0,
        StatusCode::UNAUTHORIZED
    );
    f.state.reload_callers(callers(ALPHA_NEW));
    assert_eq!(
        send(&f.state, get(url).token(Some(ALPHA_NEW))).await.0,
        StatusCode::OK
    );
    assert_eq!(send(&f.state, get(url)).await.0, StatusCode::UNAUTHORIZED);
}

async fn audit_log_never_holds_tokens_or_ids(b: Backend) {
    let f = fixture(b).await;
    send(&f.state, get("/doc/api/status/by-zjhm/P0529")).await;
    send(&f.state, get("/doc/api/status/by-gid/2200600958")).await;
    send(
        &f.state,
        post(
            "/doc/api/status/by-zjhms",
            json!({"zjhms": ["Z3-a", "SECRETID1"]}).to_string(),
        ),
    )
    .await;
    send(
        &f.state,
        get("/doc/api/status/by-zjhm/P0529").token(Some("leaked-wrong-token")),
    )
    .await;
    send(
        &f.state,
        get("/doc/api/status/by-zjhm/P0529").token(Some(RANGED)),
    )
    .await;
    send(
        &f.state,
        get("/doc/api/status/by-zjhm/P0529")
            .peer("10.9.0.1:9")
            .xff("203.0.113.9"),
    )
    .await;
    send(&f.state, get("/nowhere/SECRETPATH").token(None)).await;
    let log = f.audit.contents();
    for secret in [
        ALPHA,
        RANGED,
        "leaked-wrong-token",
        "P0529",
        "2200600958",
        "Z3-a",
        "SECRETID1",
        "SECRETPATH",
    ] {
        assert!(
            !log.contains(secret),
            "{secret} leaked into audit log:\n{log}"
        );
    }
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(lines.len(), 7);
    assert_eq!(lines[0]["caller"], "alpha");
    assert_eq!(lines[0]["route"], "/doc/api/status/by-zjhm/{zjhm}");
    assert_eq!(lines[0]["status"], 200);
    assert_eq!(lines[0]["ids"], 1);
    assert_eq!(lines[0]["source_ip"], "127.0.0.1");
    assert!(lines[0]["latency_ms"].is_number());
    assert!(lines[0]["time"].is_string());
    assert_eq!(lines[2]["ids"], 2);
    assert_eq!(lines[2]["route"], "/doc/api/status/by-zjhms");
    assert_eq!(lines[3]["status"], 401);
    assert!(lines[3]["caller"].is_null());
    assert_eq!(lines[4]["status"], 403);
    assert_eq!(lines[4]["caller"], "ranged");
    assert_eq!(lines[5]["source_ip"], "203.0.113.9");
    assert_eq!(lines[6]["route"], "<unmatched>");
}

async fn status_codes_stay_strings(b: Backend) {
    let f = fixture(b).await;
    let (_, _, out) = send(&f.state, get("/doc/api/status/by-zjhm/P0530")).await;
    assert_eq!(out["ryzxztdm"], json!("01"));
}

async fn database_down_is_generic_500(b: Backend) {
    let f = fixture(b).await;
    f.state.store().close().await;
    for req in [
        get("/doc/api/status/by-zjhm/P0529"),
        post(
            "/doc/api/status/by-gids",
            json!({"gids": ["G3"]}).to_string(),
        ),
    ] {
        let (s, _, out) = send(&f.state, req).await;
        assert_eq!(s, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(out, json!({"detail": "internal server error"}));
    }
    // Auth still answers first, without touching the database.
    assert_eq!(
        send(&f.state, get("/doc/api/status/by-zjhm/P0529").token(None))
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
    let log = f.audit.contents();
    assert!(
        log.contains("\"error\""),
        "the cause is kept for operators: {log}"
    );
}

async fn openapi_document(b: Backend) {
    let f = fixture(b).await;
    let (s, _, out) = send(&f.state, get("/doc/api/openapi.json").token(None)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(out["openapi"], "3.1.0");
    assert!(out["paths"]["/doc/api/status/by-zjhms"]["post"].is_object());
}
