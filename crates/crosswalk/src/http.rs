//! A lean HTTP/1.1 GET client for the Arke API and the IPFS gateway (HTTPS through rustls with the
//! webpki roots, or plain HTTP), built on hyper's pooled client.
//!
//! Why not reqwest here: a record costs three to five small GETs, and reqwest's per-request layers
//! (URL parsing with IDNA, redirect and retry services, header maps) cost as much CPU as reading and
//! describing the record (profiled in the worker's `export_end_to_end` bench). This client takes a
//! URL the configuration already checked, sends `GET` with two headers, follows at most
//! [`MAX_REDIRECTS`] redirects; the caller bounds each request — redirects and body included — by
//! [`REQUEST_TIMEOUT`] and reads the body (see `source::read_capped`).
//!
//! Behind a proxy (`HTTP_PROXY`, `HTTPS_PROXY` or `ALL_PROXY` set, as on an archivist's office
//! network) requests go through reqwest instead, which honours those variables and `NO_PROXY`: the
//! desktop app's previews use this client too. A Fly machine has no proxy.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, LOCATION, USER_AGENT};
use hyper::{Request, Response, StatusCode, Uri};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};

/// Connecting (DNS, TCP and TLS) may take this long.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// One request, from sending it to the last byte of its body, may take this long.
pub const REQUEST_TIMEOUT: Duration = Duration::from_mins(1);
/// Redirects followed for one request, at most.
pub const MAX_REDIRECTS: usize = 5;

/// The redirects followed (as reqwest follows them); any other answer is returned as it is.
const FOLLOWED: [StatusCode; 5] = [
    StatusCode::MOVED_PERMANENTLY,
    StatusCode::FOUND,
    StatusCode::SEE_OTHER,
    StatusCode::TEMPORARY_REDIRECT,
    StatusCode::PERMANENT_REDIRECT,
];

/// Why a request got no answer.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("timed out")]
    TimedOut,
    /// The connection failed, or (`true`) did not complete within [`CONNECT_TIMEOUT`].
    #[error("could not connect{}", if *.0 { " (timed out)" } else { "" })]
    Connect(bool),
    #[error("not a usable URL")]
    BadUrl,
    #[error("more than {MAX_REDIRECTS} redirects")]
    TooManyRedirects,
    #[error("{0}")]
    Other(String),
}

/// A pooled client; cheap to clone.
#[derive(Clone)]
pub struct HttpClient {
    backend: Backend,
    user_agent: HeaderValue,
}

#[derive(Clone)]
enum Backend {
    Direct(Box<Direct>),
    Proxied(reqwest::Client),
}

type Direct = Client<TimedConnect, Empty<Bytes>>;

/// The reason a connection that took longer than [`CONNECT_TIMEOUT`] fails with.
const CONNECT_TIMED_OUT: &str = "connecting timed out";

/// The connector, each connection — DNS, TCP and TLS together — bounded by [`CONNECT_TIMEOUT`] (also
/// one the pool finishes in the background after its request was served by another connection).
#[derive(Clone)]
struct TimedConnect(HttpsConnector<HttpConnector>);

type Connection = hyper_rustls::MaybeHttpsStream<TokioIo<tokio::net::TcpStream>>;
type Connecting = std::pin::Pin<Box<dyn Future<Output = Result<Connection, BoxError>> + Send>>;
type BoxError = Box<dyn std::error::Error + Send + Sync>;

impl tower_service::Service<Uri> for TimedConnect {
    type Response = Connection;
    type Error = BoxError;
    type Future = Connecting;

    fn poll_ready(&mut self, cx: &mut std::task::Context<'_>) -> std::task::Poll<Result<(), BoxError>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, uri: Uri) -> Connecting {
        let connecting = self.0.call(uri);
        Box::pin(async move {
            match tokio::time::timeout(CONNECT_TIMEOUT, connecting).await {
                Ok(connected) => connected,
                Err(_) => Err(CONNECT_TIMED_OUT.into()),
            }
        })
    }
}

/// An answer's status and headers; its body still to read, with [`Answer::next_chunk`].
pub struct Answer {
    pub status: StatusCode,
    /// `Retry-After` in seconds, when the server gave one.
    pub retry_after: Option<u64>,
    /// `Content-Length`, when the server declared one.
    pub content_length: Option<u64>,
    body: AnswerBody,
}

enum AnswerBody {
    Direct(Incoming),
    Proxied(reqwest::Response),
}

/// Variables that name a proxy (reqwest reads the same ones).
const PROXY_VARIABLES: [&str; 6] = ["HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"];

