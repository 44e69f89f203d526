//! The R2 stand-in's storage: s3s-fs, except that a multipart upload is completed as R2 completes one,
//! without a second pass over its bytes.
//!
//! s3s-fs completes an upload by reading every part back through the async file API in 64 KiB pieces,
//! hashing it all again with MD5 and writing it out once more: for a 45 MB export that is about 200 ms
//! in which the worker can only wait (the `export_end_to_end` bench measured 15% of a run), and
//! seconds for the large exports an archivist tries in sandbox mode. R2 answers from what it already
//! has. So does [`R2Store`]: each part's MD5 is recorded as the part is uploaded (s3s-fs computes it
//! then, as its ETag), the parts are joined by the kernel (`copy_file_range`, through
//! [`std::io::copy`]), and the upload's ETag is the MD5 of the parts' MD5s, `-{parts}`, as S3's is.
//!
//! Every other request goes to s3s-fs unchanged, and so does a completion this store cannot vouch for:
//! one with conditions (`If-Match`, `If-None-Match`), or with a part whose upload it did not see (the
//! server restarted in between). The files it writes are the ones s3s-fs writes, in its layout.

use std::collections::{BTreeMap, HashMap};
use std::io;
use std::path::{Component, Path, PathBuf};
use std::pin::Pin;
use std::sync::Mutex;

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
use s3s::{S3, S3Request, S3Response, S3Result, s3_error};
use s3s_fs::FileSystem;

/// Every part but the last must be at least this large (S3's and R2's rule).
const MIN_PART_BYTES: u64 = 5 * 1024 * 1024;

/// Uploads whose parts' MD5s are kept at once; an upload begun beyond this many (say, abandoned ones
/// never aborted) is completed by s3s-fs instead.
const MAX_TRACKED_UPLOADS: usize = 1_000;

/// A part's MD5, by part number, for each upload in progress.
type PartDigests = HashMap<String, BTreeMap<i32, [u8; 16]>>;

/// s3s-fs over `root`, completing multipart uploads as R2 does (see the module's documentation).
pub(crate) struct R2Store {
    fs: FileSystem,
    root: PathBuf,
    parts: Mutex<PartDigests>,
}

impl R2Store {
    pub(crate) fn new(root: &Path) -> io::Result<R2Store> {
        let fs = FileSystem::new(root).map_err(|e| io::Error::other(format!("{e:?}")))?;
        // As s3s-fs resolves it, so that both name the same files.
        let root = std::env::current_dir()?.join(root).canonicalize()?;
        Ok(R2Store { fs, root, parts: Mutex::new(HashMap::new()) })
    }

    fn digests(&self) -> std::sync::MutexGuard<'_, PartDigests> {
        self.parts.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// `root/{bucket}/{key}`, or `None` for a key that is not a plain relative path (s3s-fs then
    /// decides what it means).
    fn object_path(&self, bucket: &str, key: &str) -> Option<PathBuf> {
        let plain = |s: &str| {
            !s.is_empty() && !s.ends_with('/') && Path::new(s).components().all(|c| matches!(c, Component::Normal(_)))
        };
        (plain(bucket) && plain(key)).then(|| self.root.join(bucket).join(key))
    }

    /// s3s-fs's name for an object's side file (`metadata.json`, `internal.json`), optionally of an upload.
    fn side_file(&self, bucket: &str, key: &str, upload: Option<&str>, suffix: &str) -> PathBuf {
        let encode = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        let upload = upload.map(|u| format!(".upload-{u}")).unwrap_or_default();
        self.root.join(format!(".bucket-{}.object-{}{upload}.{suffix}", encode(bucket), encode(key)))
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
        upload_part_copy: UploadPartCopyInput => UploadPartCopyOutput,
        list_parts: ListPartsInput => ListPartsOutput,
    }

    async fn create_multipart_upload(
        &self,
        req: S3Request<CreateMultipartUploadInput>,
    ) -> S3Result<S3Response<CreateMultipartUploadOutput>> {
        let resp = self.fs.create_multipart_upload(req).await?;
        if let Some(upload_id) = &resp.output.upload_id {
            let mut digests = self.digests();
            if digests.len() < MAX_TRACKED_UPLOADS {
                digests.insert(upload_id.clone(), BTreeMap::new());
            }
        }
        Ok(resp)
    }

    async fn upload_part(&self, req: S3Request<UploadPartInput>) -> S3Result<S3Response<UploadPartOutput>> {
        let (upload_id, part_number) = (req.input.upload_id.clone(), req.input.part_number);
        let resp = self.fs.upload_part(req).await?;
        let mut digests = self.digests();
        match resp.output.e_tag.as_ref().and_then(|e| md5_of(e.value())) {
            Some(digest) => {
                if let Some(parts) = digests.get_mut(&upload_id) {
                    parts.insert(part_number, digest);
                }
            }
            // Not an MD5 after all: s3s-fs completes this upload.
            None => {
                digests.remove(&upload_id);
            }
        }
        drop(digests);
        Ok(resp)
    }

    async fn abort_multipart_upload(
        &self,
        req: S3Request<AbortMultipartUploadInput>,
    ) -> S3Result<S3Response<AbortMultipartUploadOutput>> {
        let upload_id = req.input.upload_id.clone();
        let resp = self.fs.abort_multipart_upload(req).await?;
        self.digests().remove(&upload_id);
        Ok(resp)
    }

