//! The bucket, seen from the engine: one listing of `exports/` per poll covers every job,
//! small JSON reads, ranged streamed downloads, deletes.

use crate::error::ErrorCode;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use arke_export_contract::storage::StorageConfig;
use aws_sdk_s3::Client;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::presigning::PresigningConfig;
use serde::de::DeserializeOwned;

#[derive(Debug, Clone, thiserror::Error)]
pub enum R2Error {
    #[error("could not reach the bucket at {endpoint}: {reason}")]
    Unreachable { endpoint: String, reason: String },
    #[error("the bucket refused the R2 credentials ({0})")]
    Denied(String),
    #[error("bucket {0:?} does not exist")]
    NoBucket(String),
    #[error("the bucket answered: {0}")]
    Other(String),
    #[error("{key} is not what the worker writes: {reason}")]
    BadObject { key: String, reason: String },
    #[error("{0} was replaced in the bucket during the download")]
    Replaced(String),
}

impl R2Error {
    pub fn code(&self) -> ErrorCode {
        match self {
            R2Error::Unreachable { .. } => ErrorCode::R2Unreachable,
            R2Error::Denied(_) => ErrorCode::R2Denied,
            R2Error::NoBucket(_) => ErrorCode::R2NoBucket,
            R2Error::Other(_) | R2Error::Replaced(_) => ErrorCode::R2Error,
            R2Error::BadObject { .. } => ErrorCode::R2BadObject,
        }
    }
}

/// One object of a listing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ObjectInfo {
    pub size: u64,
    pub etag: String,
    /// When the bucket last wrote it (the server's clock), in ms since the epoch.
    pub last_modified_ms: Option<i64>,
}

/// An object's age by the bucket's own clock: when it was written, and the time the bucket answered
/// (both ms since the epoch, from `Last-Modified` and `Date`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerTimes {
    pub last_modified_ms: i64,
    pub now_ms: i64,
}

impl ServerTimes {
    /// How long ago, by the bucket's clock, the object was written (ms, never negative).
    pub fn age_ms(&self) -> i64 {
        self.now_ms.saturating_sub(self.last_modified_ms).max(0)
    }
}

/// Keys per DeleteObjects request (the S3 API's limit).
const DELETE_BATCH: usize = 1000;

/// An answer to [`R2Store::get_range`].
pub struct Ranged {
    pub body: BodyStream,
    /// The offset of the body's first byte in the object.
    pub start: u64,
    /// The object's size.
    pub total: u64,
    pub etag: Option<String>,
}

/// A download's body, chunk by chunk.
pub type BodyStream = std::pin::Pin<Box<dyn futures::Stream<Item = Result<bytes::Bytes, R2Error>> + Send>>;

/// The largest JSON object read (`result.json`, `progress.json`): 1 MiB holds thousands of failures;
/// a bigger one fails its job (`result_invalid`) and is never read whole.
pub const MAX_JSON_BYTES: usize = 1024 * 1024;

/// How long a download's presigned URL is valid (a resume signs a new one).
const PRESIGNED_FOR: std::time::Duration = std::time::Duration::from_mins(15);

fn download_client() -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(std::time::Duration::from_secs(10))
        .read_timeout(std::time::Duration::from_mins(1))
        .build()
        .expect("a plain HTTP client builds")
}

#[derive(Clone)]
pub struct R2Store {
    client: Client,
    /// Downloads (see [`R2Store::get_from`]).
    http: reqwest::Client,
    bucket: String,
    endpoint: String,
    /// Requests sent so far (a listing's pages are counted when it ends), and listings made (for the
    /// polling benchmark).
    requests: Arc<AtomicU64>,
    listings: Arc<AtomicU64>,
}

impl R2Store {
    pub fn new(config: &StorageConfig) -> R2Store {
        R2Store {
            client: arke_export_contract::storage::s3_client(config),
            http: download_client(),
            bucket: config.bucket.clone(),
            endpoint: config.endpoint.clone(),
            requests: Arc::default(),
            listings: Arc::default(),
        }
    }

