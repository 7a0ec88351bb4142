//! One retry schedule for every loop in the workspace that tries again.
//!
//! A [`Policy`] says how many times to try (or for how long), how long to
//! wait before each new try (a first wait that grows by a factor, up to a
//! cap), and whether each wait gets a random part so that clients failing
//! together do not retry together. The caller says, for each failure, what
//! it allows: stop, retry, or retry after the wait the server asked for (an
//! HTTP `Retry-After`), with a [`Decision`]. [`Policy::run`] runs an async
//! operation under it (tokio's timer), [`Policy::run_blocking`] a blocking
//! one (the thread sleeps).
//!
//! The users: the single sign-on's and the academic system's HTTP reads
//! (`xtu-sso`, `xtu-ems`, `xtu-grad`), the status API client's calls
//! (`ustc-status`, with `Retry-After`), the watcher's webhook deliveries
//! (`xtu-app`) and the Windows replace of an open file (`xtu-sso`'s private
//! file writer, with a time budget).
//!
//! ```
//! use std::time::Duration;
//! use retry_policy::{Decision, Policy};
//!
//! // Three tries in all: waits of 200 ms and 400 ms, each plus up to half.
//! const READS: Policy = Policy::tries(3, Duration::from_millis(200)).jittered();
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let mut answers = vec![Ok("page"), Err("timed out")];
//! let page = READS
//!     .run(
//!         |_attempt| std::future::ready(answers.pop().expect("two answers")),
//!         |_error| Decision::Retry,
//!     )
//!     .await;
//! assert_eq!(page, Ok("page"));
//! # }
//! ```

use std::future::Future;
use std::time::{Duration, Instant};

/// What a failed try allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// The failure will not pass by trying again (or trying again could do
    /// harm): return it.
    Stop,
    /// Try again after the policy's next wait.
    Retry,
    /// Try again after exactly this wait, which the server asked for. A wait
    /// longer than the policy's cap stops instead: trying earlier would only
    /// be refused again and adds to the load the server asked to shed.
    RetryAfter(Duration),
}

/// How long a policy keeps trying.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Limit {
    /// This many tries in all (at least one).
    Tries(u32),
    /// Tries while less than this has passed since the first one started.
    Within(Duration),
}

/// A retry schedule. Built in a `const` from [`Policy::tries`] or
/// [`Policy::within`] and adjusted with [`Policy::factor`], [`Policy::cap`]
/// and [`Policy::jittered`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    limit: Limit,
    first_wait: Duration,
    factor: u32,
    cap: Duration,
    jitter: bool,
}

impl Policy {
    /// `tries` tries in all (0 counts as 1), the first retry after
    /// `first_wait`, each next wait twice the one before; no cap, no jitter.
    pub const fn tries(tries: u32, first_wait: Duration) -> Policy {
        Policy {
            limit: Limit::Tries(if tries == 0 { 1 } else { tries }),
            first_wait,
            factor: 2,
            cap: Duration::MAX,
            jitter: false,
        }
    }

    /// Tries again while less than `budget` has passed since the first try
    /// started (the last wait may end after it), the first retry after
    /// `first_wait`, each next wait twice the one before; no cap, no jitter.
    pub const fn within(budget: Duration, first_wait: Duration) -> Policy {
        Policy {
            limit: Limit::Within(budget),
            first_wait,
            factor: 2,
            cap: Duration::MAX,
            jitter: false,
        }
    }

    /// Each wait is `factor` times the one before (0 counts as 1: equal waits).
    pub const fn factor(self, factor: u32) -> Policy {
        Policy {
            factor: if factor == 0 { 1 } else { factor },
            ..self
        }
    }

    /// No wait of the schedule grows past `cap`, and a server asking for a
    /// longer one ([`Decision::RetryAfter`]) is not retried.
    pub const fn cap(self, cap: Duration) -> Policy {
        Policy { cap, ..self }
    }

