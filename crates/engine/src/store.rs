//! The job store: one SQLite file in the data folder, WAL, versioned migrations. Every state
//! change is written (with its time) before anything acts on it, so a crash loses nothing.

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{Connection, OptionalExtension, params};

use crate::job::{Batch, Job, JobState, TimelineEntry, now_ms};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the job database failed: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("the job database holds a record it cannot read: {0}")]
    Corrupt(#[from] serde_json::Error),
    #[error("could not create the data folder {path}: {reason}")]
    Folder { path: String, reason: String },
    #[error("the job database was written by a newer Arke Export (schema {0}); update the app")]
    TooNew(i64),
    /// Someone else (another task, or another process on the same store) saved the job first.
    #[error("job {0} was changed by someone else at the same moment")]
    Conflict(String),
}

/// Migrations, in order; `user_version` counts those applied.
const MIGRATIONS: &[&str] = &[
    "CREATE TABLE batches (
        id TEXT PRIMARY KEY,
        created_at INTEGER NOT NULL,
        data TEXT NOT NULL
     );
     CREATE TABLE jobs (
        id TEXT PRIMARY KEY,
        batch_id TEXT NOT NULL REFERENCES batches(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        state TEXT NOT NULL,
        updated_at INTEGER NOT NULL,
        data TEXT NOT NULL
     );
     CREATE INDEX jobs_state ON jobs(state);
     CREATE INDEX jobs_batch ON jobs(batch_id, seq);
     CREATE TABLE job_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
        at INTEGER NOT NULL,
        state TEXT NOT NULL,
        detail TEXT NOT NULL
     );
     CREATE INDEX job_events_job ON job_events(job_id, id);",
    // Compare-and-set saves: a save names the version it read.
    "ALTER TABLE jobs ADD COLUMN version INTEGER NOT NULL DEFAULT 0;",
    // What the archive said about a record (title, kind, children), by PI and manifest version; and
    // small facts the app remembers between runs (the folder of the last download).
    "CREATE TABLE record_cache (
        pi TEXT NOT NULL,
        version TEXT NOT NULL,
        checked_at INTEGER NOT NULL,
        data TEXT NOT NULL,
        PRIMARY KEY (pi, version)
     );
     CREATE INDEX record_cache_latest ON record_cache(pi, checked_at);
     CREATE TABLE app_state (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
     );",
];

pub struct Store {
    conn: Mutex<Connection>,
}

