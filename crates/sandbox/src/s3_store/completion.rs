//! One multipart completion, run start to end on the blocking pool: the parts joined without hashing,
//! S3's ETag from the parts' MD5s (recorded at upload, or read from a part this store did not see
//! uploaded), the object and its side files replaced together.

use std::io::{self, Read as _};
use std::path::{Path, PathBuf};
use std::sync::{Arc, PoisonError};

use s3s::crypto::{Checksum as _, Md5};
use s3s::dto::{CompleteMultipartUploadOutput, CompletedPart, ETag};
use s3s::{S3Error, s3_error};

use super::PartDigests;
use super::layout::{Layout, Temporary, remove_if_there};

/// Every part but the last must be at least this large (S3's and R2's rule).
const MIN_PART_BYTES: u64 = 5 * 1024 * 1024;

/// S3's part numbers.
const PART_NUMBERS: std::ops::RangeInclusive<i32> = 1..=10_000;

pub(super) struct Completion {
    pub(super) layout: Arc<Layout>,
    pub(super) upload_id: String,
    /// The access key of the request (the upload's owner must be the same).
    pub(super) owner: Option<String>,
    pub(super) bucket: String,
    pub(super) key: String,
    pub(super) object: PathBuf,
    pub(super) listed: Vec<CompletedPart>,
    /// Each part's MD5 as recorded at upload.
    pub(super) recorded: PartDigests,
}

/// Why a completion failed.
pub(super) enum Failure {
    /// Refused before the object was replaced: the upload can be completed again.
    Refused(S3Error),
    /// The upload is over all the same: it failed after the object was replaced, or it is gone.
    Over(S3Error),
}

impl Completion {
    pub(super) fn run(&self) -> Result<CompleteMultipartUploadOutput, Failure> {
        let refused = |what: &str, e: io::Error| Failure::Refused(s3_error!(InternalError, "{what} failed: {e}"));
        let owner = self.upload_owner().inspect_err(|failure| {
            if matches!(failure, Failure::Over(_)) {
                // Its record is gone: what is left of it goes too.
                self.remove_upload();
            }
        })?;
        if owner != self.owner {
            return Err(Failure::Refused(s3_error!(AccessDenied)));
        }
        let parts = self.parts()?;
        let joined = self.layout.temporary();
        join(&self.layout, &self.upload_id, &parts, &joined)?;
        let mut etag_md5 = Md5::new();
        for (_, digest) in &parts {
            etag_md5.update(digest);
        }
        let e_tag = format!("{}-{}", hex::encode(etag_md5.finalize()), parts.len());
        let etag_file = self.layout.temporary();
        std::fs::write(etag_file.path(), serde_json::json!({ "e_tag": e_tag }).to_string())
            .map_err(|e| refused("writing the object's ETag", e))?;

        // The object's folder is made only now (a refused completion leaves none behind). The previous
        // object's ETag and checksums are moved aside (without them, s3s-fs computes the ETag of what
        // is there) and put back if the object cannot be replaced; then its side files are put in place.
        let replacing = self.layout.replacing.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(dir) = self.object.parent() {
            std::fs::create_dir_all(dir).map_err(|e| refused("creating the object's folder", e))?;
        }
        let internal = self.layout.side_file(&self.bucket, &self.key, None, "internal.json");
        let previous = self.layout.temporary();
        let had_previous = match std::fs::rename(&internal, previous.path()) {
            Ok(()) => true,
            Err(e) if e.kind() == io::ErrorKind::NotFound => false,
            Err(e) => return Err(refused("moving the previous ETag aside", e)),
        };
        if let Err(e) = joined.rename_to(&self.object) {
            // Put back unless another writer has written one since (a hard link never replaces).
            if had_previous
                && let Err(restoring) = std::fs::hard_link(previous.path(), &internal)
                && restoring.kind() != io::ErrorKind::AlreadyExists
            {
                tracing::warn!(
                    kept = %previous.keep().display(),
                    "the previous object's ETag could not be put back: {restoring}"
                );
            }
            return Err(refused("putting the object in place", e));
        }
        drop(previous);
        let side_files = self.put_side_files(etag_file, &internal);
        drop(replacing);

        // The upload is over, whatever happened to the side files.
        self.remove_upload();
        side_files?;
        Ok(CompleteMultipartUploadOutput {
            bucket: Some(self.bucket.clone()),
            key: Some(self.key.clone()),
            e_tag: Some(ETag::Strong(e_tag)),
            ..Default::default()
        })
    }

