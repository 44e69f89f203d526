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
//! A part this store did not see uploaded (its file is there, its MD5 is not) is hashed at completion.
//! Other requests go to s3s-fs, and so does a completion this store cannot vouch for: one with
//! conditions (`If-Match`, `If-None-Match`), one under a key that is not a plain relative path, one
//! begun before the server started (or forgotten, see [`MAX_TRACKED_UPLOADS`]); for those s3s-fs's own
//! rules apply (it may end an upload whose completion it refuses). The files this store writes are the
//! ones s3s-fs writes, in its layout ([`layout`]).
//!
//! For an upload it tracks, a completion or an abort first *claims* it: a second completion or an
//! abort meanwhile is refused (`OperationAborted`), also while s3s-fs completes one for it, and either
//! under another key than the upload's is refused (`NoSuchUpload`). A completion runs start to end on
//! the blocking pool ([`completion`]), and s3s-fs's on a task of its own, so a client that gives up
//! half-way stops neither. Two of this store's completions of one key replace it one after the other
//! (a `PutObject` or an s3s-fs completion of the same key at the same moment is not held back). A part
//! uploaded again while its upload is being completed is a client's error: the object may then carry
//! the part's earlier ETag.

mod completion;
mod layout;

use std::collections::{BTreeMap, HashMap};
use std::io;
use std::path::Path;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

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
use s3s::{S3, S3Request, S3Response, S3Result, s3_error};
use s3s_fs::FileSystem;

use completion::{Completion, Failure, md5_of};
use layout::Layout;

/// Uploads whose parts' MD5s are kept at once; beyond it, the oldest not claimed is forgotten
/// (s3s-fs then completes it). Uploads abandoned without an abort would otherwise pile up.
const MAX_TRACKED_UPLOADS: usize = 1_000;

/// Each part's MD5, by part number.
type PartDigests = BTreeMap<i32, [u8; 16]>;

/// What is kept of an upload in progress.
struct Tracked {
    /// When it began, in uploads begun (the oldest is forgotten first).
    begun: u64,
    /// Where it was begun: it completes nowhere else.
    bucket: String,
    key: String,
    parts: PartDigests,
    /// A completion or an abort is running.
    claimed: bool,
}

#[derive(Default)]
struct Uploads {
    by_id: HashMap<String, Tracked>,
    begun: u64,
}

/// s3s-fs over `root`, completing multipart uploads as R2 does (see the module's documentation).
pub(crate) struct R2Store {
    fs: Arc<FileSystem>,
    layout: Arc<Layout>,
    uploads: Arc<Mutex<Uploads>>,
}

/// An upload claimed by one request: released when dropped (a failure, a panic, a dropped request),
/// forgotten by [`Claim::end`].
struct Claim {
    uploads: Arc<Mutex<Uploads>>,
    upload_id: String,
    ended: bool,
}

impl Claim {
    /// The upload is over (completed or aborted).
    fn end(mut self) {
        self.ended = true;
        lock(&self.uploads).by_id.remove(&self.upload_id);
    }

    /// After s3s-fs answered for the upload: ended if it succeeded or the upload is gone, else released.
    fn settle(self, succeeded: bool, layout: &Layout) {
        if succeeded || !layout.upload_info(&self.upload_id).exists() {
            self.end();
        }
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        if !self.ended
            && let Some(upload) = lock(&self.uploads).by_id.get_mut(&self.upload_id)
        {
            upload.claimed = false;
        }
    }
}

impl R2Store {
    pub(crate) fn new(root: &Path) -> io::Result<R2Store> {
        let fs = FileSystem::new(root).map_err(|e| io::Error::other(format!("{e:?}")))?;
        // As s3s-fs resolves it, so that both name the same files.
        let root = std::env::current_dir()?.join(root).canonicalize()?;
        Ok(R2Store { fs: Arc::new(fs), layout: Arc::new(Layout::new(root)), uploads: Arc::default() })
    }