impl Store {
    /// Opens (or creates) `<dir>/jobs.sqlite3` and brings its schema up to date.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| StoreError::Folder { path: dir.display().to_string(), reason: e.to_string() })?;
        Store::from_connection(Connection::open(dir.join("jobs.sqlite3"))?)
    }

    fn from_connection(mut conn: Connection) -> Result<Store, StoreError> {
        // First: switching a new file to WAL waits for another process opening it at the same moment.
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if version > MIGRATIONS.len() as i64 {
            return Err(StoreError::TooNew(version));
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            // Immediate, and the version read again inside: another process opening the same store at
            // once (the app and the CLI) may have applied this migration meanwhile.
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            if tx.pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0))? > i as i64 {
                continue;
            }
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", (i + 1) as i64)?;
            tx.commit()?;
        }
        Ok(Store { conn: Mutex::new(conn) })
    }

    pub(crate) fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Writes a batch and its jobs in one transaction.
    pub fn insert_batch(&self, batch: &Batch, jobs: &[Job]) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute(
            "INSERT INTO batches (id, created_at, data) VALUES (?1, ?2, ?3)",
            params![batch.id, batch.created_at, serde_json::to_string(batch)?],
        )?;
        for (seq, job) in jobs.iter().enumerate() {
            tx.execute(
                "INSERT INTO jobs (id, batch_id, seq, state, updated_at, data) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    job.id,
                    job.batch_id,
                    seq as i64,
                    job.state.as_str(),
                    job.updated_at,
                    serde_json::to_string(job)?
                ],
            )?;
            tx.execute(
                "INSERT INTO job_events (job_id, at, state, detail) VALUES (?1, ?2, ?3, ?4)",
                params![job.id, job.created_at, job.state.as_str(), "queued"],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Saves jobs in one transaction, each with a timeline entry when its `detail` is given. Compare and
    /// set: each job is written only if its row still has the `version` the job was read with, else
    /// nothing is and the answer is [`StoreError::Conflict`]. The caller bumps its copies' `version`.
    pub fn save(&self, jobs: &[(&Job, Option<&str>)]) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        {
            let mut update = tx.prepare_cached(
                "UPDATE jobs SET state = ?2, updated_at = ?3, data = ?4, version = version + 1 \
                 WHERE id = ?1 AND version = ?5",
            )?;
            let mut event =
                tx.prepare_cached("INSERT INTO job_events (job_id, at, state, detail) VALUES (?1, ?2, ?3, ?4)")?;
            for (job, timeline) in jobs {
                let data = serde_json::to_string(job)?;
                if update.execute(params![job.id, job.state.as_str(), job.updated_at, data, job.version])? == 0 {
                    return Err(StoreError::Conflict(job.id.clone()));
                }
                if let Some(detail) = timeline {
                    event.execute(params![job.id, now_ms(), job.state.as_str(), detail])?;
                }
            }
        }
        tx.commit()?;
        Ok(())
    }

    pub fn job(&self, id: &str) -> Result<Option<Job>, StoreError> {
        Ok(self.query("SELECT data, version FROM jobs WHERE id = ?1", [id])?.pop())
    }

    /// Finds a job by its id, or by a unique prefix of it (for the CLI).
    pub fn find(&self, id_or_prefix: &str) -> Result<Vec<Job>, StoreError> {
        if let Some(job) = self.job(id_or_prefix)? {
            return Ok(vec![job]);
        }
        let prefix = id_or_prefix.trim();
        if prefix.is_empty() {
            return Ok(Vec::new());
        }
        self.query(
            "SELECT data, version FROM jobs WHERE substr(id, 1, ?2) = ?1 ORDER BY batch_id, seq LIMIT 5",
            params![prefix, prefix.chars().count() as i64],
        )
    }

    fn query<P: rusqlite::Params>(&self, sql: &str, p: P) -> Result<Vec<Job>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(sql)?;
        let rows = stmt.query_map(p, |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
        let mut jobs = Vec::new();
        for row in rows {
            let (data, version) = row?;
            let mut job: Job = serde_json::from_str(&data)?;
            job.version = version;
            // Rows written before jobs carried their actions.
            job.actions = job.state.actions().to_vec();
            jobs.push(job);
        }
        Ok(jobs)
    }

    /// Every job, newest batch first, in submission order within a batch.
    pub fn jobs(&self) -> Result<Vec<Job>, StoreError> {
        self.query(
            "SELECT j.data, j.version FROM jobs j JOIN batches b ON b.id = j.batch_id \
             ORDER BY b.created_at DESC, b.id, j.seq",
            [],
        )
    }

    pub fn jobs_in(&self, states: &[JobState]) -> Result<Vec<Job>, StoreError> {
        let list = states.iter().map(|s| format!("'{}'", s.as_str())).collect::<Vec<_>>().join(",");
        self.query(
            &format!(
                "SELECT j.data, j.version FROM jobs j JOIN batches b ON b.id = j.batch_id \
                 WHERE j.state IN ({list}) ORDER BY b.created_at, b.id, j.seq"
            ),
            [],
        )
    }

    pub fn batch_jobs(&self, batch_id: &str) -> Result<Vec<Job>, StoreError> {
        self.query("SELECT data, version FROM jobs WHERE batch_id = ?1 ORDER BY seq", [batch_id])
    }

    pub fn timeline(&self, job_id: &str) -> Result<Vec<TimelineEntry>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached("SELECT at, state, detail FROM job_events WHERE job_id = ?1 ORDER BY id")?;
        let rows =
            stmt.query_map([job_id], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (at, state, detail) = row?;
            out.push(TimelineEntry { at, state: JobState::parse(&state).unwrap_or(JobState::Failed), detail });
        }
        Ok(out)
    }

    /// Removes a job (and its batch when it was the last one). Compare and set, as [`Store::save`]: only
    /// the job as it was read (`version`), else [`StoreError::Conflict`] — a job another process has
    /// just moved on (a queued job now spawning) is not removed from under it.
    pub fn remove(&self, job_id: &str, version: i64) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let batch: Option<String> =
            tx.query_row("SELECT batch_id FROM jobs WHERE id = ?1", [job_id], |r| r.get(0)).optional()?;
        if tx.execute("DELETE FROM jobs WHERE id = ?1 AND version = ?2", params![job_id, version])? == 0
            && batch.is_some()
        {
            return Err(StoreError::Conflict(job_id.to_owned()));
        }
        if let Some(batch) = batch {
            tx.execute(
                "DELETE FROM batches WHERE id = ?1 AND NOT EXISTS (SELECT 1 FROM jobs WHERE batch_id = ?1)",
                [batch],
            )?;
        }
        tx.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::job::new_id;
    use arke_export_contract::options::ExportOptions;

    fn job(batch: &str) -> Job {
        Job::queued(batch, vec!["01HZX3K9Q4M8V2T6R5N7P0W1YB".into()], ExportOptions::default(), now_ms())
    }

    #[test]
    fn survives_reopening_with_every_state_change() {
        let dir = tempfile::tempdir().unwrap();
        let batch = Batch {
            id: new_id("batch"),
            created_at: now_ms(),
            options: ExportOptions::default(),
            formats: crate::job::mods_only(),
            per_machine: 1,
            record_count: 2,
        };
        let (mut a, b) = (job(&batch.id), job(&batch.id));
        {
            let store = Store::open(dir.path()).unwrap();
            store.insert_batch(&batch, &[a.clone(), b.clone()]).unwrap();
            a.spawning(now_ms()).unwrap();
            store.save(&[(&a, Some("creating machine"))]).unwrap();
            a.version += 1;
        }
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.job(&a.id).unwrap().unwrap().state, JobState::Spawning);
        assert_eq!(store.jobs_in(&[JobState::Queued]).unwrap(), vec![b.clone()]);
        let t = store.timeline(&a.id).unwrap();
        assert_eq!(t.iter().map(|e| e.state).collect::<Vec<_>>(), vec![JobState::Queued, JobState::Spawning]);
        assert_eq!(store.find(&a.id[..12]).unwrap().len(), 2, "a shared prefix finds both");
        assert!(matches!(store.remove(&a.id, a.version - 1), Err(StoreError::Conflict(_))), "a stale copy");
        store.remove(&a.id, a.version).unwrap();
        store.remove(&b.id, b.version).unwrap();
        assert!(store.jobs().unwrap().is_empty());
        let batches: i64 = store.conn().query_row("SELECT count(*) FROM batches", [], |r| r.get(0)).unwrap();
        assert_eq!(batches, 0, "an empty batch goes with its last job");
        let version: i64 = store.conn().pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
        assert_eq!(version, MIGRATIONS.len() as i64);
        let mode: String = store.conn().pragma_query_value(None, "journal_mode", |r| r.get(0)).unwrap();
        assert_eq!(mode, "wal");
    }

    #[test]
    fn a_stale_copy_never_overwrites_a_newer_save() {
        let dir = tempfile::tempdir().unwrap();
        let batch = Batch {
            id: new_id("batch"),
            created_at: now_ms(),
            options: ExportOptions::default(),
            formats: crate::job::mods_only(),
            per_machine: 1,
            record_count: 1,
        };
        let mut job = job(&batch.id);
        let store = Store::open(dir.path()).unwrap();
        store.insert_batch(&batch, std::slice::from_ref(&job)).unwrap();
        job.spawning(1).unwrap();
        store.save(&[(&job, None)]).unwrap();
        // Two readers (the poller, and a cancel from the CLI's own store) hold the same version.
        let (mut poller, cli) = (store.job(&job.id).unwrap().unwrap(), Store::open(dir.path()).unwrap());
        let mut by_cli = cli.job(&job.id).unwrap().unwrap();
        by_cli.cancel(2).unwrap();
        cli.save(&[(&by_cli, Some("canceled"))]).unwrap();
        assert!(poller.running(None).unwrap());
        let lost = store.save(&[(&poller, Some("the worker started exporting"))]);
        assert!(matches!(lost, Err(StoreError::Conflict(ref id)) if *id == job.id), "{lost:?}");
        // Re-read, the job refuses to run again.
        poller = store.job(&job.id).unwrap().unwrap();
        assert_eq!((poller.state, poller.version), (JobState::Canceled, 2));
        assert!(poller.running(None).is_err());
        assert_eq!(store.timeline(&job.id).unwrap().last().unwrap().state, JobState::Canceled);
    }
}
