//! Reading from the Arke API and the IPFS gateway: timeouts, retries, and a cap on requests in flight.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::Semaphore;

use crate::http::{Answer, HttpClient, HttpError, REQUEST_TIMEOUT};
use crate::model::Manifest;
use crate::retry::{self, Outcome, Verdict};
use arke_export_contract::env::SourceConfig;
use arke_export_contract::pi::Pi;

/// The most a single component may weigh; larger ones are skipped (treated as unreadable).
pub const MAX_COMPONENT_BYTES: usize = 32 * 1024 * 1024;

/// The most all of one record's components may weigh together (its `.ref.json` files with their OCR
/// text, pinax.json, description.md, cheimarros.json): a record over it fails, alone.
pub const MAX_RECORD_BYTES: usize = 64 * 1024 * 1024;

/// What one record may still read (see [`MAX_RECORD_BYTES`]); shared by its concurrent reads.
#[derive(Debug)]
pub struct RecordBudget(AtomicUsize);

impl RecordBudget {
    pub fn new(bytes: usize) -> RecordBudget {
        RecordBudget(AtomicUsize::new(bytes))
    }
    /// Takes `n` bytes; false (and nothing taken) when fewer are left.
    fn take(&self, n: usize) -> bool {
        self.0.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| left.checked_sub(n)).is_ok()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("{what}: the server answered {status}")]
    Status { what: String, status: u16 },
    #[error("{what}: {reason}")]
    Transport { what: String, reason: String },
    #[error("{what}: larger than {} MiB", MAX_COMPONENT_BYTES / 1024 / 1024)]
    TooLarge { what: String },
    #[error("{what}: the record's components together weigh more than {} MiB", MAX_RECORD_BYTES / 1024 / 1024)]
    RecordTooLarge { what: String },
    #[error("{what}: not a valid manifest ({reason})")]
    BadManifest { what: String, reason: String },
    #[error("component {0:?} is not a CID (base32 b… in lower case, or base58 Qm…); it was not requested")]
    BadCid(String),
}

/// True for a CID as manifests carry them: CIDv1 in base32 (`b` then `a-z2-7`) or CIDv0 in base58btc
/// (`Qm` and 44 more). Only such a string goes into a gateway URL: nothing in it can change the path
/// (`/`, `\`, `%2e%2e`, `?`, `#`).
pub fn valid_cid(cid: &str) -> bool {
    const BASE58: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    match cid.as_bytes() {
        [b'Q', b'm', rest @ ..] => rest.len() == 44 && rest.iter().all(|b| BASE58.contains(b)),
        [b'b', rest @ ..] => {
            (8..=128).contains(&rest.len()) && rest.iter().all(|b| matches!(b, b'a'..=b'z' | b'2'..=b'7'))
        }
        _ => false,
    }
}

/// A base URL in the ASCII form requests carry (an internationalised host name in Punycode), without
/// a trailing slash; unchanged when it does not parse (its requests then fail as a bad URL).
fn ascii_base(url: &str) -> String {
    reqwest::Url::parse(url).map_or_else(|_| url.to_owned(), |u| u.as_str().trim_end_matches('/').to_owned())
}

/// A client for the Arke API and gateway that never has more than `parallel` requests in flight.
#[derive(Clone)]
pub struct Source {
    http: HttpClient,
    /// As configured: what the records' links are written from (by the preview as by the worker).
    config: Arc<SourceConfig>,
    /// The API's and the gateway's base URLs as requests carry them ([`ascii_base`]).
    request_bases: Arc<(String, String)>,
    slots: Arc<Semaphore>,
    parallel: usize,
}

impl Source {
    pub fn new(config: SourceConfig, parallel: usize) -> Source {
        let request_bases = Arc::new((ascii_base(&config.api_url), ascii_base(&config.ipfs_gateway)));
        Source {
            http: HttpClient::new(parallel),
            config: Arc::new(config),
            request_bases,
            slots: Arc::new(Semaphore::new(parallel.max(1))),
            parallel: parallel.max(1),
        }
    }

    /// Requests this source lets be in flight at once.
    pub fn parallel(&self) -> usize {
        self.parallel
    }

    pub fn config(&self) -> &SourceConfig {
        &self.config
    }

