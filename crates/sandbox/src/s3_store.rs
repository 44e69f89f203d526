//! The R2 stand-in's storage: s3s-fs, except that a multipart upload is completed as R2 completes one,
//! without a second pass over its bytes.
//!
//! s3s-fs completes an upload by reading every part back through the async file API in 64 KiB pieces,
//! hashing it all again with MD5 and writing it out once more: for a 45 MB export that is about 200 ms
//! in which the worker can only wait (the `export_end_to_end` bench measured 15% of a run), and
//! seconds for the large exports an archivist tries in sandbox mode. R2 answers from what it already
//! has. So does [`R2Store`]: each part's MD5 is recorded as the part is uploaded (s3s-fs computes it
//! then, as its ETag), the parts are joined without hashing (on Linux the kernel copies them:
//! `copy_file_range`, through [`std::io::copy`]), and the upload's ETag is the MD5 of the parts' MD5s,
//! `-{parts}`, as S3's is.
//!
//! Every other request goes to s3s-fs unchanged, and so does a completion this store cannot vouch for:
//! one with conditions (`If-Match`, `If-None-Match`), one under a key that is not a plain relative path,
//! or one with a part whose upload it did not see (the server restarted in between). The files it
//! writes are the ones s3s-fs writes, in its layout. A completion runs start to end on the blocking
//! pool, so a client that gives up half-way leaves no half-completed object; a second completion of
//! the same upload meanwhile is refused (`OperationAborted`). A part uploaded again while its upload is
//! being completed is a client's error: the object may then carry the part's earlier ETag.

use std::collections::{BTreeMap, HashMap};
use std::io;
use std::path::{Component, Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use base64::Engine as _;
use s3s::crypto::{Checksum as _, Md5};
use s3s::dto::{
    AbortMultipartUploadInput, AbortMultipartUploadOutput, CompleteMultipartUploadInput, CompleteMultipartUploadOutput,
    CopyObjectInput, CopyObjectOutput, CreateBucketInput, CreateBucketOutput, CreateMultipartUploadInput,
    CreateMultipartUploadOutput, DeleteBucketInput, DeleteBucketOutput, DeleteObjectInput, DeleteObjectOutput,
    DeleteObjectsInput, DeleteObjectsOutput, ETag, GetBucketLocationInput, GetBucketLocationOutput, GetObjectInput,
    GetObjectOutput, HeadBucketInput, HeadBucketOutput, HeadObjectInput, HeadObjectOutput, ListBucketsInput,
    ListBucketsOutput, ListObjectsInput, ListObjectsOutput, ListObjectsV2Input, ListObjectsV2Output, ListPartsInput,
    ListPartsOutput, PutObjectInput, PutObjectOutput, UploadPartCopyInput, UploadPartCopyOutput, UploadPartInput,
    UploadPartOutput,
};
use s3s::{S3, S3Error, S3Request, S3Response, S3Result, s3_error};
use s3s_fs::FileSystem;

/// Every part but the last must be at least this large (S3's and R2's rule).
const MIN_PART_BYTES: u64 = 5 * 1024 * 1024;

/// Uploads whose parts' MD5s are kept at once; beyond it, the oldest not being completed is forgotten
/// (s3s-fs then completes it). Uploads abandoned without an abort would otherwise pile up.
const MAX_TRACKED_UPLOADS: usize = 1_000;

/// What is kept of an upload in progress.
struct Tracked {
    /// When it began, in uploads begun (the oldest is forgotten first).
    begun: u64,
    /// Each part's MD5, by part number.
    parts: BTreeMap<i32, [u8; 16]>,
    /// A completion is running.
    completing: bool,
}

#[derive(Default)]
struct Uploads {
    by_id: HashMap<String, Tracked>,
    begun: u64,
}

/// s3s-fs over `root`, completing multipart uploads as R2 does (see the module's documentation).
pub(crate) struct R2Store {
    fs: FileSystem,
    layout: Arc<Layout>,
    uploads: Arc<Mutex<Uploads>>,
}

/// s3s-fs's file names under its root.
struct Layout {
    root: PathBuf,
}

impl R2Store {
    pub(crate) fn new(root: &Path) -> io::Result<R2Store> {
        let fs = FileSystem::new(root).map_err(|e| io::Error::other(format!("{e:?}")))?;
        // As s3s-fs resolves it, so that both name the same files.
        let root = std::env::current_dir()?.join(root).canonicalize()?;
        Ok(R2Store { fs, layout: Arc::new(Layout { root }), uploads: Arc::default() })
    }

    fn uploads(&self) -> MutexGuard<'_, Uploads> {
        lock(&self.uploads)
    }

    /// Records part `number`'s ETag (an MD5), or forgets the upload when it is not one.
    fn record_part(&self, upload_id: &str, number: i32, etag: Option<&ETag>) {
        let mut uploads = self.uploads();
        match etag.and_then(|e| md5_of(e.value())) {
            Some(digest) => {
                if let Some(upload) = uploads.by_id.get_mut(upload_id) {
                    upload.parts.insert(number, digest);
                }
            }
            None => {
                uploads.by_id.remove(upload_id);
            }
        }
    }
}