    fn uploads(&self) -> MutexGuard<'_, Uploads> {
        lock(&self.uploads)
    }

    /// Records part `number`'s ETag (an MD5), or forgets the upload when it is not one.
    fn record_part(&self, upload_id: &str, number: i32, etag: Option<&ETag>) {
        let Some(upload_id) = canonical(upload_id) else { return };
        let upload_id = upload_id.as_str();
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

    /// Claims a tracked upload with its recorded parts; `None` when it is not tracked (s3s-fs alone
    /// answers for it). Refused while another request holds it, and for another bucket or key.
    fn claim(&self, upload_id: &str, bucket: &str, key: &str) -> S3Result<Option<(Claim, PartDigests)>> {
        let Some(upload_id) = canonical(upload_id) else { return Ok(None) };
        let mut uploads = self.uploads();
        let Some(upload) = uploads.by_id.get_mut(&upload_id) else { return Ok(None) };
        if upload.bucket != bucket || upload.key != key {
            return Err(s3_error!(NoSuchUpload, "the upload was begun under another key"));
        }
        if upload.claimed {
            return Err(s3_error!(OperationAborted, "this upload is being completed or aborted by another request"));
        }
        upload.claimed = true;
        let claim = Claim { uploads: self.uploads.clone(), upload_id, ended: false };
        Ok(Some((claim, upload.parts.clone())))
    }

    /// s3s-fs completes the upload, on a task of its own (a request dropped half-way does not stop it
    /// between its steps); a claim held meanwhile ends with the upload.
    async fn complete_by_fs(
        &self,
        req: S3Request<CompleteMultipartUploadInput>,
        claim: Option<Claim>,
    ) -> S3Result<S3Response<CompleteMultipartUploadOutput>> {
        let (fs, layout) = (self.fs.clone(), self.layout.clone());
        tokio::spawn(async move {
            let resp = fs.complete_multipart_upload(req).await;
            if let Some(claim) = claim {
                claim.settle(resp.is_ok(), &layout);
            }
            resp
        })
        .await
        .map_err(|e| s3_error!(InternalError, "completing the upload failed: {e}"))?
    }
}

/// The upload ID as s3s-fs names its files (it accepts any spelling of a UUID); `None` when it is not
/// one (s3s-fs refuses it).
fn canonical(upload_id: &str) -> Option<String> {
    uuid::Uuid::parse_str(upload_id).ok().map(|id| id.to_string())
}