    /// `GET {api}/entities/{pi}`.
    pub async fn manifest(&self, pi: &Pi) -> Result<Manifest, FetchError> {
        let url = format!("{}/entities/{pi}", self.request_bases.0);
        let body = self.get(&url, || format!("manifest of {pi}"), None).await?;
        serde_json::from_slice(&body)
            .map_err(|e| FetchError::BadManifest { what: format!("manifest of {pi}"), reason: e.to_string() })
    }

    /// `GET {gateway}/ipfs/{cid}`.
    pub async fn component(&self, cid: &str) -> Result<Bytes, FetchError> {
        self.component_within(cid, None).await
    }

    /// `GET {gateway}/ipfs/{cid}`, its bytes taken from `budget` (the record's).
    pub async fn component_within(&self, cid: &str, budget: Option<&RecordBudget>) -> Result<Bytes, FetchError> {
        if !valid_cid(cid) {
            let shown: String = cid.chars().take(80).collect();
            return Err(FetchError::BadCid(shown));
        }
        let url = format!("{}/ipfs/{cid}", self.request_bases.1);
        self.get(&url, || format!("component {cid}"), budget).await
    }

    /// `what` names the request in an error (built only when one is reported).
    async fn get(
        &self,
        url: &str,
        what: impl Fn() -> String,
        budget: Option<&RecordBudget>,
    ) -> Result<Bytes, FetchError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let (outcome, retry_after, error) = {
                let _slot = self.slots.acquire().await.expect("the semaphore is never closed");
                match tokio::time::timeout(REQUEST_TIMEOUT, self.attempt(url, &what, budget)).await {
                    Ok(Ok(body)) => return Ok(body),
                    Ok(Err(Attempt::Final(e))) => return Err(e),
                    Ok(Err(Attempt::Failed(outcome, retry_after, e))) => (outcome, retry_after, e),
                    Err(_) => (
                        Outcome::Transport,
                        None,
                        FetchError::Transport { what: what(), reason: HttpError::TimedOut.to_string() },
                    ),
                }
            };
            match retry::verdict(outcome, attempt, retry_after) {
                Verdict::Retry(wait) => {
                    tracing::debug!(%url, attempt, ?wait, "retrying");
                    tokio::time::sleep(wait).await;
                }
                Verdict::GiveUp => return Err(error),
            }
        }
    }

    /// One request and its body.
    async fn attempt(
        &self,
        url: &str,
        what: &impl Fn() -> String,
        budget: Option<&RecordBudget>,
    ) -> Result<Bytes, Attempt> {
        let resp = self.http.get(url).await.map_err(|e| {
            let permanent = matches!(e, HttpError::BadUrl | HttpError::TooManyRedirects);
            let error = FetchError::Transport { what: what(), reason: e.to_string() };
            if permanent { Attempt::Final(error) } else { Attempt::Failed(Outcome::Transport, None, error) }
        })?;
        if !resp.status.is_success() {
            let retry_after = resp.retry_after.map(Duration::from_secs);
            let status = resp.status.as_u16();
            return Err(Attempt::Failed(
                Outcome::Status(status),
                retry_after,
                FetchError::Status { what: what(), status },
            ));
        }
        match read_capped(resp, what, budget).await {
            Ok(body) => Ok(body),
            Err(e @ (FetchError::TooLarge { .. } | FetchError::RecordTooLarge { .. })) => Err(Attempt::Final(e)),
            Err(e) => Err(Attempt::Failed(Outcome::Transport, None, e)),
        }
    }
}

/// How one attempt failed: for good, or in a way the retry table judges.
enum Attempt {
    Final(FetchError),
    Failed(Outcome, Option<Duration>, FetchError),
}

async fn read_capped(
    mut resp: Answer,
    what: &impl Fn() -> String,
    budget: Option<&RecordBudget>,
) -> Result<Bytes, FetchError> {
    if resp.content_length.is_some_and(|n| n > MAX_COMPONENT_BYTES as u64) {
        return Err(FetchError::TooLarge { what: what() });
    }
    // What this read takes from the record's budget is given back unless the read ends in success or
    // in a size error, also when the read is dropped (its attempt timed out): a retry takes it again.
    // A component cut off as too large keeps what it took: that is what it made the machine download,
    // and the budget caps what one record's manifest can make it download.
    let mut taken = Taken { budget, bytes: 0, kept: false };
    let result = read_body(&mut resp, what, &mut taken).await;
    taken.kept = matches!(result, Ok(_) | Err(FetchError::TooLarge { .. } | FetchError::RecordTooLarge { .. }));
    result
}