fn lock(uploads: &Mutex<Uploads>) -> MutexGuard<'_, Uploads> {
    uploads.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Layout {
    /// `root/{bucket}/{key}`, or `None` unless both are plain relative paths: segments that are not
    /// empty, `.` or `..`, no NUL, nothing a platform reads as a root or prefix (s3s-fs decides what
    /// anything else means).
    fn object(&self, bucket: &str, key: &str) -> Option<PathBuf> {
        let plain = |s: &str| {
            !s.contains('\0')
                && s.split('/').all(|segment| !segment.is_empty() && segment != "." && segment != "..")
                && Path::new(s).components().all(|c| matches!(c, Component::Normal(_)))
        };
        (plain(bucket) && plain(key)).then(|| self.root.join(bucket).join(key))
    }

    /// An object's side file (`metadata.json`, `internal.json`), optionally its upload's.
    fn side_file(&self, bucket: &str, key: &str, upload: Option<&str>, suffix: &str) -> PathBuf {
        let encode = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        let upload = upload.map(|u| format!(".upload-{u}")).unwrap_or_default();
        self.root.join(format!(".bucket-{}.object-{}{upload}.{suffix}", encode(bucket), encode(key)))
    }

    fn upload_info(&self, upload_id: &str) -> PathBuf {
        self.root.join(format!(".upload-{upload_id}.json"))
    }

    fn part(&self, upload_id: &str, number: i32) -> PathBuf {
        self.root.join(format!(".upload_id-{upload_id}.part-{number}"))
    }

    /// A new temporary file's name (s3s-fs removes leftover ones at start).
    fn temporary(&self) -> PathBuf {
        self.root.join(format!(".tmp.r2-{}.internal.part", uuid::Uuid::new_v4()))
    }
}

/// Requests s3s-fs answers as it is. (Written as `#[async_trait]` expands an `async fn`: it rewrites
/// the impl block before this macro is expanded.)
macro_rules! delegated {
    ($($method:ident: $input:ty => $output:ty,)*) => {
        $(
            fn $method<'life0, 'async_trait>(
                &'life0 self,
                req: S3Request<$input>,
            ) -> Pin<Box<dyn Future<Output = S3Result<S3Response<$output>>> + Send + 'async_trait>>
            where
                'life0: 'async_trait,
                Self: 'async_trait,
            {
                self.fs.$method(req)
            }
        )*
    };
}