impl HttpClient {
    /// A client that keeps up to `idle_per_host` connections open per host between requests.
    pub fn new(idle_per_host: usize) -> HttpClient {
        let user_agent = HeaderValue::from_static(concat!("arke-export/", env!("CARGO_PKG_VERSION")));
        let proxied = PROXY_VARIABLES.iter().any(|v| std::env::var_os(v).is_some_and(|p| !p.is_empty()));
        if proxied {
            let client = reqwest::Client::builder()
                .connect_timeout(CONNECT_TIMEOUT)
                .redirect(reqwest::redirect::Policy::limited(MAX_REDIRECTS))
                .pool_max_idle_per_host(idle_per_host.max(1))
                .user_agent(user_agent.clone())
                .build()
                .expect("the HTTP client's settings are valid");
            return HttpClient { backend: Backend::Proxied(client), user_agent };
        }
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("ring supports the default TLS versions")
            .with_root_certificates(rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() })
            .with_no_client_auth();
        let https = TimedConnect(
            hyper_rustls::HttpsConnectorBuilder::new()
                .with_tls_config(tls)
                .https_or_http()
                .enable_http1()
                .wrap_connector(http),
        );
        let client = Client::builder(TokioExecutor::new())
            .pool_max_idle_per_host(idle_per_host.max(1))
            .pool_timer(TokioTimer::new())
            .build(https);
        HttpClient { backend: Backend::Direct(Box::new(client)), user_agent }
    }

    /// `GET url`, following redirects; the answer's head, its body still to read.
    pub async fn get(&self, url: &str) -> Result<Answer, HttpError> {
        let client = match &self.backend {
            Backend::Direct(client) => client,
            Backend::Proxied(client) => return get_proxied(client, url).await,
        };
        let mut uri: Uri = url.parse().map_err(|_| HttpError::BadUrl)?;
        for _ in 0..=MAX_REDIRECTS {
            let resp = self.send(client, &uri).await?;
            if !FOLLOWED.contains(&resp.status()) {
                return Ok(Answer::direct(resp));
            }
            let Some(next) = resp.headers().get(LOCATION).and_then(|l| redirect_target(&uri, l.as_bytes())) else {
                return Ok(Answer::direct(resp));
            };
            uri = next;
        }
        Err(HttpError::TooManyRedirects)
    }

    async fn send(&self, client: &Direct, uri: &Uri) -> Result<Response<Incoming>, HttpError> {
        // hyper's client writes `Host` from the URI (without user info or a default port).
        let request = Request::get(uri.clone())
            .header(USER_AGENT, self.user_agent.clone())
            .body(Empty::new())
            .map_err(|_| HttpError::BadUrl)?;
        client.request(request).await.map_err(|e| {
            let chain = arke_export_contract::error_chain(&e);
            if e.is_connect() { HttpError::Connect(chain.contains(CONNECT_TIMED_OUT)) } else { HttpError::Other(chain) }
        })
    }
}

async fn get_proxied(client: &reqwest::Client, url: &str) -> Result<Answer, HttpError> {
    match client.get(url).send().await {
        Ok(resp) => Ok(Answer::proxied(resp)),
        Err(e) if e.is_builder() => Err(HttpError::BadUrl),
        Err(e) if e.is_connect() => Err(HttpError::Connect(e.is_timeout())),
        Err(e) if e.is_redirect() => Err(HttpError::TooManyRedirects),
        Err(e) => Err(HttpError::Other(arke_export_contract::error_chain(&e))),
    }
}

impl Answer {
    fn direct(resp: Response<Incoming>) -> Answer {
        let (retry_after, content_length) = numbers(resp.headers());
        Answer { status: resp.status(), retry_after, content_length, body: AnswerBody::Direct(resp.into_body()) }
    }

    fn proxied(resp: reqwest::Response) -> Answer {
        let (retry_after, content_length) = numbers(resp.headers());
        Answer { status: resp.status(), retry_after, content_length, body: AnswerBody::Proxied(resp) }
    }

    /// The next piece of the body; `None` at its end.
    pub async fn next_chunk(&mut self) -> Result<Option<Bytes>, HttpError> {
        let body = match &mut self.body {
            AnswerBody::Direct(body) => body,
            AnswerBody::Proxied(resp) => {
                return resp.chunk().await.map_err(|e| HttpError::Other(arke_export_contract::error_chain(&e)));
            }
        };
        loop {
            match body.frame().await {
                None => return Ok(None),
                Some(Err(e)) => return Err(HttpError::Other(arke_export_contract::error_chain(&e))),
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data() {
                        return Ok(Some(data));
                    }
                }
            }
        }
    }
}

/// An answer's `Retry-After` (seconds) and `Content-Length`.
fn numbers(headers: &hyper::HeaderMap) -> (Option<u64>, Option<u64>) {
    let number = |name| headers.get(name).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<u64>().ok());
    (number(hyper::header::RETRY_AFTER), number(hyper::header::CONTENT_LENGTH))
}

/// Where a redirect leads: an absolute `http(s)` URL, or a path on the same host. Anything else
/// (another scheme, an unparsable value) is not followed.
fn redirect_target(from: &Uri, location: &[u8]) -> Option<Uri> {
    let location = std::str::from_utf8(location).ok()?.trim();
    let scheme = location.split_once("://").map(|(scheme, _)| scheme.to_ascii_lowercase());
    if matches!(scheme.as_deref(), Some("http" | "https")) {
        let uri: Uri = location.parse().ok()?;
        // No user name or password rides along to another host.
        return (!uri.authority()?.as_str().contains('@')).then_some(uri);
    }
    if !location.starts_with('/') || location.starts_with("//") {
        return None;
    }
    let mut parts = from.clone().into_parts();
    parts.path_and_query = Some(location.parse().ok()?);
    Uri::from_parts(parts).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirects_go_to_http_urls_or_paths_on_the_same_host_only() {
        let from: Uri = "https://ipfs.example/ipfs/bafy".parse().unwrap();
        let to = |l: &str| redirect_target(&from, l.as_bytes()).map(|u| u.to_string());
        assert_eq!(to("/ipfs/other?x=1").as_deref(), Some("https://ipfs.example/ipfs/other?x=1"));
        assert_eq!(to("http://mirror.example/a").as_deref(), Some("http://mirror.example/a"));
        assert_eq!(to("HTTPS://Mirror.example/b").as_deref(), Some("https://Mirror.example/b"));
        for refused in [
            "file:///etc/passwd",
            "//evil.example/x",
            "relative/path",
            "javascript:x",
            "",
            "https://user:pw@evil.example/",
        ] {
            assert_eq!(to(refused), None, "{refused}");
        }
    }
}
