//! Prometheus metrics, served on their own listener (`metrics_listen`), never on the
//! API's.
//!
//! Labels hold only route templates, status codes and caller names from the config:
//! never an id, a concrete path or a token, so their number stays bounded and a scrape
//! reveals nothing a caller sent.

use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use crate::app::AppState;

/// The path metrics are served at on the metrics listener.
pub const METRICS_PATH: &str = "/metrics";

const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    /// Route template, or `<unmatched>`.
    route: String,
    status: u16,
    /// Caller name after authentication; empty when there was none.
    caller: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

fn latency_histogram() -> Histogram {
    // From a copy lookup (tens of µs) to a slow database (seconds).
    Histogram::new([
        0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
        2.5, 10.0,
    ])
}

/// The server's metric families and the registry that encodes them.
pub(crate) struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
    database_errors: Counter,
    copy_generation: Gauge,
    copy_rows: Gauge,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Metrics {
    pub(crate) fn new() -> Metrics {
        let mut registry = Registry::with_prefix("status");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "Requests answered, by route template, status and caller name",
            requests.clone(),
        );
        let latency = Family::<RouteLabels, Histogram, fn() -> Histogram>::new_with_constructor(
            latency_histogram,
        );
        registry.register_with_unit(
            "http_request_duration",
            "Time from the request's arrival to its response, by route template",
            prometheus_client::registry::Unit::Seconds,
            latency.clone(),
        );
        let database_errors = Counter::default();
        registry.register(
            "database_errors",
            "Requests that failed because the database failed (answered 500 or 503)",
            database_errors.clone(),
        );
        let copy_generation = Gauge::default();
        registry.register(
            "copy_generation",
            "How many in-memory copies of the own table were loaded since start (0: none)",
            copy_generation.clone(),
        );
        let copy_rows = Gauge::default();
        registry.register(
            "copy_rows",
            "Rows in the current in-memory copy of the own table (0: none)",
            copy_rows.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            database_errors,
            copy_generation,
            copy_rows,
        }
    }

    /// Counts one answered request.
    pub(crate) fn record(
        &self,
        route: &str,
        status: u16,
        caller: Option<&str>,
        elapsed: Duration,
        database_failed: bool,
    ) {
        self.requests
            .get_or_create(&RequestLabels {
                route: route.to_owned(),
                status,
                caller: caller.unwrap_or_default().to_owned(),
            })
            .inc();
        self.latency
            .get_or_create(&RouteLabels {
                route: route.to_owned(),
            })
            .observe(elapsed.as_secs_f64());
        if database_failed {
            self.database_errors.inc();
        }
    }

    fn render(&self, state: &AppState) -> Result<String, std::fmt::Error> {
        let copy = state.store().copy_info();
        let as_gauge = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        self.copy_generation
            .set(copy.map_or(0, |c| as_gauge(c.generation)));
        self.copy_rows
            .set(copy.map_or(0, |c| as_gauge(c.rows as u64)));
        let mut text = String::new();
        encode(&mut text, &self.registry)?;
        Ok(text)
    }
}

/// The metrics listener's router: `GET /metrics` in the OpenMetrics text format (which
/// Prometheus scrapes natively); 404 when the state was built without metrics.
pub fn metrics_app(state: AppState) -> Router {
    Router::new()
        .route(METRICS_PATH, get(scrape))
        .with_state(state)
}

async fn scrape(State(state): State<AppState>) -> Response {
    let Some(metrics) = state.metrics() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match metrics.render(&state) {
        Ok(text) => ([(header::CONTENT_TYPE, CONTENT_TYPE)], text).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}
