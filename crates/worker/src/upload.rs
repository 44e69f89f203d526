//! Uploading a file **while it is being written**: each 8 MiB part is sent as soon as the writers
//! have written the bytes after it, so the upload ends a moment after the last record instead of
//! starting then. Bounded: at most [`PARTS_IN_FLIGHT`] parts of all the task's files are in flight at
//! once, and each is streamed from disk (memory stays flat whatever the file's size).
//!
//! The writer side is a [`Watched`] file (under the `BufWriter`): it reports the bytes that have
//! reached the file; the upload side ([`upload_growing`]) runs as its own task. A file of at most one
//! part is sent with one PUT once it is finished; a larger one as a multipart upload (the engine's cost
//! model counts the same requests: `arke_export_engine::cost`).

use std::fs::File;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::{Semaphore, watch};
use tokio::task::JoinHandle;

use crate::storage::{Bucket, StorageError};

/// Files larger than this are uploaded in parts of this size.
pub const MULTIPART_PART_BYTES: u64 = 8 * 1024 * 1024;

/// Parts being uploaded at the same moment, all files of the task together.
pub const PARTS_IN_FLIGHT: usize = 2;

/// How much of a file is written, as its upload sees it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WrittenSoFar {
    pub bytes: u64,
    /// No byte will follow.
    pub finished: bool,
}

/// The file under a format's `BufWriter`: tells its upload each time another part's worth of bytes
/// has reached the file. Dropped unfinished (the export failed), the upload is abandoned.
pub struct Watched {
    file: File,
    bytes: u64,
    next_report: u64,
    tx: watch::Sender<WrittenSoFar>,
}

impl Watched {
    pub fn new(file: File) -> (Watched, watch::Receiver<WrittenSoFar>) {
        let (tx, rx) = watch::channel(WrittenSoFar::default());
        (Watched { file, bytes: 0, next_report: MULTIPART_PART_BYTES + 1, tx }, rx)
    }

    /// Every byte is in the file: the upload sends what is left and completes.
    pub fn finish(mut self) -> std::io::Result<()> {
        self.file.flush()?;
        self.tx.send_replace(WrittenSoFar { bytes: self.bytes, finished: true });
        Ok(())
    }
}

impl Write for Watched {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.file.write(buf)?;
        self.bytes += n as u64;
        if self.bytes >= self.next_report {
            self.next_report = self.bytes + MULTIPART_PART_BYTES;
            self.tx.send_replace(WrittenSoFar { bytes: self.bytes, finished: false });
        }
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

/// The upload of one growing file: starts it and returns its task, which ends when the file is in the
/// bucket (or its upload failed, or the file was abandoned).
pub fn upload_growing(
    bucket: Bucket,
    key: String,
    path: PathBuf,
    written: watch::Receiver<WrittenSoFar>,
    parts_in_flight: Arc<Semaphore>,
) -> JoinHandle<Result<(), StorageError>> {
    tokio::spawn(async move {
        let mut upload = Upload { bucket, key, path, multipart_id: None, parts: Vec::new(), next_offset: 0 };
        let result = upload.run(written, &parts_in_flight).await;
        if result.is_err()
            && let Some(id) = &upload.multipart_id
        {
            // Parts still on their way are stopped first: a part that arrives after the abort could
            // outlive it.
            for part in upload.parts.drain(..) {
                part.abort();
                let _ = part.await;
            }
            upload.bucket.abort_multipart(&upload.key, id).await;
        }
        result
    })
}

type PartTask = JoinHandle<Result<aws_sdk_s3::types::CompletedPart, StorageError>>;

struct Upload {
    bucket: Bucket,
    key: String,
    path: PathBuf,
    multipart_id: Option<String>,
    parts: Vec<PartTask>,
    next_offset: u64,
}

impl Upload {
    async fn run(
        &mut self,
        mut written: watch::Receiver<WrittenSoFar>,
        parts_in_flight: &Arc<Semaphore>,
    ) -> Result<(), StorageError> {
        loop {
            let WrittenSoFar { bytes, finished } = *written.borrow_and_update();
            if finished && self.multipart_id.is_none() && bytes <= MULTIPART_PART_BYTES {
                return self.bucket.put_file(&self.key, &self.path, bytes, "application/xml").await;
            }
            // A part is complete when more bytes follow it, or when the file is finished.
            while self.next_offset < bytes && (finished || bytes - self.next_offset > MULTIPART_PART_BYTES) {
                let length = MULTIPART_PART_BYTES.min(bytes - self.next_offset);
                self.start_part(length, parts_in_flight).await?;
            }
            if finished {
                break;
            }
            if written.changed().await.is_err() {
                return Err(StorageError { what: format!("uploading {}", self.key), reason: "abandoned".into() });
            }
        }
        let mut completed = Vec::with_capacity(self.parts.len());
        for part in std::mem::take(&mut self.parts) {
            completed
                .push(part.await.map_err(|e| StorageError { what: "a part upload".into(), reason: e.to_string() })??);
        }
        let id = self.multipart_id.as_deref().expect("a multipart upload was started");
        self.bucket.complete_multipart(&self.key, id, completed).await
    }

    /// Starts the next part once fewer than [`PARTS_IN_FLIGHT`] are in flight. (A failed part is
    /// reported when the file is finished: the SDK has retried it by then.)
    async fn start_part(&mut self, length: u64, parts_in_flight: &Arc<Semaphore>) -> Result<(), StorageError> {
        let id = match &self.multipart_id {
            Some(id) => id.clone(),
            None => self.multipart_id.insert(self.bucket.create_multipart(&self.key, "application/xml").await?).clone(),
        };
        let permit = parts_in_flight.clone().acquire_owned().await.expect("the semaphore is never closed");
        let number = i32::try_from(self.parts.len() + 1).unwrap_or(i32::MAX);
        let (bucket, key, path, offset) = (self.bucket.clone(), self.key.clone(), self.path.clone(), self.next_offset);
        self.parts.push(tokio::spawn(async move {
            let _permit = permit;
            bucket.upload_part(&key, &id, number, &path, offset, length).await
        }));
        self.next_offset += length;
        Ok(())
    }
}