#[async_trait::async_trait]
impl S3 for R2Store {
    delegated! {
        create_bucket: CreateBucketInput => CreateBucketOutput,
        copy_object: CopyObjectInput => CopyObjectOutput,
        delete_bucket: DeleteBucketInput => DeleteBucketOutput,
        delete_object: DeleteObjectInput => DeleteObjectOutput,
        delete_objects: DeleteObjectsInput => DeleteObjectsOutput,
        get_bucket_location: GetBucketLocationInput => GetBucketLocationOutput,
        get_object: GetObjectInput => GetObjectOutput,
        head_bucket: HeadBucketInput => HeadBucketOutput,
        head_object: HeadObjectInput => HeadObjectOutput,
        list_buckets: ListBucketsInput => ListBucketsOutput,
        list_objects: ListObjectsInput => ListObjectsOutput,
        list_objects_v2: ListObjectsV2Input => ListObjectsV2Output,
        put_object: PutObjectInput => PutObjectOutput,
        list_parts: ListPartsInput => ListPartsOutput,
    }

    async fn create_multipart_upload(
        &self,
        req: S3Request<CreateMultipartUploadInput>,
    ) -> S3Result<S3Response<CreateMultipartUploadOutput>> {
        let resp = self.fs.create_multipart_upload(req).await?;
        if let Some(upload_id) = &resp.output.upload_id {
            let mut uploads = self.uploads();
            if uploads.by_id.len() >= MAX_TRACKED_UPLOADS {
                let oldest = uploads.by_id.iter().filter(|(_, u)| !u.completing).min_by_key(|(_, u)| u.begun);
                if let Some(id) = oldest.map(|(id, _)| id.clone()) {
                    uploads.by_id.remove(&id);
                }
            }
            if uploads.by_id.len() < MAX_TRACKED_UPLOADS {
                uploads.begun += 1;
                let begun = uploads.begun;
                uploads.by_id.insert(upload_id.clone(), Tracked { begun, parts: BTreeMap::new(), completing: false });
            }
        }
        Ok(resp)
    }

    async fn upload_part(&self, req: S3Request<UploadPartInput>) -> S3Result<S3Response<UploadPartOutput>> {
        let (upload_id, number) = (req.input.upload_id.clone(), req.input.part_number);
        let resp = self.fs.upload_part(req).await?;
        self.record_part(&upload_id, number, resp.output.e_tag.as_ref());
        Ok(resp)
    }

    async fn upload_part_copy(
        &self,
        req: S3Request<UploadPartCopyInput>,
    ) -> S3Result<S3Response<UploadPartCopyOutput>> {
        let (upload_id, number) = (req.input.upload_id.clone(), req.input.part_number);
        let resp = self.fs.upload_part_copy(req).await?;
        self.record_part(&upload_id, number, resp.output.copy_part_result.as_ref().and_then(|c| c.e_tag.as_ref()));
        Ok(resp)
    }

    async fn abort_multipart_upload(
        &self,
        req: S3Request<AbortMultipartUploadInput>,
    ) -> S3Result<S3Response<AbortMultipartUploadOutput>> {
        let upload_id = req.input.upload_id.clone();
        let resp = self.fs.abort_multipart_upload(req).await?;
        self.uploads().by_id.remove(&upload_id);
        Ok(resp)
    }