    /// Each wait of the schedule gets a random part of up to half of it
    /// ([`jittered`]). A wait a server asked for is kept exact.
    pub const fn jittered(self) -> Policy {
        Policy {
            jitter: true,
            ..self
        }
    }

    /// The number of tries in all, for a policy limited by a count.
    pub const fn max_tries(&self) -> Option<u32> {
        match self.limit {
            Limit::Tries(n) => Some(n),
            Limit::Within(_) => None,
        }
    }

    /// The wait before retry number `retry` (1: the wait after the first
    /// try), before any jitter.
    pub fn base_wait(&self, retry: u32) -> Duration {
        let steps = retry.saturating_sub(1);
        let growth = self.factor.checked_pow(steps).unwrap_or(u32::MAX);
        self.first_wait.saturating_mul(growth).min(self.cap)
    }

    /// A schedule's state, started now: ask it for each wait in turn.
    pub fn start(&self) -> Schedule {
        Schedule {
            policy: *self,
            started: Instant::now(),
            tries: 1,
        }
    }

    /// Runs `operation` (given the number of its try, from 1) until it
    /// succeeds, `decide` says [`Decision::Stop`] for its error, or the
    /// policy is spent; then returns its last result.
    pub async fn run<T, E, Fut>(
        &self,
        mut operation: impl FnMut(u32) -> Fut,
        decide: impl Fn(&E) -> Decision,
    ) -> Result<T, E>
    where
        Fut: Future<Output = Result<T, E>>,
    {
        let mut schedule = self.start();
        loop {
            match operation(schedule.tries).await {
                Err(error) => match schedule.next_wait(decide(&error)) {
                    Some(wait) => tokio::time::sleep(wait).await,
                    None => return Err(error),
                },
                done => return done,
            }
        }
    }

    /// [`Policy::run`] for a blocking operation: the thread sleeps between
    /// tries. Never call it on an async runtime's thread.
    pub fn run_blocking<T, E>(
        &self,
        mut operation: impl FnMut(u32) -> Result<T, E>,
        decide: impl Fn(&E) -> Decision,
    ) -> Result<T, E> {
        let mut schedule = self.start();
        loop {
            match operation(schedule.tries) {
                Err(error) => match schedule.next_wait(decide(&error)) {
                    Some(wait) => std::thread::sleep(wait),
                    None => return Err(error),
                },
                done => return done,
            }
        }
    }
}

/// A [`Policy`] under way: how many tries were made and when the first
/// started. For loops that cannot hand their operation to [`Policy::run`]
/// (one whose waits must also watch for Ctrl-C, say).
#[derive(Debug, Clone)]
pub struct Schedule {
    policy: Policy,
    started: Instant,
    /// Tries made so far, counting the one whose failure is being decided.
    tries: u32,
}

impl Schedule {
    /// The number of the try under way (1 for the first).
    pub fn tries(&self) -> u32 {
        self.tries
    }

    /// After a failed try, how long to wait before the next one; `None`:
    /// stop, the failure stands (the decision says so, or the policy is
    /// spent). Counts the next try.
    pub fn next_wait(&mut self, decision: Decision) -> Option<Duration> {
        let spent = match self.policy.limit {
            Limit::Tries(n) => self.tries >= n,
            Limit::Within(budget) => self.started.elapsed() >= budget,
        };
        let wait = match decision {
            Decision::Stop => return None,
            _ if spent => return None,
            Decision::RetryAfter(asked) if asked > self.policy.cap => return None,
            Decision::RetryAfter(asked) => asked,
            Decision::Retry if self.policy.jitter => jittered(self.policy.base_wait(self.tries)),
            Decision::Retry => self.policy.base_wait(self.tries),
        };
        self.tries += 1;
        Some(wait)
    }
}

