//! The R2 stand-in: an embedded S3 server (s3s + s3s-fs, completing multipart uploads as R2 does: see
//! [`crate::s3_store`]) over a folder, path-style, with real SigV4 checks, and fault injection.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder as ConnBuilder;
use s3s::auth::SimpleAuth;
use s3s::service::S3ServiceBuilder;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::s3_store::R2Store;

/// Faults the S3 stand-in can be told to produce.
#[derive(Debug, Default)]
pub struct S3Faults {
    cut_next: AtomicU32,
    cut_after: AtomicU64,
    fail_next: AtomicU32,
    stall_next: AtomicU32,
    stall_ms: AtomicU64,
    down: AtomicBool,
    requests: AtomicU64,
}

impl S3Faults {
    /// The next `n` requests answer 503 Service Unavailable.
    pub fn fail_next(&self, n: u32) {
        self.fail_next.store(n, Ordering::SeqCst);
    }
    /// The next `n` requests wait `delay` before they are served.
    pub fn stall_next(&self, n: u32, delay: Duration) {
        self.stall_ms.store(delay.as_millis() as u64, Ordering::SeqCst);
        self.stall_next.store(n, Ordering::SeqCst);
    }
    /// The next `n` successful GETs break off after `after` bytes of their body (a cut connection).
    pub fn cut_next(&self, n: u32, after: u64) {
        self.cut_after.store(after, Ordering::SeqCst);
        self.cut_next.store(n, Ordering::SeqCst);
    }
    /// While down, every request answers 503.
    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }
    /// Requests received so far.
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::SeqCst)
    }
    fn take(counter: &AtomicU32) -> bool {
        counter.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok()
    }
}

/// A running S3 server; stopped when dropped.
pub struct S3Server {
    pub endpoint: String,
    pub bucket: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    pub faults: Arc<S3Faults>,
    _stop: watch::Sender<bool>,
}

impl S3Server {
    /// Serves `root` (one folder per bucket) on 127.0.0.1 with a free port; `bucket` exists at start.
    pub async fn start(
        root: &Path,
        bucket: &str,
        access_key_id: &str,
        secret_access_key: &str,
    ) -> std::io::Result<S3Server> {
        std::fs::create_dir_all(root.join(bucket))?;
        let mut builder = S3ServiceBuilder::new(R2Store::new(root)?);
        builder.set_auth(SimpleAuth::from_single(access_key_id, secret_access_key));
        let service = builder.build();
        let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
        let addr = listener.local_addr()?;
        let faults = Arc::new(S3Faults::default());
        let (stop_tx, mut stop_rx) = watch::channel(false);
        let served_faults = faults.clone();
        tokio::spawn(async move {
            let conn_builder = ConnBuilder::new(TokioExecutor::new());
            loop {
                let socket = tokio::select! {
                    accepted = listener.accept() => match accepted {
                        Ok((socket, _)) => socket,
                        Err(_) => continue,
                    },
                    _ = stop_rx.changed() => break,
                };
                let service = service.clone();
                let faults = served_faults.clone();
                let handler = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                    let service = service.clone();
                    let faults = faults.clone();
                    async move {
                        faults.requests.fetch_add(1, Ordering::SeqCst);
                        if S3Faults::take(&faults.stall_next) {
                            tokio::time::sleep(Duration::from_millis(faults.stall_ms.load(Ordering::SeqCst))).await;
                        }
                        if faults.down.load(Ordering::SeqCst) || S3Faults::take(&faults.fail_next) {
                            let body = s3s::Body::from(
                                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>ServiceUnavailable</Code><Message>injected fault</Message></Error>".to_owned(),
                            );
                            let mut resp = hyper::Response::new(body);
                            *resp.status_mut() = hyper::StatusCode::SERVICE_UNAVAILABLE;
                            return Ok::<_, s3s::HttpError>(resp);
                        }
                        let is_get = req.method() == hyper::Method::GET;
                        let resp = hyper::service::Service::call(&service, req).await?;
                        if is_get && resp.status().is_success() && S3Faults::take(&faults.cut_next) {
                            let after = faults.cut_after.load(Ordering::SeqCst);
                            let (parts, body) = resp.into_parts();
                            let cut: s3s::stream::DynByteStream = Box::pin(Cut { body, left: after });
                            return Ok(hyper::Response::from_parts(parts, s3s::Body::from(cut)));
                        }
                        Ok(resp)
                    }
                });
                let conn = conn_builder.serve_connection(TokioIo::new(socket), handler).into_owned();
                let mut stop = stop_rx.clone();
                tokio::spawn(async move {
                    tokio::select! {
                        _ = conn => {}
                        _ = stop.changed() => {}
                    }
                });
            }
        });
        Ok(S3Server {
            endpoint: format!("http://{addr}"),
            bucket: bucket.to_owned(),
            access_key_id: access_key_id.to_owned(),
            secret_access_key: secret_access_key.to_owned(),
            faults,
            _stop: stop_tx,
        })
    }
}

/// A body that ends with an error after `left` bytes, like a connection cut mid-transfer.
struct Cut {
    body: s3s::Body,
    left: u64,
}

impl futures_core::Stream for Cut {
    type Item = Result<bytes::Bytes, s3s::StdError>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        use std::task::Poll;
        if self.left == 0 {
            return Poll::Ready(Some(Err("injected fault: connection cut".into())));
        }
        match std::pin::Pin::new(&mut self.body).poll_next(cx) {
            Poll::Ready(Some(Ok(mut chunk))) => {
                if chunk.len() as u64 > self.left {
                    chunk.truncate(self.left as usize);
                }
                self.left -= chunk.len() as u64;
                Poll::Ready(Some(Ok(chunk)))
            }
            other => other,
        }
    }
}

impl s3s::stream::ByteStream for Cut {}
