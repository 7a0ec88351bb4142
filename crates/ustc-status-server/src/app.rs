//! HTTP layer: router, handlers, checks in the documented order, one error type.

use std::collections::HashSet;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{ConnectInfo, MatchedPath, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use ipnet::IpNet;
use serde::Serialize;
use serde_json::Value;

use crate::audit::{AuditRecord, AuditSink};
use crate::auth::{Caller, Callers, resolve_client_ip};
use crate::metrics::Metrics;
use crate::ratelimit::RateLimiter;
use crate::store::{NotReady, Record, Store, StoreError};

/// Most distinct ids one batch may hold.
pub const MAX_BATCH: usize = 100;
/// Detail for a batch with nothing left after normalisation.
pub const DETAIL_EMPTY: &str = "至少提供一个非空查询值。";
/// Detail for a batch with more than [`MAX_BATCH`] distinct ids.
pub const DETAIL_TOO_MANY: &str = "一次最多查询100条；超过100条请联系数据中心获取中间表。";
/// Detail for every authentication failure.
pub const DETAIL_UNAUTHORIZED: &str = "missing or invalid bearer token";
/// Detail for a caller outside its allowlist.
pub const DETAIL_FORBIDDEN: &str = "source ip not allowed";
/// Readiness probe for orchestrators (an extension; the reference has only `health`).
pub const READY_PATH: &str = "/doc/api/ready";

static OPENAPI: &str = include_str!("openapi.json");

/// Shared server state; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
    timeouts: Timeouts,
    metrics: Option<Arc<Metrics>>,
}

struct Inner {
    store: Store,
    callers: RwLock<Arc<Callers>>,
    trusted: Vec<IpNet>,
    audit: AuditSink,
    limiter: RateLimiter,
    max_body: usize,
}

/// How long the server waits for slow or stalled clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// From the connection's first byte (or the previous response) to the end
    /// of the request headers; then the connection is closed.
    pub header_read: Duration,
    /// From the end of the headers to the response, body reading included;
    /// then 408.
    pub request: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            header_read: Duration::from_secs(10),
            request: Duration::from_secs(30),
        }
    }
}

impl AppState {
    /// Builds the state.
    pub fn new(
        store: Store,
        callers: Callers,
        trusted_proxies: Vec<IpNet>,
        audit: AuditSink,
        max_body_bytes: usize,
    ) -> AppState {
        AppState {
            inner: Arc::new(Inner {
                store,
                callers: RwLock::new(Arc::new(callers)),
                trusted: trusted_proxies,
                audit,
                limiter: RateLimiter::default(),
                max_body: max_body_bytes,
            }),
            timeouts: Timeouts::default(),
            metrics: None,
        }
    }

    /// The same state, counting requests for [`crate::metrics_app`] (before serving).
    pub fn with_metrics(mut self) -> AppState {
        self.metrics = Some(Arc::new(Metrics::new()));
        self
    }

    pub(crate) fn metrics(&self) -> Option<&Metrics> {
        self.metrics.as_deref()
    }

    /// The same state with other client timeouts (before serving).
    pub fn with_timeouts(mut self, timeouts: Timeouts) -> AppState {
        self.timeouts = timeouts;
        self
    }

    /// The client timeouts in force.
    pub fn timeouts(&self) -> Timeouts {
        self.timeouts
    }

    /// Replaces the registered callers (token rotation); requests in flight keep the old set.
    pub fn reload_callers(&self, callers: Callers) {
        let mut guard = self
            .inner
            .callers
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *guard = Arc::new(callers);
    }

    fn callers(&self) -> Arc<Callers> {
        self.inner
            .callers
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// The store behind the API.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The audit log (to reopen it after rotation).
    pub fn audit(&self) -> &AuditSink {
        &self.inner.audit
    }
}

/// Every way a request can fail; rendered as `{"detail": "..."}`.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 401.
    #[error("{DETAIL_UNAUTHORIZED}")]
    Unauthorized,
    /// 403.
    #[error("{DETAIL_FORBIDDEN}")]
    Forbidden,
    /// 400 with a detail.
    #[error("{0}")]
    BadRequest(String),
    /// 404 for a lookup.
    #[error("{0}")]
    NotFound(&'static str),
    /// 404 for an unknown route.
    #[error("Not Found")]
    RouteNotFound,
    /// 405.
    #[error("Method Not Allowed")]
    MethodNotAllowed,
    /// 413.
    #[error("request body too large")]
    PayloadTooLarge,
    /// 408: the request (its body) did not arrive in time.
    #[error("request timeout")]
    RequestTimeout,
    /// 429.
    #[error("rate limit exceeded, retry after {0} s")]
    RateLimited(u64),
    /// 503 from the readiness probe; a database cause goes to the audit log only.
    #[error("not ready: {}", match .0 {
        NotReady::Database(_) => "database unavailable",
        _ => "status table loading",
    })]
    NotReady(NotReady),
    /// 500: the cause goes to the audit log, never to the caller.
    #[error("internal server error")]
    Internal(#[from] StoreError),
}