    async fn complete_multipart_upload(
        &self,
        req: S3Request<CompleteMultipartUploadInput>,
    ) -> S3Result<S3Response<CompleteMultipartUploadOutput>> {
        let input = &req.input;
        let upload_id = input.upload_id.clone();
        let conditional = input.if_match.is_some() || input.if_none_match.is_some();
        let object = self.layout.object(&input.bucket, &input.key);
        // Claimed (marked as completing) here, or left to s3s-fs.
        let claimed = match (object, conditional, self.uploads().by_id.get_mut(&upload_id)) {
            (_, _, Some(upload)) if upload.completing => {
                return Err(s3_error!(OperationAborted, "this upload is being completed by another request"));
            }
            (Some(object), false, Some(upload)) => {
                upload.completing = true;
                Some((object, upload.parts.clone()))
            }
            _ => None,
        };
        let Some((object, recorded)) = claimed else {
            let resp = self.fs.complete_multipart_upload(req).await?;
            self.uploads().by_id.remove(&upload_id);
            return Ok(resp);
        };
        let job = Completion {
            layout: self.layout.clone(),
            upload_id: upload_id.clone(),
            owner: req.credentials.as_ref().map(|c| c.access_key.clone()),
            bucket: input.bucket.clone(),
            key: input.key.clone(),
            object,
            listed: input.multipart_upload.as_ref().and_then(|m| m.parts.clone()).unwrap_or_default(),
            recorded,
        };
        // On the blocking pool from start to end, the bookkeeping included: a request dropped half-way
        // (its client gave up) still leaves a completed upload, or an untouched one.
        let uploads = self.uploads.clone();
        let outcome = tokio::task::spawn_blocking(move || {
            let outcome = job.run();
            let mut uploads = lock(&uploads);
            match &outcome {
                // Over, or (a part not seen uploaded) left to s3s-fs from now on.
                Ok(_) | Err(Failure::Broken(_) | Failure::Unrecorded) => {
                    uploads.by_id.remove(&job.upload_id);
                }
                Err(Failure::Refused(_)) => {
                    if let Some(upload) = uploads.by_id.get_mut(&job.upload_id) {
                        upload.completing = false;
                    }
                }
            }
            outcome
        })
        .await
        .map_err(|e| s3_error!(InternalError, "completing the upload failed: {e}"))?;
        match outcome {
            Ok(output) => Ok(S3Response::new(output)),
            Err(Failure::Refused(e) | Failure::Broken(e)) => Err(e),
            // A part this store did not see uploaded (nothing was changed): s3s-fs completes it.
            Err(Failure::Unrecorded) => self.fs.complete_multipart_upload(req).await,
        }
    }
}

/// One completion, run on the blocking pool.
struct Completion {
    layout: Arc<Layout>,
    upload_id: String,
    /// The access key of the request (the upload's owner must be the same).
    owner: Option<String>,
    bucket: String,
    key: String,
    object: PathBuf,
    listed: Vec<s3s::dto::CompletedPart>,
    recorded: BTreeMap<i32, [u8; 16]>,
}

/// Why a completion failed.
enum Failure {
    /// Refused before anything changed: the upload can be completed again.
    Refused(S3Error),
    /// A listed part was not seen uploaded; nothing changed.
    Unrecorded,
    /// Failed after the object was replaced: the upload is over.
    Broken(S3Error),
}

