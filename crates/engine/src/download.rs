//! Downloads: stream to `<target>.part`, resume with a Range request after an interruption,
//! verify the SHA-256 from result.json, then move into place — without replacing a file that is there
//! (a hard link, which fails on an existing name), unless the person chose to replace it (a save
//! dialog's question, `--overwrite`). A partial file never carries the final name; a full disk removes
//! the partial file and says so.

use crate::error::ErrorCode;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::time::Duration;

use futures::TryStreamExt;
use sha2::{Digest, Sha256};
use tokio::io::AsyncReadExt;

use crate::r2::{R2Error, R2Store};

/// Attempts at one download (each resumes where the last stopped).
pub const ATTEMPTS: u32 = 5;

#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    #[error("the disk is full: could not write {path}")]
    DiskFull { path: String },
    #[error("could not write {path}: {reason}")]
    Write { path: String, reason: String },
    #[error("the download failed after {ATTEMPTS} attempts: {0}")]
    Network(R2Error),
    #[error(
        "the downloaded file does not match the worker's checksum (expected {expected}, got {actual}); it was not saved"
    )]
    Checksum { expected: String, actual: String },
    #[error("the downloaded file is {actual} bytes, but the export is {expected} bytes; it was not saved")]
    Size { expected: u64, actual: u64 },
    #[error("{path} exists already; it was left as it is")]
    Exists { path: String },
}

impl DownloadError {
    pub fn code(&self) -> ErrorCode {
        match self {
            DownloadError::DiskFull { .. } => ErrorCode::DiskFull,
            DownloadError::Write { .. } => ErrorCode::WriteFailed,
            DownloadError::Network(_) => ErrorCode::DownloadFailed,
            DownloadError::Checksum { .. } => ErrorCode::ChecksumMismatch,
            DownloadError::Size { .. } => ErrorCode::SizeMismatch,
            DownloadError::Exists { .. } => ErrorCode::FileExists,
        }
    }
}

fn is_disk_full(e: &std::io::Error) -> bool {
    e.kind() == ErrorKind::StorageFull || e.raw_os_error() == Some(28)
}

pub fn part_path(target: &Path) -> PathBuf {
    let mut name = target.file_name().map(std::ffi::OsStr::to_os_string).unwrap_or_default();
    name.push(".part");
    target.with_file_name(name)
}

/// What to fetch and what it must be.
pub struct DownloadSpec<'a> {
    pub key: &'a str,
    pub size: u64,
    pub sha256: Option<&'a str>,
    pub target: &'a Path,
    /// Replace a file already at `target` (the person was asked); otherwise it is never touched.
    pub replace: bool,
}

/// Progress is reported at most once per this many bytes (and at the end).
const PROGRESS_STEP: u64 = 1024 * 1024;

/// Downloads `spec.key` to `spec.target`; `progress(bytes_so_far, total)` is called on the caller's
/// task as bytes arrive. The transfer runs on a thread of its own with a single-threaded runtime and
/// its own connection: chunks (≈ 16 KiB each) do not hop between runtime threads on their way from the
/// socket to the writer, which measurably slowed large downloads. Dropping the future does not stop it.
pub async fn download(
    r2: &R2Store,
    spec: &DownloadSpec<'_>,
    mut progress: impl FnMut(u64, u64),
) -> Result<(), DownloadError> {
    let r2 = r2.for_download();
    let (key, size, target, replace) = (spec.key.to_owned(), spec.size, spec.target.to_path_buf(), spec.replace);
    let sha256 = spec.sha256.map(str::to_owned);
    let (progress_tx, mut progress_rx) = tokio::sync::watch::channel((0u64, 0u64));
    let (done_tx, mut done_rx) = tokio::sync::oneshot::channel();
    let thread_error = |e: std::io::Error| DownloadError::Write {
        path: spec.target.display().to_string(),
        reason: format!("could not start the download: {e}"),
    };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(thread_error)?;
    std::thread::Builder::new()
        .name("arke-download".into())
        .spawn(move || {
            let spec = DownloadSpec { key: &key, size, sha256: sha256.as_deref(), target: &target, replace };
            let mut reported = 0u64;
            let result = runtime.block_on(transfer(&r2, &spec, |bytes, total| {
                if bytes >= reported + PROGRESS_STEP || bytes == total {
                    reported = bytes;
                    let _ = progress_tx.send((bytes, total));
                }
            }));
            let _ = done_tx.send(result);
        })
        .map_err(thread_error)?;
    let mut reporting = true;
    loop {
        tokio::select! {
            changed = progress_rx.changed(), if reporting => match changed {
                Ok(()) => {
                    let (bytes, total) = *progress_rx.borrow_and_update();
                    progress(bytes, total);
                }
                Err(_) => reporting = false,
            },
            result = &mut done_rx => {
                if progress_rx.has_changed().unwrap_or(false) {
                    let (bytes, total) = *progress_rx.borrow_and_update();
                    progress(bytes, total);
                }
                return result.unwrap_or_else(|_| Err(DownloadError::Write {
                    path: spec.target.display().to_string(),
                    reason: "the download stopped unexpectedly".into(),
                }));
            }
        }
    }
}

