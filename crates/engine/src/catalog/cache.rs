//! The title cache: what the archive said about a record, in SQLite by PI and manifest version. A
//! record looked at recently is answered from here without a request; an older entry still saves the
//! pinax.json read when the manifest's version has not changed. Only found records are kept (a missing
//! one may appear, an unavailable one may come back).

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::RecordInfo;
use crate::store::{Store, StoreError};

/// What is kept of a found record: what the UI is shown, and its parent (for breadcrumbs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Known {
    pub(crate) info: RecordInfo,
    pub(crate) parent: Option<String>,
}

/// How long a cached record is answered without asking the archive again.
pub(crate) const FRESH_MS: i64 = 60 * 60 * 1000;
/// Entries kept per PI (older versions are dropped).
const VERSIONS_KEPT: i64 = 2;

/// The newest entry for `pi` and when it was checked.
pub(crate) fn latest(store: &Store, pi: &str) -> Result<Option<(Known, i64)>, StoreError> {
    let conn = store.conn();
    let row: Option<(String, i64)> = conn
        .query_row(
            "SELECT data, checked_at FROM record_cache WHERE pi = ?1 ORDER BY checked_at DESC LIMIT 1",
            params![pi],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    // An entry that no longer reads (written by another version) is as good as none.
    Ok(row.and_then(|(data, at)| serde_json::from_str(&data).ok().map(|info| (info, at))))
}

/// The entry for `pi` at `version`.
pub(crate) fn at_version(store: &Store, pi: &str, version: &str) -> Result<Option<Known>, StoreError> {
    let conn = store.conn();
    let data: Option<String> = conn
        .query_row("SELECT data FROM record_cache WHERE pi = ?1 AND version = ?2", params![pi, version], |r| r.get(0))
        .optional()?;
    Ok(data.and_then(|d| serde_json::from_str(&d).ok()))
}

/// Keeps a found record (its version is the key; one without a version is not kept).
pub(crate) fn put(store: &Store, known: &Known, now: i64) -> Result<(), StoreError> {
    let info = &known.info;
    let Some(version) = &info.version else { return Ok(()) };
    let conn = store.conn();
    conn.execute(
        "INSERT INTO record_cache (pi, version, checked_at, data) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (pi, version) DO UPDATE SET checked_at = excluded.checked_at, data = excluded.data",
        params![info.pi, version, now, serde_json::to_string(known)?],
    )?;
    conn.execute(
        "DELETE FROM record_cache WHERE pi = ?1 AND version NOT IN
           (SELECT version FROM record_cache WHERE pi = ?1 ORDER BY checked_at DESC LIMIT ?2)",
        params![info.pi, VERSIONS_KEPT],
    )?;
    Ok(())
}

/// The `app_state` key of the archive whose answers the cache holds.
const CACHED_ARCHIVE: &str = "record_cache_archive";
/// Entries not looked at for this long are dropped when the engine opens.
const KEPT_MS: i64 = 30 * 24 * 60 * 60 * 1000;

/// Readies the cache for answers from `archive` (its API URL): one archive's titles are never shown
/// for another's records, so a change of archive empties it; entries unused for 30 days go too.
pub(crate) fn open_for(store: &Store, archive: &str, now: i64) -> Result<(), StoreError> {
    if state(store, CACHED_ARCHIVE)?.as_deref() == Some(archive) {
        store.conn().execute("DELETE FROM record_cache WHERE checked_at < ?1", params![now.saturating_sub(KEPT_MS)])?;
    } else {
        store.conn().execute("DELETE FROM record_cache", [])?;
        set_state(store, CACHED_ARCHIVE, archive)?;
    }
    Ok(())
}

/// A small fact kept between runs (`app_state`).
pub(crate) fn state(store: &Store, key: &str) -> Result<Option<String>, StoreError> {
    let conn = store.conn();
    Ok(conn.query_row("SELECT value FROM app_state WHERE key = ?1", params![key], |r| r.get(0)).optional()?)
}

pub(crate) fn set_state(store: &Store, key: &str, value: &str) -> Result<(), StoreError> {
    let conn = store.conn();
    conn.execute(
        "INSERT INTO app_state (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{RecordKind, RecordStatus};

    fn info(pi: &str, version: &str, title: &str) -> Known {
        let info = RecordInfo {
            pi: pi.to_owned(),
            status: RecordStatus::Found,
            title: Some(title.to_owned()),
            kind: Some(RecordKind::Item),
            children_count: Some(0),
            date: None,
            version: Some(version.to_owned()),
        };
        Known { info, parent: Some("01ARZ3NDEKTSV4RRFFQ69G5FAW".to_owned()) }
    }

    #[test]
    fn entries_are_kept_by_pi_and_version() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let pi = "01ARZ3NDEKTSV4RRFFQ69G5FAV";
        assert!(latest(&store, pi).unwrap().is_none());
        put(&store, &info(pi, "1", "Old title"), 10).unwrap();
        put(&store, &info(pi, "2", "New title"), 20).unwrap();
        assert_eq!(latest(&store, pi).unwrap().unwrap().0.info.title.as_deref(), Some("New title"));
        assert_eq!(at_version(&store, pi, "1").unwrap().unwrap().info.title.as_deref(), Some("Old title"));
        put(&store, &info(pi, "3", "Newest"), 30).unwrap();
        assert!(at_version(&store, pi, "1").unwrap().is_none(), "only the newest versions are kept");
        let mut unversioned = info(pi, "4", "x");
        unversioned.info.version = None;
        put(&store, &unversioned, 40).unwrap();
        assert_eq!(latest(&store, pi).unwrap().unwrap().1, 30);
        // Reopened: the cache is in the file.
        drop(store);
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(latest(&store, pi).unwrap().unwrap().0.info.title.as_deref(), Some("Newest"));
    }

    #[test]
    fn another_archive_starts_from_an_empty_cache_and_old_entries_go() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let (a, b) = ("01ARZ3NDEKTSV4RRFFQ69G5FAV", "01ARZ3NDEKTSV4RRFFQ69G5FAX");
        open_for(&store, "https://staging.example", 0).unwrap();
        put(&store, &info(a, "1", "Staging title"), KEPT_MS).unwrap();
        put(&store, &info(b, "1", "Old"), 10).unwrap();
        // The same archive: kept, except what nobody looked at for 30 days.
        open_for(&store, "https://staging.example", KEPT_MS + 20).unwrap();
        assert!(latest(&store, a).unwrap().is_some());
        assert!(latest(&store, b).unwrap().is_none(), "unused for 30 days");
        // Another archive: nothing of the first one's answers is shown for its records.
        open_for(&store, "https://arke.example", KEPT_MS + 30).unwrap();
        assert!(latest(&store, a).unwrap().is_none());
    }

    #[test]
    fn app_state_is_remembered() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(state(&store, "k").unwrap(), None);
        set_state(&store, "k", "a").unwrap();
        set_state(&store, "k", "b").unwrap();
        assert_eq!(state(&store, "k").unwrap().as_deref(), Some("b"));
    }
}