impl Completion {
    fn run(&self) -> Result<CompleteMultipartUploadOutput, Failure> {
        let refused = Failure::Refused;
        let owner: Option<String> = std::fs::read(self.layout.upload_info(&self.upload_id))
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or_else(|| refused(s3_error!(NoSuchUpload)))?;
        if owner != self.owner {
            return Err(refused(s3_error!(AccessDenied)));
        }
        let numbers = self.part_numbers()?;
        let tmp = self.layout.temporary();
        let joined = join(&self.layout, &self.upload_id, &numbers, &tmp);
        if let Err(e) = joined {
            let _ = std::fs::remove_file(&tmp);
            return Err(refused(match e {
                JoinError::Missing(n) => s3_error!(InvalidPart, "part {n} was not uploaded"),
                JoinError::TooSmall(n, size) => {
                    s3_error!(EntityTooSmall, "part {n} has {size} bytes; every part but the last needs 5 MiB")
                }
                JoinError::Io(e) => s3_error!(InternalError, "joining the parts failed: {e}"),
            }));
        }

        // The previous object's ETag and checksums go first (without them, s3s-fs computes the ETag
        // of what is there), then the object is replaced, then its side files are written.
        let broken = |what: &str, e: io::Error| Failure::Broken(s3_error!(InternalError, "{what} failed: {e}"));
        let internal = self.layout.side_file(&self.bucket, &self.key, None, "internal.json");
        remove_if_there(&internal).map_err(|e| broken("removing the previous ETag", e))?;
        if let Some(dir) = self.object.parent() {
            std::fs::create_dir_all(dir).map_err(|e| broken("creating the object's folder", e))?;
        }
        std::fs::rename(&tmp, &self.object).map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            broken("putting the object in place", e)
        })?;
        let mut etag_md5 = Md5::new();
        for n in &numbers {
            etag_md5.update(&self.recorded[n]);
        }
        let e_tag = format!("{}-{}", hex::encode(etag_md5.finalize()), numbers.len());
        let written = self.layout.temporary();
        std::fs::write(&written, serde_json::json!({ "e_tag": e_tag }).to_string())
            .and_then(|()| std::fs::rename(&written, &internal))
            .map_err(|e| broken("writing the object's ETag", e))?;
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
        // The upload is over: its parts go, also those uploaded and not listed (as S3 drops them).
        let _ = std::fs::remove_file(self.layout.upload_info(&self.upload_id));
        for n in self.recorded.keys() {
            let _ = std::fs::remove_file(self.layout.part(&self.upload_id, *n));
        }
        Ok(CompleteMultipartUploadOutput {
            bucket: Some(self.bucket.clone()),
            key: Some(self.key.clone()),
            e_tag: Some(ETag::Strong(e_tag)),
            ..Default::default()
        })
    }

    /// The listed part numbers, in ascending order (gaps allowed, as in S3), each with the ETag it was
    /// uploaded with when the request gives one.
    fn part_numbers(&self) -> Result<Vec<i32>, Failure> {
        if self.listed.is_empty() {
            return Err(Failure::Refused(s3_error!(InvalidPart, "You must specify at least one part")));
        }
        let mut numbers = Vec::with_capacity(self.listed.len());
        for part in &self.listed {
            let Some(n) = part.part_number else {
                return Err(Failure::Refused(s3_error!(InvalidRequest, "a part without a number")));
            };
            if numbers.last().is_some_and(|last| *last >= n) {
                return Err(Failure::Refused(s3_error!(InvalidPartOrder, "parts must be listed in ascending order")));
            }
            let Some(digest) = self.recorded.get(&n) else { return Err(Failure::Unrecorded) };
            if part.e_tag.as_ref().is_some_and(|e| md5_of(e.value()).as_ref() != Some(digest)) {
                return Err(Failure::Refused(s3_error!(
                    InvalidPart,
                    "part {n}'s ETag is not the one it was uploaded with"
                )));
            }
            numbers.push(n);
        }
        Ok(numbers)
    }
}

enum JoinError {
    Missing(i32),
    TooSmall(i32, u64),
    Io(io::Error),
}

/// Appends the parts `numbers` to `tmp` in order (without hashing), each but the last at least
/// [`MIN_PART_BYTES`].
fn join(layout: &Layout, upload_id: &str, numbers: &[i32], tmp: &Path) -> Result<(), JoinError> {
    let mut out = std::fs::File::create(tmp).map_err(JoinError::Io)?;
    for (i, n) in numbers.iter().enumerate() {
        let mut part = std::fs::File::open(layout.part(upload_id, *n)).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => JoinError::Missing(*n),
            _ => JoinError::Io(e),
        })?;
        let size = io::copy(&mut part, &mut out).map_err(JoinError::Io)?;
        if i + 1 < numbers.len() && size < MIN_PART_BYTES {
            return Err(JoinError::TooSmall(*n, size));
        }
    }
    Ok(())
}

fn remove_if_there(path: &Path) -> io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// The 16 bytes of a hex MD5 (an s3s-fs part ETag).
fn md5_of(hex_digest: &str) -> Option<[u8; 16]> {
    let mut digest = [0; 16];
    hex::decode_to_slice(hex_digest, &mut digest).ok()?;
    Some(digest)
}