    async fn complete_multipart_upload(
        &self,
        req: S3Request<CompleteMultipartUploadInput>,
    ) -> S3Result<S3Response<CompleteMultipartUploadOutput>> {
        let input = &req.input;
        let conditional = input.if_match.is_some() || input.if_none_match.is_some();
        let recorded = self.digests().get(&input.upload_id).cloned();
        let object = self.object_path(&input.bucket, &input.key);
        let (Some(recorded), Some(object), false) = (recorded, object, conditional) else {
            return self.fs.complete_multipart_upload(req).await;
        };
        let parts = input.multipart_upload.as_ref().and_then(|m| m.parts.as_deref()).unwrap_or_default();
        if parts.is_empty() {
            return Err(s3_error!(InvalidPart, "You must specify at least one part"));
        }
        // Parts 1, 2, … in order (as s3s-fs requires), each the part uploaded last under that number.
        let mut digests = Vec::with_capacity(parts.len());
        for (i, part) in parts.iter().enumerate() {
            let expected = i32::try_from(i + 1).map_err(|_| s3_error!(InvalidRequest, "too many parts"))?;
            if part.part_number != Some(expected) {
                return Err(s3_error!(InvalidPartOrder, "parts must be numbered 1, 2, … in order"));
            }
            let Some(digest) = recorded.get(&expected) else {
                return self.fs.complete_multipart_upload(req).await;
            };
            if part.e_tag.as_ref().is_some_and(|e| md5_of(e.value()).as_ref() != Some(digest)) {
                return Err(s3_error!(InvalidPart, "part {expected}'s ETag is not the one it was uploaded with"));
            }
            digests.push(*digest);
        }
        let upload_info = self.root.join(format!(".upload-{}.json", input.upload_id));
        let owner: Option<String> = std::fs::read(&upload_info)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or_else(|| s3_error!(NoSuchUpload))?;
        if owner.as_deref() != req.credentials.as_ref().map(|c| c.access_key.as_str()) {
            return Err(s3_error!(AccessDenied));
        }

        let part_files: Vec<PathBuf> =
            (1..=parts.len()).map(|n| self.root.join(format!(".upload_id-{}.part-{n}", input.upload_id))).collect();
        let tmp = self.root.join(format!(".tmp.r2-{}.internal.part", input.upload_id));
        let joined = tokio::task::spawn_blocking({
            let (tmp, object) = (tmp.clone(), object.clone());
            move || join_parts(&part_files, &tmp, &object)
        })
        .await
        .map_err(|e| s3_error!(InternalError, "joining the parts failed: {e}"))?;
        if let Err(e) = joined {
            let _ = std::fs::remove_file(&tmp);
            return Err(match e.kind() {
                io::ErrorKind::InvalidInput => s3_error!(EntityTooSmall, "{e}"),
                io::ErrorKind::NotFound => s3_error!(InvalidPart, "{e}"),
                _ => s3_error!(InternalError, "joining the parts failed: {e}"),
            });
        }
        self.digests().remove(&input.upload_id);
        let _ = std::fs::remove_file(&upload_info);

        // The object's side files: the attributes given when the upload began (none: none, not the
        // previous object's), and its ETag (the previous object's checksums do not describe this one).
        let (bucket, key) = (&input.bucket, &input.key);
        let metadata = self.side_file(bucket, key, None, "metadata.json");
        match std::fs::rename(self.side_file(bucket, key, Some(&input.upload_id), "metadata.json"), &metadata) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let _ = std::fs::remove_file(&metadata);
            }
            Err(e) => return Err(s3_error!(InternalError, "moving the upload's metadata failed: {e}")),
        }
        let mut etag_md5 = Md5::new();
        for digest in &digests {
            etag_md5.update(digest);
        }
        let e_tag = format!("{}-{}", hex::encode(etag_md5.finalize()), digests.len());
        let info = serde_json::json!({ "e_tag": e_tag });
        std::fs::write(self.side_file(bucket, key, None, "internal.json"), info.to_string())
            .map_err(|e| s3_error!(InternalError, "writing the object's ETag failed: {e}"))?;

        let output = CompleteMultipartUploadOutput {
            bucket: Some(bucket.clone()),
            key: Some(key.clone()),
            e_tag: Some(ETag::Strong(e_tag)),
            ..Default::default()
        };
        Ok(S3Response::new(output))
    }
}

/// The 16 bytes of a hex MD5 (an s3s-fs part ETag).
fn md5_of(hex_digest: &str) -> Option<[u8; 16]> {
    let mut digest = [0; 16];
    hex::decode_to_slice(hex_digest, &mut digest).ok()?;
    Some(digest)
}

/// Appends the part files to `tmp` in order (the kernel copies: `copy_file_range`), checks that every
/// part but the last has [`MIN_PART_BYTES`], then puts `tmp` in `object`'s place and removes the parts.
fn join_parts(parts: &[PathBuf], tmp: &Path, object: &Path) -> io::Result<()> {
    let mut out = std::fs::File::create(tmp)?;
    for (i, part) in parts.iter().enumerate() {
        let mut file = std::fs::File::open(part)
            .map_err(|e| io::Error::new(e.kind(), format!("part {} was not uploaded", i + 1)))?;
        let size = io::copy(&mut file, &mut out)?;
        if i + 1 < parts.len() && size < MIN_PART_BYTES {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("part {} has {size} bytes; every part but the last needs 5 MiB", i + 1),
            ));
        }
    }
    drop(out);
    if let Some(dir) = object.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::rename(tmp, object)?;
    for part in parts {
        let _ = std::fs::remove_file(part);
    }
    Ok(())
}