fn lock(uploads: &Mutex<Uploads>) -> MutexGuard<'_, Uploads> {
    uploads.lock().unwrap_or_else(PoisonError::into_inner)
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
        let (bucket, key) = (req.input.bucket.clone(), req.input.key.clone());
        let resp = self.fs.create_multipart_upload(req).await?;
        if let Some(upload_id) = &resp.output.upload_id {
            let mut uploads = self.uploads();
            if uploads.by_id.len() >= MAX_TRACKED_UPLOADS {
                let oldest = uploads.by_id.iter().filter(|(_, u)| !u.claimed).min_by_key(|(_, u)| u.begun);
                if let Some(id) = oldest.map(|(id, _)| id.clone()) {
                    uploads.by_id.remove(&id);
                }
            }
            if uploads.by_id.len() < MAX_TRACKED_UPLOADS {
                uploads.begun += 1;
                let begun = uploads.begun;
                let upload = Tracked { begun, bucket, key, parts: BTreeMap::new(), claimed: false };
                uploads.by_id.insert(upload_id.clone(), upload);
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
        let claim = self.claim(&req.input.upload_id, &req.input.bucket, &req.input.key)?;
        let resp = self.fs.abort_multipart_upload(req).await;
        if let Some((claim, _)) = claim {
            claim.settle(resp.is_ok(), &self.layout);
        }
        resp
    }

    async fn complete_multipart_upload(
        &self,
        req: S3Request<CompleteMultipartUploadInput>,
    ) -> S3Result<S3Response<CompleteMultipartUploadOutput>> {
        let input = &req.input;
        let claimed = self.claim(&input.upload_id, &input.bucket, &input.key)?;
        let conditional = input.if_match.is_some() || input.if_none_match.is_some();
        let (claim, recorded, object) = match (claimed, self.layout.object(&input.bucket, &input.key)) {
            (Some((claim, recorded)), Some(object)) if !conditional => (claim, recorded, object),
            (claimed, _) => return self.complete_by_fs(req, claimed.map(|(claim, _)| claim)).await,
        };
        let job = Completion {
            layout: self.layout.clone(),
            upload_id: claim.upload_id.clone(),
            owner: req.credentials.as_ref().map(|c| c.access_key.clone()),
            bucket: input.bucket.clone(),
            key: input.key.clone(),
            object,
            listed: input.multipart_upload.as_ref().and_then(|m| m.parts.clone()).unwrap_or_default(),
            recorded,
        };
        // On the blocking pool from start to end, the claim's end included: a request dropped
        // half-way (its client gave up) still leaves a completed upload, or an untouched one.
        let outcome = tokio::task::spawn_blocking(move || {
            let outcome = job.run();
            match &outcome {
                Ok(_) | Err(Failure::Over(_)) => claim.end(),
                // Released (dropped): the upload can be completed again.
                Err(Failure::Refused(_)) => drop(claim),
            }
            outcome
        })
        .await
        .map_err(|e| s3_error!(InternalError, "completing the upload failed: {e}"))?;
        match outcome {
            Ok(output) => Ok(S3Response::new(output)),
            Err(Failure::Refused(e) | Failure::Over(e)) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::panic::{AssertUnwindSafe, catch_unwind};

    use s3s::S3ErrorCode;

    use super::*;

    const KEY: &str = "exports/t/x.xml";

    fn store_with_upload(root: &Path) -> (R2Store, String) {
        let store = R2Store::new(root).unwrap();
        let id = uuid::Uuid::new_v4().to_string();
        let upload =
            Tracked { begun: 1, bucket: "b".into(), key: KEY.into(), parts: PartDigests::new(), claimed: false };
        store.uploads().by_id.insert(id.clone(), upload);
        (store, id)
    }

    fn refusal(store: &R2Store, id: &str, key: &str) -> Option<S3ErrorCode> {
        store.claim(id, "b", key).err().map(|e| e.code().clone())
    }

    #[test]
    fn an_upload_is_claimed_by_one_request_at_a_time_under_any_spelling_of_its_id() {
        let dir = tempfile::tempdir().unwrap();
        let (store, id) = store_with_upload(dir.path());
        let (claim, _) = store.claim(&id, "b", KEY).unwrap().expect("a tracked upload is claimed");
        assert_eq!(refusal(&store, &id, KEY), Some(S3ErrorCode::OperationAborted));
        assert_eq!(refusal(&store, &id.to_uppercase(), KEY), Some(S3ErrorCode::OperationAborted));
        assert_eq!(refusal(&store, &id.replace('-', ""), KEY), Some(S3ErrorCode::OperationAborted));
        assert_eq!(refusal(&store, &id, "exports/t/other.xml"), Some(S3ErrorCode::NoSuchUpload));

        // Released when dropped (a refused completion), also by a panic.
        drop(claim);
        let panicked = catch_unwind(AssertUnwindSafe(|| {
            let _claim = store.claim(&id, "b", KEY).unwrap().expect("released");
            panic!("a completion panics while it holds the upload");
        }));
        assert!(panicked.is_err());
        let (claim, _) = store.claim(&id, "b", KEY).unwrap().expect("released by the panic");

        // Ended: the upload is no longer tracked (s3s-fs answers for it from then on).
        claim.end();
        assert!(store.claim(&id, "b", KEY).unwrap().is_none());
        assert!(store.uploads().by_id.is_empty());
    }

    #[test]
    fn a_part_is_recorded_under_any_spelling_of_its_upload_s_id() {
        let dir = tempfile::tempdir().unwrap();
        let (store, id) = store_with_upload(dir.path());
        let md5 = "0123456789abcdef0123456789abcdef";
        store.record_part(&id.to_uppercase(), 7, Some(&ETag::Strong(md5.into())));
        store.record_part("not-an-upload", 8, None);
        let (_claim, parts) = store.claim(&id, "b", KEY).unwrap().expect("tracked");
        assert_eq!(parts.get(&7), md5_of(md5).as_ref());
        assert_eq!(parts.len(), 1);
    }
}