    /// The new object's ETag, and the attributes given when the upload began (none: none, not the
    /// previous object's); each is tried whatever became of the other.
    fn put_side_files(&self, etag_file: Temporary, internal: &Path) -> Result<(), Failure> {
        let over = |what: &str, e: io::Error| Failure::Over(s3_error!(InternalError, "{what} failed: {e}"));
        let etag = etag_file.rename_to(internal).map_err(|e| over("writing the object's ETag", e));
        let metadata = self.layout.side_file(&self.bucket, &self.key, None, "metadata.json");
        let attributes = match std::fs::rename(
            self.layout.side_file(&self.bucket, &self.key, Some(&self.upload_id), "metadata.json"),
            &metadata,
        ) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => remove_if_there(&metadata),
            other => other,
        }
        .map_err(|e| over("moving the upload's attributes", e));
        etag.and(attributes)
    }

    /// Everything of the upload: its record, its attributes, its parts (also those uploaded and not
    /// listed, as S3 drops them).
    fn remove_upload(&self) {
        let _ = std::fs::remove_file(self.layout.upload_info(&self.upload_id));
        let _ = std::fs::remove_file(self.layout.side_file(
            &self.bucket,
            &self.key,
            Some(&self.upload_id),
            "metadata.json",
        ));
        self.layout.remove_parts(&self.upload_id);
    }

    /// Who began the upload, from s3s-fs's record of it (none: the upload is over).
    fn upload_owner(&self) -> Result<Option<String>, Failure> {
        let bytes = std::fs::read(self.layout.upload_info(&self.upload_id)).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => Failure::Over(s3_error!(NoSuchUpload)),
            _ => Failure::Refused(s3_error!(InternalError, "reading the upload's record failed: {e}")),
        })?;
        serde_json::from_slice(&bytes)
            .map_err(|e| Failure::Refused(s3_error!(InternalError, "the upload's record is unreadable: {e}")))
    }

    /// The listed parts in ascending order (gaps allowed, as in S3), each with its MD5: as recorded at
    /// upload, or read from its file when this store did not see it uploaded. A part given with an
    /// ETag must have been uploaded with that ETag.
    fn parts(&self) -> Result<Vec<(i32, [u8; 16])>, Failure> {
        let refused = Failure::Refused;
        if self.listed.is_empty() {
            return Err(refused(s3_error!(InvalidPart, "You must specify at least one part")));
        }
        let mut parts: Vec<(i32, [u8; 16])> = Vec::with_capacity(self.listed.len());
        for part in &self.listed {
            let Some(n) = part.part_number else {
                return Err(refused(s3_error!(InvalidRequest, "a part without a number")));
            };
            if !PART_NUMBERS.contains(&n) {
                return Err(refused(s3_error!(InvalidArgument, "part numbers run from 1 to 10,000, not {n}")));
            }
            if parts.last().is_some_and(|(last, _)| *last >= n) {
                return Err(refused(s3_error!(InvalidPartOrder, "parts must be listed in ascending order")));
            }
            let digest = match self.recorded.get(&n) {
                Some(digest) => *digest,
                None => md5_of_file(&self.layout.part(&self.upload_id, n)).map_err(|e| match e.kind() {
                    io::ErrorKind::NotFound => refused(s3_error!(InvalidPart, "part {n} was not uploaded")),
                    _ => refused(s3_error!(InternalError, "reading part {n} failed: {e}")),
                })?,
            };
            if part.e_tag.as_ref().is_some_and(|e| md5_of(e.value()) != Some(digest)) {
                return Err(refused(s3_error!(InvalidPart, "part {n}'s ETag is not the one it was uploaded with")));
            }
            parts.push((n, digest));
        }
        Ok(parts)
    }
}

/// The MD5 of a file, read in pieces.
fn md5_of_file(path: &Path) -> io::Result<[u8; 16]> {
    let mut file = std::fs::File::open(path)?;
    let mut md5 = Md5::new();
    let mut buffer = vec![0; 256 * 1024];
    loop {
        match file.read(&mut buffer)? {
            0 => return Ok(md5.finalize()),
            n => md5.update(&buffer[..n]),
        }
    }
}

/// Appends the `parts` to `out` in order (without hashing), each but the last at least
/// [`MIN_PART_BYTES`].
fn join(layout: &Layout, upload_id: &str, parts: &[(i32, [u8; 16])], out: &Temporary) -> Result<(), Failure> {
    let io_error = |e: io::Error| Failure::Refused(s3_error!(InternalError, "joining the parts failed: {e}"));
    let mut file = std::fs::File::create(out.path()).map_err(io_error)?;
    for (i, (n, _)) in parts.iter().enumerate() {
        let mut part = std::fs::File::open(layout.part(upload_id, *n)).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => Failure::Refused(s3_error!(InvalidPart, "part {n} was not uploaded")),
            _ => io_error(e),
        })?;
        let size = io::copy(&mut part, &mut file).map_err(io_error)?;
        if i + 1 < parts.len() && size < MIN_PART_BYTES {
            return Err(Failure::Refused(s3_error!(
                EntityTooSmall,
                "part {n} has {size} bytes; every part but the last needs 5 MiB"
            )));
        }
    }
    Ok(())
}

/// The 16 bytes of a hex MD5 (an s3s-fs part ETag).
pub(super) fn md5_of(hex_digest: &str) -> Option<[u8; 16]> {
    let mut digest = [0; 16];
    hex::decode_to_slice(hex_digest, &mut digest).ok()?;
    Some(digest)
}
