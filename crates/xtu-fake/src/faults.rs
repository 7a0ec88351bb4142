//! Faults of the network and of the servers, injected in front of the fake's
//! handlers: what the campus network and XTU's proxies do on a bad day.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};

use crate::{FakeState, System, lock};

/// One misbehaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Answer normally, this much later.
    Latency(Duration),
    /// Drop the connection without answering (a reset or a dying proxy).
    Reset,
    /// Never answer: only the client's timeout ends the request.
    Hang,
    /// `502 Bad Gateway`, as a campus proxy answers when XTU is down.
    BadGateway,
    /// Send the status, the headers and half of the body, then drop the
    /// connection (an empty body: drop it at once).
    TruncatedBody,
    /// Redirect to the very same URL, forever.
    RedirectLoop,
    /// Say nothing for this long, then drop the connection: a Wi-Fi link
    /// that stalls and a middlebox that gives up on it.
    Stall(Duration),
}

/// How long a stalled request of the `FailureProfile` hangs before its
/// connection is dropped. Long enough to feel like a stall and to cost a
/// client real time; shorter than any sensible client timeout (the CLI's is
/// 30 s), so the client sees the connection reset, as campus Wi-Fi usually
/// ends a stall, and a client with a shorter timeout sees a timeout.
pub const STALL: Duration = Duration::from_secs(2);

/// A flaky network in front of both systems: each request fails with
/// probability `rate`, half of the failures a `502` from a gateway, half a
/// [`Fault::Stall`] of [`STALL`]. Drawn from a seeded generator, so a run can
/// be repeated (as far as the clients send the same requests in the same
/// order).
pub(crate) struct FailureProfile {
    rate: f64,
    rng: Mutex<StdRng>,
}

impl FailureProfile {
    pub(crate) fn new(rate: f64, seed: u64) -> Self {
        Self {
            rate: rate.clamp(0.0, 1.0),
            rng: Mutex::new(StdRng::seed_from_u64(seed)),
        }
    }

    /// The fault, if any, for the next request.
    fn draw(&self) -> Option<Fault> {
        let mut rng = lock(&self.rng);
        if !rng.random_bool(self.rate) {
            return None;
        }
        Some(if rng.random_bool(0.5) {
            Fault::BadGateway
        } else {
            Fault::Stall(STALL)
        })
    }
}

/// Which requests a fault hits, and how many times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultRule {
    system: System,
    fault: Fault,
    method: Option<String>,
    path: Option<String>,
    query_contains: Option<String>,
    /// `None`: every matching request.
    times: Option<u32>,
}

impl FaultRule {
    /// `fault` on every request to `system`, until [`FaultRule::times`] says otherwise.
    pub fn new(system: System, fault: Fault) -> Self {
        Self {
            system,
            fault,
            method: None,
            path: None,
            query_contains: None,
            times: None,
        }
    }

    /// Only requests with this method (`GET`, `POST`).
    pub fn method(mut self, method: &str) -> Self {
        self.method = Some(method.to_owned());
        self
    }

    /// Only requests to this exact path (no query).
    pub fn path(mut self, path: &str) -> Self {
        self.path = Some(path.to_owned());
        self
    }

    /// Only requests whose query string contains `text` (e.g. `ticket=`).
    pub fn query_contains(mut self, text: &str) -> Self {
        self.query_contains = Some(text.to_owned());
        self
    }

    /// Only the next `n` matching requests.
    pub fn times(mut self, n: u32) -> Self {
        self.times = Some(n);
        self
    }

    fn matches(&self, system: System, request: &Request) -> bool {
        self.system == system
            && self.times != Some(0)
            && self
                .method
                .as_deref()
                .is_none_or(|m| request.method().as_str() == m)
            && self
                .path
                .as_deref()
                .is_none_or(|p| request.uri().path() == p)
            && self
                .query_contains
                .as_deref()
                .is_none_or(|q| request.uri().query().is_some_and(|query| query.contains(q)))
    }
}

/// What hits a request: the sum of the matching latencies, and the first
/// matching other fault. Each rule used is used up by one.
fn take_faults(state: &FakeState, system: System, request: &Request) -> (Duration, Option<Fault>) {
    let mut rules = lock(&state.faults);
    let mut delay = Duration::ZERO;
    let mut fault = None;
    for rule in rules
        .iter_mut()
        .filter(|rule| rule.matches(system, request))
    {
        match rule.fault {
            Fault::Latency(d) => delay += d,
            _ if fault.is_some() => continue,
            other => fault = Some(other),
        }
        if let Some(times) = &mut rule.times {
            *times -= 1;
        }
    }
    (delay, fault)
}

