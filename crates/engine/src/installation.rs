//! This installation's id: created once in the data folder, it starts every task id and tags every
//! machine, so that installations sharing one Fly app and one bucket only ever see (and clean up)
//! their own.

use std::path::Path;

use crate::store::StoreError;

/// The file in the data folder that holds the id.
pub const FILE: &str = "installation-id";

/// A valid id: 1 to 16 characters of `a-z` and `0-9` (no `-`, which ends it inside a task id).
pub fn valid(id: &str) -> bool {
    (1..=16).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// Reads the id kept in `dir`, or creates it (atomically: two processes starting at once agree).
pub fn load_or_create(dir: &Path) -> Result<String, StoreError> {
    let folder = |e: std::io::Error| StoreError::Folder { path: dir.display().to_string(), reason: e.to_string() };
    std::fs::create_dir_all(dir).map_err(folder)?;
    let path = dir.join(FILE);
    for _ in 0..3 {
        match std::fs::read_to_string(&path) {
            Ok(text) if valid(text.trim()) => return Ok(text.trim().to_owned()),
            Ok(text) => {
                tracing::warn!("{} holds no valid installation id ({:?}); making a new one", path.display(), text);
                std::fs::remove_file(&path).map_err(folder)?;
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(folder(e)),
        }
        let id = uuid::Uuid::new_v4().simple().to_string()[..10].to_owned();
        let tmp = dir.join(format!("{FILE}.{id}.tmp"));
        std::fs::write(&tmp, format!("{id}\n")).map_err(folder)?;
        // A hard link never replaces an existing file: whoever links first wins, the others read it.
        let linked = std::fs::hard_link(&tmp, &path);
        let _ = std::fs::remove_file(&tmp);
        match linked {
            Ok(()) => return Ok(id),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(folder(e)),
        }
    }
    Err(folder(std::io::Error::other("the installation id keeps changing")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_created_once_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let id = load_or_create(dir.path()).unwrap();
        assert!(valid(&id), "{id}");
        assert!(arke_export_contract::env::valid_task_id(&format!("{id}-job_1")));
        assert_eq!(load_or_create(dir.path()).unwrap(), id);
        std::fs::write(dir.path().join(FILE), "Not Valid!").unwrap();
        let other = load_or_create(dir.path()).unwrap();
        assert!(valid(&other) && other != id);
        assert_ne!(load_or_create(tempfile::tempdir().unwrap().path()).unwrap(), other);
    }
}
