//! Per-caller token buckets.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

/// Token-bucket limiter keyed by caller name; burst equals the per-second rate.
#[derive(Debug, Default)]
pub struct RateLimiter {
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl RateLimiter {
    /// Takes one token for `caller`, or returns the whole seconds to wait (for `Retry-After`).
    pub fn check(&self, caller: &str, rate_per_s: u32) -> Result<(), u64> {
        self.check_at(caller, rate_per_s, Instant::now())
    }

    /// [`RateLimiter::check`] at a given instant (deterministic tests).
    pub fn check_at(&self, caller: &str, rate_per_s: u32, now: Instant) -> Result<(), u64> {
        let rate = f64::from(rate_per_s.max(1));
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let bucket = buckets.entry(caller.to_owned()).or_insert(Bucket {
            tokens: rate,
            last: now,
        });
        let elapsed = now.saturating_duration_since(bucket.last).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate).min(rate);
        bucket.last = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            let wait = (1.0 - bucket.tokens) / rate;
            Err(wait.ceil().max(1.0) as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn burst_then_refill() {
        let l = RateLimiter::default();
        let t0 = Instant::now();
        assert!(l.check_at("a", 2, t0).is_ok());
        assert!(l.check_at("a", 2, t0).is_ok());
        assert_eq!(l.check_at("a", 2, t0), Err(1));
        assert!(l.check_at("b", 2, t0).is_ok());
        assert!(l.check_at("a", 2, t0 + Duration::from_millis(600)).is_ok());
    }
}
