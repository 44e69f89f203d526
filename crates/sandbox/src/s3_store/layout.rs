//! s3s-fs's file names under its root, and the files a completion writes.

use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

use base64::Engine as _;

/// s3s-fs's files under `root`.
pub(super) struct Layout {
    pub(super) root: PathBuf,
    /// Held while a completion replaces an object and its side files, so that two of this store's
    /// completions of one key cannot leave one's bytes with the other's ETag (s3s-fs's own writes do
    /// not take it).
    pub(super) replacing: Mutex<()>,
}

impl Layout {
    pub(super) fn new(root: PathBuf) -> Layout {
        Layout { root, replacing: Mutex::new(()) }
    }

    /// `root/{bucket}/{key}`, or `None` unless both are plain relative paths: segments that are not
    /// empty, `.` or `..`, no NUL, nothing a platform reads as a root or prefix (s3s-fs decides what
    /// anything else means).
    pub(super) fn object(&self, bucket: &str, key: &str) -> Option<PathBuf> {
        let plain = |s: &str| {
            !s.contains('\0')
                && s.split('/').all(|segment| !segment.is_empty() && segment != "." && segment != "..")
                && Path::new(s).components().all(|c| matches!(c, Component::Normal(_)))
        };
        (plain(bucket) && plain(key)).then(|| self.root.join(bucket).join(key))
    }

    /// An object's side file (`metadata.json`, `internal.json`), optionally its upload's.
    pub(super) fn side_file(&self, bucket: &str, key: &str, upload: Option<&str>, suffix: &str) -> PathBuf {
        let encode = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        let upload = upload.map(|u| format!(".upload-{u}")).unwrap_or_default();
        self.root.join(format!(".bucket-{}.object-{}{upload}.{suffix}", encode(bucket), encode(key)))
    }

    pub(super) fn upload_info(&self, upload_id: &str) -> PathBuf {
        self.root.join(format!(".upload-{upload_id}.json"))
    }

    pub(super) fn part(&self, upload_id: &str, number: i32) -> PathBuf {
        self.root.join(format!(".upload_id-{upload_id}.part-{number}"))
    }

    /// Removes every part file of an upload, also those this store did not see uploaded.
    pub(super) fn remove_parts(&self, upload_id: &str) {
        let prefix = format!(".upload_id-{upload_id}.part-");
        let Ok(entries) = std::fs::read_dir(&self.root) else { return };
        for entry in entries.flatten() {
            if entry.file_name().to_str().is_some_and(|name| name.starts_with(&prefix)) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }

    /// A new temporary file, removed unless it is moved into place (s3s-fs also removes leftover
    /// ones at start).
    pub(super) fn temporary(&self) -> Temporary {
        Temporary { path: Some(self.root.join(format!(".tmp.r2-{}.internal.part", uuid::Uuid::new_v4()))) }
    }
}

/// A file being written, removed when dropped unless [`Temporary::rename_to`] moved it.
pub(super) struct Temporary {
    path: Option<PathBuf>,
}

impl Temporary {
    pub(super) fn path(&self) -> &Path {
        self.path.as_deref().expect("a temporary file has its path until it is moved")
    }

    /// Keeps the file (it is not removed when dropped); its path.
    pub(super) fn keep(mut self) -> PathBuf {
        self.path.take().expect("a temporary file has its path until it is moved")
    }

    pub(super) fn rename_to(mut self, to: &Path) -> io::Result<()> {
        let path = self.path.take().expect("a temporary file is moved once");
        std::fs::rename(&path, to).inspect_err(|_| {
            let _ = std::fs::remove_file(&path);
        })
    }
}

impl Drop for Temporary {
    fn drop(&mut self) {
        if let Some(path) = &self.path {
            let _ = std::fs::remove_file(path);
        }
    }
}

pub(super) fn remove_if_there(path: &Path) -> io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}