/// Bytes one read took from its record's budget; given back when dropped, unless kept.
struct Taken<'a> {
    budget: Option<&'a RecordBudget>,
    bytes: usize,
    kept: bool,
}

impl Taken<'_> {
    /// Takes `n` more bytes; false (nothing taken) when the budget has fewer left.
    fn take(&mut self, n: usize) -> bool {
        let Some(budget) = self.budget else { return true };
        if !budget.take(n) {
            return false;
        }
        self.bytes += n;
        true
    }
}

impl Drop for Taken<'_> {
    fn drop(&mut self) {
        if let (false, Some(budget)) = (self.kept, self.budget) {
            budget.0.fetch_add(self.bytes, Ordering::Relaxed);
        }
    }
}

async fn read_body(body: &mut Answer, what: &impl Fn() -> String, taken: &mut Taken<'_>) -> Result<Bytes, FetchError> {
    // Most answers come in one piece: that piece is returned as it is, without a copy.
    let mut first: Option<Bytes> = None;
    let mut buf = bytes::BytesMut::new();
    loop {
        match body.next_chunk().await {
            Ok(Some(chunk)) => {
                let have = first.as_ref().map_or(0, Bytes::len) + buf.len();
                if have + chunk.len() > MAX_COMPONENT_BYTES {
                    return Err(FetchError::TooLarge { what: what() });
                }
                if !taken.take(chunk.len()) {
                    return Err(FetchError::RecordTooLarge { what: what() });
                }
                match first.take() {
                    None if buf.is_empty() => first = Some(chunk),
                    earlier => {
                        if let Some(earlier) = earlier {
                            buf.extend_from_slice(&earlier);
                        }
                        buf.extend_from_slice(&chunk);
                    }
                }
            }
            Ok(None) => return Ok(first.unwrap_or_else(|| buf.freeze())),
            Err(e) => return Err(FetchError::Transport { what: what(), reason: e.to_string() }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{RecordBudget, SourceConfig, Taken, ascii_base, valid_cid};

    #[test]
    fn a_read_that_fails_or_is_dropped_gives_its_bytes_back() {
        let budget = RecordBudget::new(100);
        {
            let mut dropped = Taken { budget: Some(&budget), bytes: 0, kept: false };
            assert!(dropped.take(60));
            assert!(!dropped.take(60), "more than is left");
        }
        let mut kept = Taken { budget: Some(&budget), bytes: 0, kept: false };
        assert!(kept.take(100), "the dropped read gave its 60 bytes back");
        kept.kept = true;
        drop(kept);
        assert!(!budget.take(1), "a kept read keeps its bytes");
    }

    #[test]
    fn base_urls_are_sent_in_ascii() {
        assert_eq!(ascii_base("https://архив.example/api/"), "https://xn--80aer5aza.example/api");
        assert_eq!(ascii_base("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
        assert_eq!(ascii_base("not a url"), "not a url");
        // The links written into records stay as configured (the worker writes them from its
        // configuration; the preview from this source's).
        let configured = SourceConfig {
            api_url: "https://архив.example".into(),
            ipfs_gateway: "HTTPS://Gw.example:443".into(),
        };
        let source = super::Source::new(configured.clone(), 2);
        assert_eq!(
            (source.config().api_url.as_str(), source.config().ipfs_gateway.as_str()),
            (configured.api_url.as_str(), configured.ipfs_gateway.as_str())
        );
        assert_eq!(source.request_bases.1, "https://gw.example");
    }

    #[test]
    fn only_a_cid_goes_into_a_gateway_url() {
        for ok in [
            "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy",
            "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi",
            "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG",
        ] {
            assert!(valid_cid(ok), "{ok}");
        }
        for bad in [
            "",
            "b",
            "bafy\\..\\x",
            "bafy%2e%2e%2fapi",
            "bafkrei/../../api/keys",
            "BAFKREIGH2AKISCAILDCQABSYG3DFR6CHU3FGPREGIYMSCK7E7AQA4S52ZY",
            "bafkrei1890",
            "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbd0",
            "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdGx",
            "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy?x=1",
            "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy#f",
            "bafkrei gh2",
        ] {
            assert!(!valid_cid(bad), "{bad}");
        }
    }
}