    /// The same store with an HTTP client of its own, for a download on its own runtime (a pooled
    /// connection belongs to the runtime that opened it).
    #[must_use]
    pub fn for_download(&self) -> R2Store {
        R2Store { http: download_client(), ..self.clone() }
    }

    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Calls of [`R2Store::list`] (a listing may take several requests).
    pub fn listings(&self) -> u64 {
        self.listings.load(Ordering::Relaxed)
    }

    fn error<E: ProvideErrorMetadata + std::error::Error + 'static, R: std::fmt::Debug>(
        &self,
        e: SdkError<E, R>,
    ) -> R2Error {
        match &e {
            SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => {
                R2Error::Unreachable { endpoint: self.endpoint.clone(), reason: arke_export_contract::error_chain(&e) }
            }
            _ => match e.code() {
                Some("AccessDenied" | "InvalidAccessKeyId" | "SignatureDoesNotMatch") => {
                    R2Error::Denied(e.code().unwrap_or_default().to_owned())
                }
                Some("NoSuchBucket") => R2Error::NoBucket(self.bucket.clone()),
                Some(code) => R2Error::Other(format!("{code}: {}", e.message().unwrap_or(""))),
                None => R2Error::Other(e.to_string()),
            },
        }
    }

    /// Every object under `prefix`, by key (one request per 1,000 keys).
    pub async fn list(&self, prefix: &str) -> Result<HashMap<String, ObjectInfo>, R2Error> {
        let mut pages = 0;
        let listed = self.list_pages(prefix, &mut pages).await;
        // Counted when the listing is over, so a count taken between polls holds whole listings.
        self.requests.fetch_add(pages, Ordering::Relaxed);
        self.listings.fetch_add(1, Ordering::Relaxed);
        listed
    }

    async fn list_pages(&self, prefix: &str, pages: &mut u64) -> Result<HashMap<String, ObjectInfo>, R2Error> {
        let mut out = HashMap::new();
        let mut token: Option<String> = None;
        loop {
            *pages += 1;
            let page = self
                .client
                .list_objects_v2()
                .bucket(&self.bucket)
                .prefix(prefix)
                .set_continuation_token(token.take())
                .send()
                .await
                .map_err(|e| self.error(e))?;
            for o in page.contents() {
                if let Some(key) = o.key() {
                    out.insert(
                        key.to_owned(),
                        ObjectInfo {
                            size: o.size().unwrap_or(0).max(0) as u64,
                            etag: o.e_tag().unwrap_or("").to_owned(),
                            last_modified_ms: o.last_modified().and_then(|t| t.to_millis().ok()),
                        },
                    );
                }
            }
            match page.next_continuation_token() {
                Some(t) if page.is_truncated() == Some(true) => token = Some(t.to_owned()),
                _ => return Ok(out),
            }
        }
    }

    /// Reads a small JSON object (at most [`MAX_JSON_BYTES`]); `None` when it does not exist.
    pub async fn get_json<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, R2Error> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let resp = match self.client.get_object().bucket(&self.bucket).key(key).send().await {
            Ok(r) => r,
            Err(e)
                if e.as_service_error()
                    .is_some_and(aws_sdk_s3::operation::get_object::GetObjectError::is_no_such_key) =>
            {
                return Ok(None);
            }
            Err(e) => return Err(self.error(e)),
        };
        let too_large = || R2Error::BadObject {
            key: key.to_owned(),
            reason: format!("it is larger than {} MiB", MAX_JSON_BYTES >> 20),
        };
        if resp.content_length().is_some_and(|n| n > MAX_JSON_BYTES as i64) {
            return Err(too_large());
        }
        // Read up to the cap only, whatever the length announced.
        let (mut body, mut bytes) = (resp.body, Vec::new());
        while let Some(chunk) = body.next().await {
            bytes.extend_from_slice(&chunk.map_err(|e| R2Error::Other(e.to_string()))?);
            if bytes.len() > MAX_JSON_BYTES {
                return Err(too_large());
            }
        }
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| R2Error::BadObject { key: key.to_owned(), reason: e.to_string() })
    }

    /// Streams `key` from byte `from` on. Returns the stream and the object's total size (see
    /// [`R2Store::get_range`] for where the stream really starts).
    pub async fn get_from(&self, key: &str, from: u64) -> Result<(BodyStream, u64), R2Error> {
        let ranged = self.get_range(key, from, None).await?;
        Ok((ranged.body, ranged.total))
    }

    /// Streams `key` from byte `from` on (`Range`), only while it is still the object of `etag`
    /// (`If-Match`; a replaced object is [`R2Error::Replaced`]). The answer says where its body starts:
    /// 0 from a server that ignored the range (200), else the start of its `Content-Range` (206).
    ///
    /// A presigned GET sent with a plain HTTP client: the same request as `curl` on a presigned URL,
    /// and measurably faster than the SDK's own body stream for large objects. The URL (which carries
    /// a signature, never the secret) is not put in any error message.
    pub async fn get_range(&self, key: &str, from: u64, etag: Option<&str>) -> Result<Ranged, R2Error> {
        use futures::TryStreamExt;
        self.requests.fetch_add(1, Ordering::Relaxed);
        let config = PresigningConfig::expires_in(PRESIGNED_FOR).map_err(|e| R2Error::Other(e.to_string()))?;
        let signed = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .presigned(config)
            .await
            .map_err(|e| self.error(e))?;
        let mut req = self.http.get(signed.uri());
        for (name, value) in signed.headers() {
            req = req.header(name, value);
        }
        if from > 0 {
            req = req.header(reqwest::header::RANGE, format!("bytes={from}-"));
        }
        if let Some(etag) = etag {
            req = req.header(reqwest::header::IF_MATCH, etag);
        }
        let resp = req.send().await.map_err(|e| R2Error::Unreachable {
            endpoint: self.endpoint.clone(),
            reason: arke_export_contract::error_chain(&e.without_url()),
        })?;
        let status = resp.status().as_u16();
        if status == 412 {
            return Err(R2Error::Replaced(key.to_owned()));
        }
        if !matches!(status, 200 | 206) {
            // S3 errors are an XML document with a `Code` and a `Message`.
            // Read a bounded prefix only: an error body is never needed whole.
            let (mut resp, mut body) = (resp, Vec::new());
            while body.len() < 64 * 1024
                && let Ok(Some(chunk)) = resp.chunk().await
            {
                body.extend_from_slice(&chunk);
            }
            let text = String::from_utf8_lossy(&body);
            let field = |name: &str| {
                let open = format!("<{name}>");
                let start = text.find(&open)? + open.len();
                Some(text[start..].split('<').next()?.to_owned())
            };
            let code = field("Code").unwrap_or_else(|| format!("HTTP {status}"));
            return Err(match (status, code.as_str()) {
                (403, _) => R2Error::Denied(code),
                (404, _) | (_, "NoSuchKey") => R2Error::Other(format!("NoSuchKey: {key} is no longer in the bucket")),
                _ => R2Error::Other(format!("{code}: {}", field("Message").unwrap_or_default())),
            });
        }
        let header = |name| resp.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let (start, total) = if status == 206 {
            // `bytes START-END/TOTAL`
            let range = header(reqwest::header::CONTENT_RANGE).unwrap_or_default();
            let parsed = range.strip_prefix("bytes ").and_then(|r| r.split_once('/')).and_then(|(span, total)| {
                Some((span.split_once('-')?.0.parse::<u64>().ok()?, total.parse::<u64>().unwrap_or(0)))
            });
            parsed
                .ok_or_else(|| R2Error::Other(format!("a partial answer with no usable Content-Range ({range:?})")))?
        } else {
            (0, resp.content_length().unwrap_or(0))
        };
        let etag = header(reqwest::header::ETAG);
        let endpoint = self.endpoint.clone();
        let body = resp.bytes_stream().map_err(move |e| R2Error::Unreachable {
            endpoint: endpoint.clone(),
            reason: arke_export_contract::error_chain(&e.without_url()),
        });
        Ok(Ranged { body: Box::pin(body), start, total, etag })
    }

    /// Deletes every object under `prefix` (one listing, then one request per 1,000 keys).
    pub async fn delete_prefix(&self, prefix: &str) -> Result<(), R2Error> {
        let keys: Vec<String> = self.list(prefix).await?.into_keys().collect();
        self.delete_keys(&keys).await
    }

    /// Deletes these objects (one DeleteObjects request per 1,000 keys; a key already gone is fine).
    pub async fn delete_keys(&self, keys: &[String]) -> Result<(), R2Error> {
        use aws_sdk_s3::types::{Delete, ObjectIdentifier};
        for chunk in keys.chunks(DELETE_BATCH) {
            self.requests.fetch_add(1, Ordering::Relaxed);
            let objects = chunk
                .iter()
                .map(|k| ObjectIdentifier::builder().key(k).build().map_err(|e| R2Error::Other(e.to_string())))
                .collect::<Result<Vec<_>, _>>()?;
            let delete = Delete::builder()
                .set_objects(Some(objects))
                .quiet(true)
                .build()
                .map_err(|e| R2Error::Other(e.to_string()))?;
            let out = self
                .client
                .delete_objects()
                .bucket(&self.bucket)
                .delete(delete)
                .send()
                .await
                .map_err(|e| self.error(e))?;
            if let Some(failed) = out.errors().first() {
                let code = failed.code().unwrap_or("error");
                let key = failed.key().unwrap_or("?");
                return Err(R2Error::Other(format!("{code}: {key} (and {} more) not deleted", out.errors().len() - 1)));
            }
        }
        Ok(())
    }

    /// When `key` was written and what time it is, both by the bucket's clock (a HEAD request); `None`
    /// when the object is gone.
    pub async fn server_times(&self, key: &str) -> Result<Option<ServerTimes>, R2Error> {
        use aws_sdk_s3::primitives::{DateTime, DateTimeFormat};
        self.requests.fetch_add(1, Ordering::Relaxed);
        let config = PresigningConfig::expires_in(PRESIGNED_FOR).map_err(|e| R2Error::Other(e.to_string()))?;
        let signed = self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(key)
            .presigned(config)
            .await
            .map_err(|e| self.error(e))?;
        let mut req = self.http.head(signed.uri());
        for (name, value) in signed.headers() {
            req = req.header(name, value);
        }
        let resp = req.send().await.map_err(|e| R2Error::Unreachable {
            endpoint: self.endpoint.clone(),
            reason: arke_export_contract::error_chain(&e.without_url()),
        })?;
        match resp.status().as_u16() {
            200 => {}
            404 => return Ok(None),
            403 => return Err(R2Error::Denied(format!("HTTP 403 for {key}"))),
            status => return Err(R2Error::Other(format!("HTTP {status} for {key}"))),
        }
        let time = |name: reqwest::header::HeaderName| -> Result<i64, R2Error> {
            let text = resp.headers().get(&name).and_then(|v| v.to_str().ok()).unwrap_or_default();
            DateTime::from_str(text, DateTimeFormat::HttpDate)
                .ok()
                .and_then(|t| t.to_millis().ok())
                .ok_or_else(|| R2Error::Other(format!("the bucket's answer has no usable {name} ({text:?})")))
        };
        Ok(Some(ServerTimes {
            last_modified_ms: time(reqwest::header::LAST_MODIFIED)?,
            now_ms: time(reqwest::header::DATE)?,
        }))
    }

    /// Checks that the bucket exists and the credentials work.
    pub async fn check(&self) -> Result<(), R2Error> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        self.client.list_objects_v2().bucket(&self.bucket).max_keys(1).send().await.map_err(|e| self.error(e))?;
        Ok(())
    }
}