async fn transfer(
    r2: &R2Store,
    spec: &DownloadSpec<'_>,
    mut progress: impl FnMut(u64, u64),
) -> Result<(), DownloadError> {
    let part = part_path(spec.target);
    let write_err = |e: std::io::Error, path: &Path| {
        if is_disk_full(&e) {
            DownloadError::DiskFull { path: path.display().to_string() }
        } else {
            DownloadError::Write { path: path.display().to_string(), reason: e.to_string() }
        }
    };
    if let Some(dir) = spec.target.parent() {
        tokio::fs::create_dir_all(dir).await.map_err(|e| write_err(e, dir))?;
    }
    // Resume: hash what a previous attempt left, and continue from its end.
    let mut hasher = Sha256::new();
    let mut have = 0u64;
    if let Ok(mut f) = tokio::fs::File::open(&part).await {
        let mut buf = vec![0u8; 256 * 1024];
        loop {
            let n = f.read(&mut buf).await.map_err(|e| write_err(e, &part))?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            have += n as u64;
        }
        if have > spec.size && spec.size > 0 {
            have = 0;
            hasher = Sha256::new();
            let _ = tokio::fs::remove_file(&part).await;
        }
    }
    let mut attempt = 0;
    // The object's ETag once an answer gave it: every resume asks for that same object (If-Match).
    let mut etag: Option<String> = None;
    loop {
        attempt += 1;
        let mut done = Done { have: &mut have, hasher: &mut hasher, etag: &mut etag };
        match fetch(r2, spec, &part, &mut done, &mut progress).await {
            Ok(()) => break,
            Err(Fetch::Io(e)) => {
                let err = write_err(e, &part);
                if matches!(err, DownloadError::DiskFull { .. }) {
                    let _ = tokio::fs::remove_file(&part).await;
                }
                return Err(err);
            }
            Err(Fetch::Net(e)) if attempt < ATTEMPTS => {
                tracing::warn!(key = spec.key, have, attempt, "download interrupted, resuming: {e}");
                tokio::time::sleep(Duration::from_millis(300 * u64::from(attempt))).await;
            }
            Err(Fetch::Net(e)) => return Err(DownloadError::Network(e)),
        }
    }
    if spec.size > 0 && have != spec.size {
        let _ = tokio::fs::remove_file(&part).await;
        return Err(DownloadError::Size { expected: spec.size, actual: have });
    }
    let actual = hex::encode(hasher.finalize());
    if let Some(expected) = spec.sha256
        && !expected.eq_ignore_ascii_case(&actual)
    {
        let _ = tokio::fs::remove_file(&part).await;
        return Err(DownloadError::Checksum { expected: expected.to_owned(), actual });
    }
    let placed = if spec.replace { std::fs::rename(&part, spec.target) } else { place_new(&part, spec.target) };
    placed.map_err(|e| match e.kind() {
        ErrorKind::AlreadyExists => DownloadError::Exists { path: spec.target.display().to_string() },
        _ => write_err(e, spec.target),
    })
}

/// Moves the finished `part` to `target` unless a file (or link) is there: `AlreadyExists` then, and
/// nothing is touched. A hard link cannot replace a name; where a file system has none (FAT, some
/// shares), the name is claimed with an exclusive create and the file moved onto that claim.
fn place_new(part: &Path, target: &Path) -> std::io::Result<()> {
    match std::fs::hard_link(part, target) {
        Ok(()) => {
            let _ = std::fs::remove_file(part);
            Ok(())
        }
        Err(e) if e.kind() == ErrorKind::AlreadyExists => Err(e),
        Err(_) => {
            std::fs::OpenOptions::new().write(true).create_new(true).open(target)?;
            std::fs::rename(part, target)
        }
    }
}

enum Fetch {
    Io(std::io::Error),
    Net(R2Error),
}

/// Bytes handed to the writer at a time: few wake-ups of its thread, large writes.
const WRITE_BATCH: usize = 1024 * 1024;

/// Writes and hashes on its own thread, so the disk and the checksum overlap the network.
struct Sink {
    tx: tokio::sync::mpsc::Sender<bytes::Bytes>,
    handle: std::thread::JoinHandle<(Sha256, u64, std::io::Result<()>)>,
}

impl Sink {
    fn start(part: &Path, mut hasher: Sha256) -> std::io::Result<Sink> {
        use std::io::Write;
        let mut file = std::fs::OpenOptions::new().create(true).append(true).open(part)?;
        // At most 8 batches queued: memory stays flat if the disk is slower than the network.
        let (tx, mut rx) = tokio::sync::mpsc::channel::<bytes::Bytes>(8);
        let handle = std::thread::spawn(move || {
            let mut written = 0u64;
            while let Some(chunk) = rx.blocking_recv() {
                if let Err(e) = file.write_all(&chunk) {
                    // Dropping the receiver tells the sender to stop.
                    return (hasher, written, Err(e));
                }
                hasher.update(&chunk);
                written += chunk.len() as u64;
            }
            (hasher, written, file.sync_all())
        });
        Ok(Sink { tx, handle })
    }

