//! Fly's published rate limits, per app and kind of call, as token buckets. The sandbox enforces
//! them (answering 429); the engine's client paces itself with the same buckets.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Create: 1 request/s, burst 3.
    Create,
    /// Get, list, wait, events: 5 requests/s, burst 10.
    Get,
    /// Stop, delete and the rest: not limited here.
    Other,
}

impl Action {
    fn rate(self) -> Option<(f64, f64)> {
        match self {
            Action::Create => Some((1.0, 3.0)),
            Action::Get => Some((5.0, 10.0)),
            Action::Other => None,
        }
    }
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Token buckets keyed by (app, action).
#[derive(Debug, Default)]
pub struct RateLimits {
    buckets: Mutex<HashMap<(String, Action), Bucket>>,
}

impl RateLimits {
    /// Takes one token, or says how long until one is available.
    pub fn check(&self, app: &str, action: Action) -> Result<(), Duration> {
        let Some((per_second, burst)) = action.rate() else { return Ok(()) };
        let mut buckets = self.buckets.lock().expect("rate limit table");
        let now = Instant::now();
        let b = buckets.entry((app.to_owned(), action)).or_insert(Bucket { tokens: burst, at: now });
        b.tokens = (b.tokens + now.duration_since(b.at).as_secs_f64() * per_second).min(burst);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - b.tokens) / per_second))
        }
    }
}

impl RateLimits {
    /// Waits until a token is available, then takes it.
    pub async fn acquire(&self, app: &str, action: Action) {
        while let Err(wait) = self.check(app, action) {
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_allows_a_burst_of_three_then_waits_a_second() {
        let limits = RateLimits::default();
        for _ in 0..3 {
            assert!(limits.check("app", Action::Create).is_ok());
        }
        let wait = limits.check("app", Action::Create).unwrap_err();
        assert!(wait > Duration::from_millis(900) && wait <= Duration::from_secs(1), "{wait:?}");
        assert!(limits.check("other-app", Action::Create).is_ok(), "limits are per app");
        for _ in 0..10 {
            assert!(limits.check("app", Action::Get).is_ok());
        }
        assert!(limits.check("app", Action::Get).is_err());
        assert!(limits.check("app", Action::Other).is_ok());
    }
}
