//! The files the UI may have read: only those the archivist dropped on the window (the native drop
//! event, seen here in Rust) or chose in an open dialog, in this session. A path the webview makes up
//! is refused, whatever it names.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use arke_export_engine::EngineError;

#[derive(Default)]
pub(crate) struct FileGrants(Mutex<HashSet<PathBuf>>);

impl FileGrants {
    /// Paths from a native drop event or an open dialog.
    pub(crate) fn grant(&self, paths: impl IntoIterator<Item = PathBuf>) {
        self.0.lock().expect("file grants").extend(paths);
    }

    /// `Ok` only for a path granted in this session.
    pub(crate) fn check(&self, path: &Path) -> Result<(), EngineError> {
        if self.0.lock().expect("file grants").contains(path) {
            Ok(())
        } else {
            Err(EngineError::NotGranted(path.display().to_string()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arke_export_engine::error::ErrorCode;

    #[test]
    fn only_dropped_or_chosen_paths_are_read() {
        let grants = FileGrants::default();
        let dropped = PathBuf::from("/home/a/ids.txt");
        assert_eq!(grants.check(&dropped).unwrap_err().code(), ErrorCode::FileNotGranted);
        grants.grant([dropped.clone()]);
        assert!(grants.check(&dropped).is_ok());
        for other in ["/home/a/.ssh/id_rsa.txt", "/home/a/ids.txt/../../b/ids.txt", "/etc/passwd", "ids.txt"] {
            assert_eq!(grants.check(Path::new(other)).unwrap_err().code(), ErrorCode::FileNotGranted, "{other}");
        }
    }
}
