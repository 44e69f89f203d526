//! One multipart completion, run start to end on the blocking pool: the parts joined without hashing,
//! S3's ETag from the MD5s recorded at upload, the object and its side files replaced together.

use std::io;
use std::path::PathBuf;
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
    /// A listed part was uploaded unseen by this store (its file is there, its MD5 is not); nothing
    /// changed.
    Unrecorded,
    /// Failed after the object was replaced: the upload is over.
    Broken(S3Error),
}

impl Completion {
    pub(super) fn run(&self) -> Result<CompleteMultipartUploadOutput, Failure> {
        let refused = |what: &str, e: io::Error| Failure::Refused(s3_error!(InternalError, "{what} failed: {e}"));
        if self.upload_owner()? != self.owner {
            return Err(Failure::Refused(s3_error!(AccessDenied)));
        }
        let numbers = self.part_numbers()?;
        if let Some(dir) = self.object.parent() {
            std::fs::create_dir_all(dir).map_err(|e| refused("creating the object's folder", e))?;
        }
        let joined = self.layout.temporary();
        join(&self.layout, &self.upload_id, &numbers, &joined)?;
        let mut etag_md5 = Md5::new();
        for n in &numbers {
            etag_md5.update(&self.recorded[n]);
        }
        let e_tag = format!("{}-{}", hex::encode(etag_md5.finalize()), numbers.len());
        let etag_file = self.layout.temporary();
        std::fs::write(etag_file.path(), serde_json::json!({ "e_tag": e_tag }).to_string())
            .map_err(|e| refused("writing the object's ETag", e))?;

        // The previous object's ETag and checksums go first (without them, s3s-fs computes the ETag
        // of what is there), then the object is replaced, then its side files are put in place.
        let replacing = self.layout.replacing.lock().unwrap_or_else(PoisonError::into_inner);
        let internal = self.layout.side_file(&self.bucket, &self.key, None, "internal.json");
        remove_if_there(&internal).map_err(|e| refused("removing the previous ETag", e))?;
        joined.rename_to(&self.object).map_err(|e| refused("putting the object in place", e))?;
        let broken = |what: &str, e: io::Error| Failure::Broken(s3_error!(InternalError, "{what} failed: {e}"));
        etag_file.rename_to(&internal).map_err(|e| broken("writing the object's ETag", e))?;
        // The attributes given when the upload began (none: none, not the previous object's).
        let metadata = self.layout.side_file(&self.bucket, &self.key, None, "metadata.json");
        match std::fs::rename(
            self.layout.side_file(&self.bucket, &self.key, Some(&self.upload_id), "metadata.json"),
            &metadata,
        ) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => remove_if_there(&metadata),
            other => other,
        }
        .map_err(|e| broken("moving the upload's attributes", e))?;
        drop(replacing);

        // The upload is over: its parts go, also those uploaded and not listed (as S3 drops them).
        let _ = std::fs::remove_file(self.layout.upload_info(&self.upload_id));
        self.layout.remove_parts(&self.upload_id);
        Ok(CompleteMultipartUploadOutput {
            bucket: Some(self.bucket.clone()),
            key: Some(self.key.clone()),
            e_tag: Some(ETag::Strong(e_tag)),
            ..Default::default()
        })
    }

    /// Who began the upload, from s3s-fs's record of it.
    fn upload_owner(&self) -> Result<Option<String>, Failure> {
        let bytes = std::fs::read(self.layout.upload_info(&self.upload_id)).map_err(|e| {
            Failure::Refused(match e.kind() {
                io::ErrorKind::NotFound => s3_error!(NoSuchUpload),
                _ => s3_error!(InternalError, "reading the upload's record failed: {e}"),
            })
        })?;
        serde_json::from_slice(&bytes)
            .map_err(|e| Failure::Refused(s3_error!(InternalError, "the upload's record is unreadable: {e}")))
    }

    /// The listed part numbers, in ascending order (gaps allowed, as in S3), each with the ETag it was
    /// uploaded with when the request gives one.
    fn part_numbers(&self) -> Result<Vec<i32>, Failure> {
        let refused = Failure::Refused;
        if self.listed.is_empty() {
            return Err(refused(s3_error!(InvalidPart, "You must specify at least one part")));
        }
        let mut numbers = Vec::with_capacity(self.listed.len());
        for part in &self.listed {
            let Some(n) = part.part_number else {
                return Err(refused(s3_error!(InvalidRequest, "a part without a number")));
            };
            if !PART_NUMBERS.contains(&n) {
                return Err(refused(s3_error!(InvalidArgument, "part numbers run from 1 to 10,000, not {n}")));
            }
            if numbers.last().is_some_and(|last| *last >= n) {
                return Err(refused(s3_error!(InvalidPartOrder, "parts must be listed in ascending order")));
            }
            let Some(digest) = self.recorded.get(&n) else {
                return Err(match self.layout.part(&self.upload_id, n).try_exists() {
                    Ok(true) => Failure::Unrecorded,
                    _ => refused(s3_error!(InvalidPart, "part {n} was not uploaded")),
                });
            };
            if part.e_tag.as_ref().is_some_and(|e| md5_of(e.value()).as_ref() != Some(digest)) {
                return Err(refused(s3_error!(InvalidPart, "part {n}'s ETag is not the one it was uploaded with")));
            }
            numbers.push(n);
        }
        Ok(numbers)
    }
}

/// Appends the parts `numbers` to `out` in order (without hashing), each but the last at least
/// [`MIN_PART_BYTES`].
fn join(layout: &Layout, upload_id: &str, numbers: &[i32], out: &Temporary) -> Result<(), Failure> {
    let io_error = |e: io::Error| Failure::Refused(s3_error!(InternalError, "joining the parts failed: {e}"));
    let mut file = std::fs::File::create(out.path()).map_err(io_error)?;
    for (i, n) in numbers.iter().enumerate() {
        let mut part = std::fs::File::open(layout.part(upload_id, *n)).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => Failure::Refused(s3_error!(InvalidPart, "part {n} was not uploaded")),
            _ => io_error(e),
        })?;
        let size = io::copy(&mut part, &mut file).map_err(io_error)?;
        if i + 1 < numbers.len() && size < MIN_PART_BYTES {
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