/// The internal cause of a 500, handed to the audit layer through response extensions.
#[derive(Debug, Clone)]
pub struct InternalCause(pub String);

#[derive(Serialize)]
struct Detail<'a> {
    detail: &'a str,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = match &self {
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden => StatusCode::FORBIDDEN,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::NotFound(_) | ApiError::RouteNotFound => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            ApiError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::NotReady(_) => StatusCode::SERVICE_UNAVAILABLE,
        };
        let detail = self.to_string();
        let mut resp = (status, Json(Detail { detail: &detail })).into_response();
        match self {
            ApiError::Unauthorized => {
                resp.headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            ApiError::RateLimited(secs) => {
                resp.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
            ApiError::Internal(cause) | ApiError::NotReady(NotReady::Database(cause)) => {
                resp.extensions_mut()
                    .insert(InternalCause(cause.to_string()));
            }
            _ => {}
        }
        resp
    }
}

/// The resolved client address, computed once per request by the audit layer.
#[derive(Debug, Clone, Copy)]
struct ClientIp(Option<IpAddr>);

/// Which caller made the request (response extension for the audit layer).
#[derive(Debug, Clone)]
struct AuditCaller(String);

/// How many ids a request asked for (response extension for the audit layer).
#[derive(Debug, Clone, Copy)]
struct AuditIds(usize);

/// What the audit log and the metrics call a request that matched no route.
const UNMATCHED: &str = "<unmatched>";

/// Route template that matched (response extension for the audit layer).
#[derive(Debug, Clone)]
struct AuditRoute(String);

/// Builds the router. The peer address comes from `ConnectInfo<SocketAddr>`; serve with
/// `into_make_service_with_connect_info`, or inject `MockConnectInfo` in tests.
pub fn app(state: AppState) -> Router {
    let protected = Router::new()
        .route("/doc/api/status/by-gid/{gid}", get(by_gid))
        .route("/doc/api/status/by-zjhm/{zjhm}", get(by_zjhm))
        .route("/doc/api/status/by-gids", post(by_gids))
        .route("/doc/api/status/by-zjhms", post(by_zjhms))
        .route_layer(middleware::from_fn_with_state(state.clone(), authorize));
    Router::new()
        .route("/doc/api/health", get(health))
        .route(READY_PATH, get(ready))
        .route("/doc/api/openapi.json", get(openapi))
        .merge(protected)
        .route_layer(middleware::from_fn(tag_route))
        .fallback(|| async { ApiError::RouteNotFound })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        // Inside the audit layer, so a timed-out request is still audited.
        .layer(middleware::from_fn_with_state(
            state.clone(),
            request_timeout,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), audit))
        .with_state(state)
}

/// A client that sends its body too slowly gets 408 instead of holding a
/// task and a connection for ever. Only requests whose body is read need the
/// timer: GET handlers never wait on the client, and the timer measurably
/// costs on the cheapest endpoints.
async fn request_timeout(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if matches!(
        *req.method(),
        axum::http::Method::GET | axum::http::Method::HEAD
    ) {
        return next.run(req).await;
    }
    match tokio::time::timeout(state.timeouts.request, next.run(req)).await {
        Ok(resp) => resp,
        Err(_) => ApiError::RequestTimeout.into_response(),
    }
}

async fn tag_route(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned());
    let mut resp = next.run(req).await;
    if let Some(route) = route {
        resp.extensions_mut().insert(AuditRoute(route));
    }
    resp
}

