//! The files of one task, one per requested format, all written in the same pass over the archive:
//! each fetched entity is described once ([`arke_export_crosswalk::describe`]) and written to every file in turn.
//! Each file is uploaded while it is written ([`crate::upload`]).

use std::io::{BufWriter, Write};
use std::sync::Arc;

use sha2::{Digest, Sha256};
use tempfile::NamedTempFile;
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;

use crate::export::Sink;
use crate::storage::{Bucket, StorageError};
use crate::upload::{self, PARTS_IN_FLIGHT, Watched};
use arke_export_contract::bucket::task_prefix;
use arke_export_contract::env::{ExportFormat, MachineEnv};
use arke_export_contract::options::ExportOptions;
use arke_export_crosswalk::describe::{self, Links, Position};
use arke_export_crosswalk::model::EntityData;
use arke_export_crosswalk::{dc, marc, mods};

/// A writer that hashes and counts what passes through it.
struct Hashing<W: Write> {
    inner: W,
    hasher: Sha256,
    bytes: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// One format's temporary file (removed when dropped: on success, on error and on panic), and its
/// upload, which follows the writing.
struct FormatFile {
    format: ExportFormat,
    name: String,
    key: String,
    temp: NamedTempFile,
    out: Hashing<BufWriter<Watched>>,
    upload: JoinHandle<Result<(), StorageError>>,
}

/// A finished file whose upload is completing.
pub struct Written {
    pub format: ExportFormat,
    /// The object's file name (`{PI}.xml`, `{PI}-dc.xml`, …).
    pub name: String,
    /// The object's key in the bucket.
    pub key: String,
    pub size: u64,
    pub sha256: String,
    upload: JoinHandle<Result<(), StorageError>>,
    /// Kept until the upload has read the file.
    _temp: NamedTempFile,
}

impl Written {
    /// Waits until the file is in the bucket.
    pub async fn uploaded(&mut self) -> Result<(), StorageError> {
        (&mut self.upload)
            .await
            .map_err(|e| StorageError { what: format!("uploading {}", self.key), reason: e.to_string() })?
    }
}

/// Writes every requested format of one task.
pub struct Writers {
    files: Vec<FormatFile>,
    single_record: bool,
    options: ExportOptions,
    links: Links,
    today: String,
    /// One record's text, reused for every record and format.
    buf: String,
}

impl Writers {
    /// Creates a temporary file for each of the task's formats and starts its upload to `bucket`
    /// (on the current runtime). `today` is `YYYY-MM-DD`.
    pub fn create(config: &MachineEnv, bucket: &Bucket, links: Links, today: String) -> std::io::Result<Writers> {
        let mut files = Vec::with_capacity(config.formats.len());
        let parts_in_flight = Arc::new(Semaphore::new(PARTS_IN_FLIGHT));
        for (format, name) in config.output_file_names() {
            let temp = tempfile::Builder::new()
                .prefix(&format!("{}-", config.task_id))
                .suffix(&format!("{}.xml", format.file_suffix()))
                .tempfile()?;
            let (watched, written) = Watched::new(temp.reopen()?);
            let key = format!("{}{name}", task_prefix(&config.task_id));
            let upload = upload::upload_growing(
                bucket.clone(),
                key.clone(),
                temp.path().to_owned(),
                written,
                parts_in_flight.clone(),
            );
            let out = Hashing { inner: BufWriter::with_capacity(256 * 1024, watched), hasher: Sha256::new(), bytes: 0 };
            files.push(FormatFile { format, name, key, temp, out, upload });
        }
        Ok(Writers {
            files,
            single_record: config.single_record(),
            options: config.options.clone(),
            links,
            today,
            buf: String::with_capacity(16 * 1024),
        })
    }

    /// The export failed: each upload is told its file is abandoned and awaited, so that a multipart
    /// upload it started is aborted before the machine exits (not left for the bucket's lifecycle rule).
    pub async fn abandon(self) {
        for f in self.files {
            let FormatFile { out, upload, temp, .. } = f;
            drop(out);
            if let Ok(Err(e)) = upload.await {
                tracing::debug!("abandoned upload: {e}");
            }
            drop(temp);
        }
    }

    /// Flushes and closes every file; their uploads send what is left.
    pub fn finish(self) -> std::io::Result<Vec<Written>> {
        self.files
            .into_iter()
            .map(|mut f| {
                f.out.flush()?;
                let Hashing { inner, hasher, bytes } = f.out;
                inner.into_inner().map_err(std::io::IntoInnerError::into_error)?.finish()?;
                Ok(Written {
                    format: f.format,
                    name: f.name,
                    key: f.key,
                    size: bytes,
                    sha256: hex::encode(hasher.finalize()),
                    upload: f.upload,
                    _temp: f.temp,
                })
            })
            .collect()
    }
}

impl Sink for Writers {
    fn begin(&mut self) -> std::io::Result<()> {
        for f in &mut self.files {
            let header = match f.format {
                ExportFormat::Mods => mods::header(self.single_record),
                ExportFormat::Dc => dc::header(self.single_record),
                ExportFormat::Marcxml => marc::header(self.single_record),
            };
            f.out.write_all(header.as_bytes())?;
        }
        Ok(())
    }

    fn record(&mut self, data: EntityData, position: Option<Position>) -> std::io::Result<()> {
        let d = describe::describe(&data, position.as_ref(), &self.options, &self.links, &self.today);
        let root = self.single_record;
        for f in &mut self.files {
            self.buf.clear();
            match f.format {
                ExportFormat::Mods => mods::record::write(&d, &mut self.buf, root),
                ExportFormat::Dc => dc::write(&d, &mut self.buf, root),
                ExportFormat::Marcxml => marc::write(&d, &mut self.buf, root, &self.today),
            }
            f.out.write_all(self.buf.as_bytes())?;
        }
        Ok(())
    }

    fn end(&mut self) -> std::io::Result<()> {
        for f in &mut self.files {
            let footer = match f.format {
                ExportFormat::Mods => mods::footer(self.single_record),
                ExportFormat::Dc => dc::footer(self.single_record),
                ExportFormat::Marcxml => marc::footer(self.single_record),
            };
            f.out.write_all(footer.as_bytes())?;
            f.out.flush()?;
        }
        Ok(())
    }
}
