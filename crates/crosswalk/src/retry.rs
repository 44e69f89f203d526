//! When to try a request again, and how long to wait first.

use std::time::Duration;

/// Attempts per request, the first included.
pub const ATTEMPTS: u32 = 3;

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Retry(Duration),
    GiveUp,
}

/// What went wrong in one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The server answered with this status.
    Status(u16),
    /// The connection failed or timed out.
    Transport,
}

/// The retry table: 429, 5xx and transport errors are retried (3 attempts in all),
/// with exponential backoff from 200 ms, or the server's `Retry-After` (capped at 10 s).
/// Other statuses (404, 400, 401 …) are final.
pub fn verdict(outcome: Outcome, attempt: u32, retry_after: Option<Duration>) -> Verdict {
    if attempt >= ATTEMPTS {
        return Verdict::GiveUp;
    }
    let retryable = match outcome {
        Outcome::Status(s) => s == 429 || (500..=599).contains(&s),
        Outcome::Transport => true,
    };
    if !retryable {
        return Verdict::GiveUp;
    }
    let backoff = Duration::from_millis(200 * 4u64.pow(attempt - 1));
    Verdict::Retry(retry_after.map_or(backoff, |d| d.min(Duration::from_secs(10))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_retry_table() {
        let ms = Duration::from_millis;
        assert_eq!(verdict(Outcome::Status(500), 1, None), Verdict::Retry(ms(200)));
        assert_eq!(verdict(Outcome::Status(503), 2, None), Verdict::Retry(ms(800)));
        assert_eq!(verdict(Outcome::Status(503), 3, None), Verdict::GiveUp);
        assert_eq!(verdict(Outcome::Status(429), 1, Some(ms(1500))), Verdict::Retry(ms(1500)));
        assert_eq!(verdict(Outcome::Status(429), 1, Some(Duration::from_mins(10))), Verdict::Retry(ms(10_000)));
        assert_eq!(verdict(Outcome::Transport, 1, None), Verdict::Retry(ms(200)));
        for final_status in [400, 401, 403, 404, 410] {
            assert_eq!(verdict(Outcome::Status(final_status), 1, None), Verdict::GiveUp);
        }
    }
}