/// `wait` plus a random part of up to half of it: the jitter of every
/// jittered wait in the workspace (retries and the watcher's checks).
pub fn jittered(wait: Duration) -> Duration {
    wait + (wait / 2).mul_f64(rand::random::<f64>())
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    fn waits(policy: Policy, decision: Decision) -> Vec<Duration> {
        let mut schedule = policy.start();
        std::iter::from_fn(|| schedule.next_wait(decision)).collect()
    }

    #[test]
    fn a_count_limits_the_tries_and_the_waits_grow_by_the_factor() {
        assert_eq!(
            waits(Policy::tries(3, 200 * MS), Decision::Retry),
            [200 * MS, 400 * MS]
        );
        assert_eq!(
            waits(Policy::tries(3, 200 * MS).factor(3), Decision::Retry),
            [200 * MS, 600 * MS]
        );
        assert_eq!(
            waits(Policy::tries(5, 100 * MS).cap(300 * MS), Decision::Retry),
            [100 * MS, 200 * MS, 300 * MS, 300 * MS]
        );
        assert_eq!(waits(Policy::tries(1, MS), Decision::Retry), []);
        assert_eq!(Policy::tries(0, MS).max_tries(), Some(1));
        assert_eq!(Policy::within(MS, MS).max_tries(), None);
    }

    #[test]
    fn stop_stops_even_with_tries_left() {
        assert_eq!(waits(Policy::tries(3, MS), Decision::Stop), []);
    }

    #[test]
    fn a_servers_wait_is_kept_exact_unless_it_is_past_the_cap() {
        let policy = Policy::tries(3, MS).cap(10 * MS).jittered();
        assert_eq!(
            waits(policy, Decision::RetryAfter(7 * MS)),
            [7 * MS, 7 * MS]
        );
        assert_eq!(waits(policy, Decision::RetryAfter(11 * MS)), []);
    }

    #[test]
    fn jitter_adds_up_to_half_and_varies() {
        let policy = Policy::tries(200, 100 * MS).factor(1).jittered();
        let drawn = waits(policy, Decision::Retry);
        assert_eq!(drawn.len(), 199);
        assert!(
            drawn.iter().all(|w| *w >= 100 * MS && *w <= 150 * MS),
            "{drawn:?}"
        );
        assert!(drawn.iter().any(|w| *w != drawn[0]), "{drawn:?}");
        assert_eq!(jittered(Duration::ZERO), Duration::ZERO);
    }

    #[test]
    fn huge_growth_saturates_at_the_cap() {
        let policy = Policy::tries(100, Duration::from_secs(1)).cap(Duration::from_secs(60));
        assert_eq!(policy.base_wait(90), Duration::from_secs(60));
        // Without a cap the growth stops at u32::MAX times the first wait.
        assert_eq!(Policy::tries(100, MS).base_wait(90), MS * u32::MAX);
    }

    #[test]
    fn a_time_budget_stops_once_spent() {
        let policy = Policy::within(30 * MS, MS).factor(1);
        let mut tries = 0;
        let started = Instant::now();
        let result: Result<(), &str> = policy.run_blocking(
            |_| {
                tries += 1;
                Err("busy")
            },
            |_| Decision::Retry,
        );
        assert_eq!(result, Err("busy"));
        // At least the budget passed, and it kept trying through it.
        assert!(started.elapsed() >= 30 * MS);
        assert!(tries >= 2, "{tries}");
    }

    #[tokio::test]
    async fn run_passes_the_try_number_and_returns_the_last_error() {
        let mut seen = Vec::new();
        let result: Result<(), u32> = Policy::tries(3, MS)
            .run(
                |attempt| {
                    seen.push(attempt);
                    std::future::ready(Err(attempt))
                },
                |_| Decision::Retry,
            )
            .await;
        assert_eq!(result, Err(3));
        assert_eq!(seen, [1, 2, 3]);
    }

    #[tokio::test]
    async fn run_returns_the_first_success() {
        let mut answers = vec![Ok(7), Err("lost"), Err("lost")];
        let result = Policy::tries(5, MS)
            .run(
                |_| std::future::ready(answers.remove(answers.len() - 1)),
                |_| Decision::Retry,
            )
            .await;
        assert_eq!(result, Ok(7));
        assert!(answers.is_empty());
    }
}

/// The README's example, compiled and run with the doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeExample;