async fn audit(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let ip = peer.and_then(|peer| {
        let forwarded = req
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok());
        // An XFF value that is not valid text is as unparsable as garbage text.
        let bad_bytes = req
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .any(|v| v.to_str().is_err());
        if bad_bytes {
            return None;
        }
        resolve_client_ip(peer, forwarded, &state.inner.trusted).ok()
    });
    req.extensions_mut().insert(ClientIp(ip));
    let method = req.method().as_str().to_owned();
    let resp = next.run(req).await;
    let ext = resp.extensions();
    let route = ext.get::<AuditRoute>().map_or(UNMATCHED, |r| r.0.as_str());
    let caller = ext.get::<AuditCaller>().map(|c| c.0.as_str());
    let cause = ext.get::<InternalCause>();
    let elapsed = started.elapsed();
    if let Some(metrics) = state.metrics() {
        metrics.record(
            route,
            resp.status().as_u16(),
            caller,
            elapsed,
            cause.is_some(),
        );
    }
    if state.inner.audit.is_enabled() {
        let record = AuditRecord {
            time: chrono::Utc::now(),
            caller: caller.map(str::to_owned),
            method,
            route: route.to_owned(),
            status: resp.status().as_u16(),
            ids: ext.get::<AuditIds>().map_or(0, |n| n.0),
            latency_ms: elapsed.as_secs_f64() * 1000.0,
            source_ip: ip,
            error: cause.map(|c| c.0.clone()),
        };
        state.inner.audit.write(&record);
    }
    resp
}

/// Extracts the bearer token; scheme compared case-insensitively like the reference.
fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// Authentication, then the caller's allowlist, then its rate limit: before any body is read.
async fn authorize(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let callers = state.callers();
    let caller: Caller = match bearer_token(req.headers()).and_then(|t| callers.authenticate(t)) {
        Some(c) => c.clone(),
        None => return ApiError::Unauthorized.into_response(),
    };
    drop(callers);
    let tag = AuditCaller(caller.name.clone());
    let ip = req.extensions().get::<ClientIp>().and_then(|c| c.0);
    let result = match ip {
        Some(ip) if caller.allows(ip) => {
            match caller
                .rate_limit_per_s
                .and_then(|rate| state.inner.limiter.check(&caller.name, rate).err())
            {
                Some(retry_after) => Err(ApiError::RateLimited(retry_after)),
                None => Ok(()),
            }
        }
        _ => Err(ApiError::Forbidden),
    };
    let mut resp = match result {
        Ok(()) => {
            req.extensions_mut().insert(tag.clone());
            next.run(req).await
        }
        Err(e) => e.into_response(),
    };
    resp.extensions_mut().insert(tag);
    resp
}

async fn health() -> Json<Value> {
    Json(serde_json::json!({"ok": true}))
}

/// 200 `{"ready": true}` once the database answers and the own table's copy is loaded;
/// 503 otherwise, so a load balancer sends no traffic to a server that would fail it.
async fn ready(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    state
        .inner
        .store
        .ready()
        .await
        .map_err(ApiError::NotReady)?;
    Ok(Json(serde_json::json!({"ready": true})))
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

#[derive(Serialize)]
struct Identity {
    zjhm: String,
    ryzxztdm: Option<String>,
}

#[derive(Serialize)]
struct GidStatus {
    gid: String,
    items: Vec<Identity>,
}

#[derive(Serialize)]
struct ZjhmStatus {
    gid: String,
    zjhm: String,
    ryzxztdm: Option<String>,
}

#[derive(Serialize)]
struct Batch<T> {
    items: Vec<T>,
    not_found: Vec<String>,
}

fn identity(r: Record) -> Identity {
    Identity {
        zjhm: r.zjhm,
        ryzxztdm: r.ryzxztdm,
    }
}

fn with_ids(n: usize, body: impl IntoResponse) -> Response {
    let mut resp = body.into_response();
    resp.extensions_mut().insert(AuditIds(n));
    resp
}

fn path_id(path: Result<Path<String>, PathRejection>) -> Result<String, ApiError> {
    // Only undecodable ids (bad UTF-8 after percent-decoding) end up here.
    path.map(|Path(id)| id)
        .map_err(|_| ApiError::BadRequest("invalid path parameter".into()))
}

async fn by_gid(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let gid = path_id(path)?;
    let records = state.inner.store.by_gid(&gid).await?;
    if records.is_empty() {
        return Err(ApiError::NotFound("gid not found"));
    }
    Ok(with_ids(
        1,
        Json(GidStatus {
            gid,
            items: records.into_iter().map(identity).collect(),
        }),
    ))
}

async fn by_zjhm(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let zjhm = path_id(path)?;
    let record = state
        .inner
        .store
        .by_zjhm(&zjhm)
        .await?
        .ok_or(ApiError::NotFound("zjhm not found"))?;
    Ok(with_ids(
        1,
        Json(ZjhmStatus {
            gid: record.gid,
            zjhm: record.zjhm,
            ryzxztdm: record.ryzxztdm,
        }),
    ))
}

async fn read_body(state: &AppState, headers: &HeaderMap, body: Body) -> Result<Vec<u8>, ApiError> {
    let limit = state.inner.max_body;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(ApiError::PayloadTooLarge);
    }
    match axum::body::to_bytes(body, limit).await {
        Ok(bytes) => Ok(bytes.to_vec()),
        Err(e) => {
            let inner = e.into_inner();
            if inner
                .downcast_ref::<http_body_util::LengthLimitError>()
                .is_some()
            {
                Err(ApiError::PayloadTooLarge)
            } else {
                Err(ApiError::BadRequest("could not read request body".into()))
            }
        }
    }
}

