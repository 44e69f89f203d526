//! The bucket: an S3-compatible store (R2 in production), path-style, region `auto`.

use std::path::Path;

use aws_sdk_s3::primitives::{ByteStream, Length};
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};

use arke_export_contract::storage::{StorageConfig, s3_client};

#[derive(Debug, thiserror::Error)]
#[error("{what} failed: {reason}")]
pub struct StorageError {
    pub what: String,
    pub reason: String,
}

fn storage_error(what: &str, e: impl std::error::Error) -> StorageError {
    StorageError { what: what.to_owned(), reason: arke_export_contract::error_chain(&e) }
}

/// An S3 client for one bucket.
#[derive(Clone)]
pub struct Bucket {
    client: aws_sdk_s3::Client,
    name: String,
}

impl Bucket {
    pub fn new(config: &StorageConfig) -> Bucket {
        Bucket { client: s3_client(config), name: config.bucket.clone() }
    }

    /// Writes a small object.
    pub async fn put_bytes(&self, key: &str, body: Vec<u8>, content_type: &str) -> Result<(), StorageError> {
        self.client
            .put_object()
            .bucket(&self.name)
            .key(key)
            .content_type(content_type)
            .body(ByteStream::from(body))
            .send()
            .await
            .map_err(|e| storage_error(&format!("uploading {key}"), e))?;
        Ok(())
    }

    /// Removes an object (removing one that does not exist is not an error in S3).
    pub async fn delete(&self, key: &str) -> Result<(), StorageError> {
        self.client
            .delete_object()
            .bucket(&self.name)
            .key(key)
            .send()
            .await
            .map_err(|e| storage_error(&format!("removing {key}"), e))?;
        Ok(())
    }

    /// Uploads a whole file in one request (streamed from disk).
    pub async fn put_file(&self, key: &str, path: &Path, size: u64, content_type: &str) -> Result<(), StorageError> {
        let what = format!("uploading {key}");
        let body = ByteStream::from_path(path).await.map_err(|e| storage_error(&what, e))?;
        self.client
            .put_object()
            .bucket(&self.name)
            .key(key)
            .content_type(content_type)
            .content_length(size as i64)
            .body(body)
            .send()
            .await
            .map_err(|e| storage_error(&what, e))?;
        Ok(())
    }

    /// Starts a multipart upload; returns its ID.
    pub async fn create_multipart(&self, key: &str, content_type: &str) -> Result<String, StorageError> {
        let upload = self
            .client
            .create_multipart_upload()
            .bucket(&self.name)
            .key(key)
            .content_type(content_type)
            .send()
            .await
            .map_err(|e| storage_error(&format!("uploading {key}"), e))?;
        Ok(upload.upload_id().unwrap_or_default().to_owned())
    }

    /// Uploads bytes `offset..offset + length` of the file at `path` as part `number`, streamed straight
    /// from disk (no part is held in memory).
    pub async fn upload_part(
        &self,
        key: &str,
        upload_id: &str,
        number: i32,
        path: &Path,
        offset: u64,
        length: u64,
    ) -> Result<CompletedPart, StorageError> {
        let what = format!("uploading part {number} of {key}");
        let body = ByteStream::read_from()
            .path(path)
            .offset(offset)
            .length(Length::Exact(length))
            .build()
            .await
            .map_err(|e| storage_error(&what, e))?;
        let part = self
            .client
            .upload_part()
            .bucket(&self.name)
            .key(key)
            .upload_id(upload_id)
            .part_number(number)
            .content_length(length as i64)
            .body(body)
            .send()
            .await
            .map_err(|e| storage_error(&what, e))?;
        Ok(CompletedPart::builder().part_number(number).set_e_tag(part.e_tag().map(str::to_owned)).build())
    }

    /// Completes a multipart upload with its parts (in any order: they are sorted by number).
    pub async fn complete_multipart(
        &self,
        key: &str,
        upload_id: &str,
        mut parts: Vec<CompletedPart>,
    ) -> Result<(), StorageError> {
        parts.sort_by_key(CompletedPart::part_number);
        self.client
            .complete_multipart_upload()
            .bucket(&self.name)
            .key(key)
            .upload_id(upload_id)
            .multipart_upload(CompletedMultipartUpload::builder().set_parts(Some(parts)).build())
            .send()
            .await
            .map_err(|e| storage_error(&format!("uploading {key}"), e))?;
        Ok(())
    }

    /// Abandons a multipart upload (best effort: R2 also expires abandoned uploads).
    pub async fn abort_multipart(&self, key: &str, upload_id: &str) {
        let _ = self.client.abort_multipart_upload().bucket(&self.name).key(key).upload_id(upload_id).send().await;
    }
}