/// Drops the connection: unwinding out of the service makes hyper's
/// connection task end without a response. `resume_unwind` skips the panic
/// hook, so nothing is printed; the server keeps accepting connections.
fn drop_connection() -> ! {
    std::panic::resume_unwind(Box::new("fake: connection dropped on purpose"))
}

pub(crate) async fn inject(
    State((state, system)): State<(Arc<FakeState>, System)>,
    request: Request,
    next: Next,
) -> Response {
    let (delay, mut fault) = take_faults(&state, system, &request);
    if fault.is_none() {
        fault = state.failures.as_ref().and_then(FailureProfile::draw);
    }
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    match fault {
        None | Some(Fault::Latency(_)) => next.run(request).await,
        Some(Fault::Reset) => drop_connection(),
        Some(Fault::Hang) => std::future::pending().await,
        Some(Fault::Stall(stall)) => {
            tokio::time::sleep(stall).await;
            drop_connection()
        }
        Some(Fault::BadGateway) => (
            StatusCode::BAD_GATEWAY,
            [(header::CONTENT_TYPE, "text/html")],
            "<html><body><h1>502 Bad Gateway</h1></body></html>",
        )
            .into_response(),
        Some(Fault::RedirectLoop) => {
            let target = request
                .uri()
                .path_and_query()
                .map_or("/", |pq| pq.as_str())
                .to_owned();
            crate::redirect(&target)
        }
        Some(Fault::TruncatedBody) => truncate(next.run(request).await).await,
    }
}

/// The response with its full length announced and half of it sent.
async fn truncate(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        drop_connection()
    };
    // Nothing to cut (a redirect): whether hyper flushes the headers before
    // the body fails is its business, so drop the connection outright.
    if bytes.is_empty() {
        drop_connection();
    }
    let full = bytes.len();
    let half = bytes.slice(..full / 2);
    parts.headers.remove(header::TRANSFER_ENCODING);
    parts
        .headers
        .insert(header::CONTENT_LENGTH, HeaderValue::from(full));
    let stream = futures_util::stream::iter([
        Ok::<_, std::io::Error>(half),
        Err(std::io::Error::other("fake: body cut short on purpose")),
    ]);
    Response::from_parts(parts, Body::from_stream(stream))
}

impl crate::FakeXtu {
    /// Adds a fault rule; rules are tried in the order added.
    pub fn inject(&self, rule: FaultRule) {
        lock(&self.state().faults).push(rule);
    }

    /// Every request to both systems answers `delay` later (latencies add up
    /// and combine with any other fault).
    pub fn add_latency(&self, delay: Duration) {
        for system in [System::Sso, System::Ems] {
            self.inject(FaultRule::new(system, Fault::Latency(delay)));
        }
    }

    /// Removes every fault rule.
    pub fn clear_faults(&self) {
        lock(&self.state().faults).clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draws(rate: f64, seed: u64) -> Vec<Option<Fault>> {
        let profile = FailureProfile::new(rate, seed);
        (0..10_000).map(|_| profile.draw()).collect()
    }

    #[test]
    fn the_profile_fails_its_share_half_and_half_repeatably() {
        let draws = draws(0.2, 7);
        let count = |fault: Fault| draws.iter().filter(|d| **d == Some(fault)).count();
        let (gateway, stall) = (count(Fault::BadGateway), count(Fault::Stall(STALL)));
        assert_eq!(
            gateway + stall + draws.iter().filter(|d| d.is_none()).count(),
            10_000
        );
        // Seeded: exact figures, so the bounds never flake.
        assert!(
            (1800..2200).contains(&(gateway + stall)),
            "{gateway} + {stall}"
        );
        assert!(gateway.abs_diff(stall) < 200, "{gateway} vs {stall}");
        assert_eq!(
            draws,
            self::draws(0.2, 7),
            "the same seed, the same failures"
        );
        assert_ne!(draws, self::draws(0.2, 8));
        assert!(self::draws(0.0, 1).iter().all(Option::is_none));
        assert!(self::draws(1.0, 1).iter().all(Option::is_some));
    }
}