/// Validates `{"<key>": [string, ...]}` and normalises the list: trim, drop blanks,
/// dedupe keeping first-seen order; then enforces 1..=100.
pub fn parse_batch(bytes: &[u8], key: &str) -> Result<Vec<String>, ApiError> {
    let shape = || format!("request body must be a JSON object like {{\"{key}\": [\"...\"]}}");
    let value: Value = serde_json::from_slice(bytes).map_err(|_| {
        ApiError::BadRequest(format!("request body is not valid JSON: {}", shape()))
    })?;
    let Value::Object(mut map) = value else {
        return Err(ApiError::BadRequest(shape()));
    };
    let list = match map.remove(key) {
        Some(Value::Array(list)) => list,
        Some(_) => {
            return Err(ApiError::BadRequest(format!(
                "\"{key}\" must be a list of strings"
            )));
        }
        None => {
            return Err(ApiError::BadRequest(format!(
                "missing key \"{key}\": {}",
                shape()
            )));
        }
    };
    let mut seen = HashSet::with_capacity(list.len());
    let mut ids = Vec::new();
    for v in list {
        let Value::String(s) = v else {
            return Err(ApiError::BadRequest(format!(
                "\"{key}\" must be a list of strings"
            )));
        };
        let t = s.trim();
        if !t.is_empty() && seen.insert(t.to_owned()) {
            ids.push(t.to_owned());
        }
    }
    if ids.is_empty() {
        return Err(ApiError::BadRequest(DETAIL_EMPTY.into()));
    }
    if ids.len() > MAX_BATCH {
        return Err(ApiError::BadRequest(DETAIL_TOO_MANY.into()));
    }
    Ok(ids)
}

async fn by_gids(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let bytes = read_body(&state, &headers, body).await?;
    let gids = parse_batch(&bytes, "gids")?;
    let mut found = state.inner.store.by_gids(&gids).await?;
    let mut items = Vec::new();
    let mut not_found = Vec::new();
    let n = gids.len();
    for gid in gids {
        match found.remove(&gid) {
            Some(records) => items.push(GidStatus {
                gid,
                items: records.into_iter().map(identity).collect(),
            }),
            None => not_found.push(gid),
        }
    }
    Ok(with_ids(n, Json(Batch { items, not_found })))
}

async fn by_zjhms(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let bytes = read_body(&state, &headers, body).await?;
    let zjhms = parse_batch(&bytes, "zjhms")?;
    // Items in the database's zjhm order, as the reference's `ORDER BY userid` gives
    // them; `not_found` in request order.
    let found = state.inner.store.by_zjhms(&zjhms).await?;
    let n = zjhms.len();
    let found_keys: HashSet<&str> = found.iter().map(|r| r.zjhm.as_str()).collect();
    let not_found: Vec<String> = zjhms
        .iter()
        .filter(|z| !found_keys.contains(z.as_str()))
        .cloned()
        .collect();
    let items = found
        .into_iter()
        .map(|r| ZjhmStatus {
            gid: r.gid,
            zjhm: r.zjhm,
            ryzxztdm: r.ryzxztdm,
        })
        .collect();
    Ok(with_ids(n, Json(Batch { items, not_found })))
}