    /// Waits for the thread: the hash and byte count of what reached the file, and how it ended.
    fn finish(self) -> (Sha256, u64, std::io::Result<()>) {
        drop(self.tx);
        self.handle.join().expect("the writer thread does not panic")
    }
}

/// What the `.part` holds so far, and of which object.
struct Done<'a> {
    have: &'a mut u64,
    hasher: &'a mut Sha256,
    etag: &'a mut Option<String>,
}

impl Done<'_> {
    /// Forgets the partial file: the download starts over from byte 0.
    async fn start_over(&mut self, part: &Path) -> std::io::Result<()> {
        match tokio::fs::remove_file(part).await {
            Err(e) if e.kind() != ErrorKind::NotFound => return Err(e),
            _ => {}
        }
        *self.have = 0;
        *self.hasher = Sha256::new();
        Ok(())
    }
}

/// One request: checks that the answer continues the `.part` exactly (206 with the range asked for,
/// of the same object), else starts over from zero — never splices two versions or two ranges.
async fn fetch(
    r2: &R2Store,
    spec: &DownloadSpec<'_>,
    part: &Path,
    done: &mut Done<'_>,
    progress: &mut impl FnMut(u64, u64),
) -> Result<(), Fetch> {
    if spec.size > 0 && *done.have == spec.size {
        return Ok(());
    }
    let ranged = match r2.get_range(spec.key, *done.have, done.etag.as_deref()).await {
        Ok(ranged) => ranged,
        Err(e @ R2Error::Replaced(_)) => {
            // Replaced since the first bytes came: what we have is of the old object.
            done.start_over(part).await.map_err(Fetch::Io)?;
            *done.etag = None;
            return Err(Fetch::Net(e));
        }
        Err(e) => return Err(Fetch::Net(e)),
    };
    if ranged.start != *done.have {
        tracing::warn!(
            key = spec.key,
            asked = *done.have,
            got = ranged.start,
            "not the range asked for: starting over"
        );
        done.start_over(part).await.map_err(Fetch::Io)?;
        if ranged.start != 0 {
            return Err(Fetch::Net(R2Error::Other(format!("the bucket answered from byte {}", ranged.start))));
        }
    }
    if done.etag.is_none() {
        done.etag.clone_from(&ranged.etag);
    }
    let (have, hasher) = (&mut *done.have, &mut *done.hasher);
    let (mut body, total) = (ranged.body, ranged.total);
    let total = if spec.size > 0 { spec.size } else { total };
    let sink = Sink::start(part, std::mem::take(hasher)).map_err(Fetch::Io)?;
    let mut sent = *have;
    let mut batch = bytes::BytesMut::with_capacity(WRITE_BATCH);
    let network = loop {
        let next = body.try_next().await;
        let end = !matches!(next, Ok(Some(_)));
        if let Ok(Some(chunk)) = &next {
            sent += chunk.len() as u64;
            if spec.size > 0 && sent > spec.size {
                // More than the export's size: a hostile or broken bucket does not fill the disk. The
                // size check after the transfer reports it and removes the `.part`.
                break Ok(());
            }
            batch.extend_from_slice(chunk);
        }
        // On a cut too, what arrived is written: a resume continues from there.
        if (batch.len() >= WRITE_BATCH || end)
            && !batch.is_empty()
            && sink.tx.send(batch.split().freeze()).await.is_err()
        {
            break Ok(()); // the writer stopped on an error; finish() reports it
        }
        match next {
            Ok(Some(_)) => progress(sent, total),
            Ok(None) => break Ok(()),
            Err(e) => break Err(e),
        }
    };
    let (state, written, disk) = tokio::task::spawn_blocking(move || sink.finish()).await.expect("join the writer");
    *hasher = state;
    *have += written;
    disk.map_err(Fetch::Io)?;
    network.map_err(Fetch::Net)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_partial_file_sits_beside_the_target() {
        assert_eq!(part_path(Path::new("/a/b/x.xml")), PathBuf::from("/a/b/x.xml.part"));
    }

    #[test]
    fn the_final_move_never_replaces_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let (part, target) = (dir.path().join("x.xml.part"), dir.path().join("x.xml"));
        std::fs::write(&part, "new").unwrap();
        std::fs::write(&target, "the archivist's").unwrap();
        assert_eq!(place_new(&part, &target).unwrap_err().kind(), ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "the archivist's");
        #[cfg(unix)]
        {
            let link = dir.path().join("link.xml");
            std::os::unix::fs::symlink(dir.path().join("nowhere"), &link).unwrap();
            assert_eq!(place_new(&part, &link).unwrap_err().kind(), ErrorKind::AlreadyExists, "nor a dangling link");
            assert!(!dir.path().join("nowhere").exists());
        }
        let free = dir.path().join("free.xml");
        place_new(&part, &free).unwrap();
        assert_eq!(std::fs::read_to_string(&free).unwrap(), "new");
        assert!(!part.exists());
    }

    #[test]
    fn recognises_a_full_disk() {
        assert!(is_disk_full(&std::io::Error::from_raw_os_error(28)));
        assert!(!is_disk_full(&std::io::Error::from(ErrorKind::PermissionDenied)));
    }
}
