//! The R2 stand-in's multipart uploads, through a real S3 client: joined in order, with S3's ETag
//! (the MD5 of the parts' MD5s, `-{parts}`), the attributes given at the start, and S3's errors for a
//! part too small, a wrong ETag or parts out of order.

use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region, RequestChecksumCalculation};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use s3s::crypto::{Checksum, Md5};

use arke_export_sandbox::S3Server;

const MIB: usize = 1024 * 1024;

struct Harness {
    s3: S3Server,
    client: aws_sdk_s3::Client,
    dir: tempfile::TempDir,
}

impl Harness {
    async fn start() -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let s3 = S3Server::start(dir.path(), "exports", "access-key", "secret-key").await.unwrap();
        let config = aws_sdk_s3::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("auto"))
            .endpoint_url(&s3.endpoint)
            .force_path_style(true)
            .credentials_provider(Credentials::new("access-key", "secret-key", None, None, "test"))
            .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
            .http_client(aws_smithy_http_client::Builder::new().build_http())
            .build();
        Harness { s3, client: aws_sdk_s3::Client::from_conf(config), dir }
    }

    async fn begin(&self, key: &str) -> String {
        self.begin_typed(key, Some("application/xml")).await
    }

    async fn begin_typed(&self, key: &str, content_type: Option<&str>) -> String {
        let created = self
            .client
            .create_multipart_upload()
            .bucket(&self.s3.bucket)
            .key(key)
            .set_content_type(content_type.map(str::to_owned))
            .send()
            .await
            .unwrap();
        created.upload_id().unwrap().to_owned()
    }

    /// Uploads `parts` as parts 1, 2, …; their ETags.
    async fn upload(&self, key: &str, upload_id: &str, parts: &[Vec<u8>]) -> Vec<String> {
        let numbered: Vec<(i32, Vec<u8>)> = parts.iter().cloned().enumerate().map(|(i, p)| (i as i32 + 1, p)).collect();
        self.upload_numbered(key, upload_id, &numbered).await
    }

    async fn upload_numbered(&self, key: &str, upload_id: &str, parts: &[(i32, Vec<u8>)]) -> Vec<String> {
        let mut etags = Vec::new();
        for (number, bytes) in parts {
            let part = self
                .client
                .upload_part()
                .bucket(&self.s3.bucket)
                .key(key)
                .upload_id(upload_id)
                .part_number(*number)
                .body(ByteStream::from(bytes.clone()))
                .send()
                .await
                .unwrap();
            etags.push(part.e_tag().unwrap().to_owned());
        }
        etags
    }

    async fn complete(
        &self,
        key: &str,
        upload_id: &str,
        parts: &[(i32, &str)],
    ) -> Result<
        String,
        aws_sdk_s3::error::SdkError<aws_sdk_s3::operation::complete_multipart_upload::CompleteMultipartUploadError>,
    > {
        let parts = parts.iter().map(|(n, etag)| CompletedPart::builder().part_number(*n).e_tag(*etag).build());
        let done = self
            .client
            .complete_multipart_upload()
            .bucket(&self.s3.bucket)
            .key(key)
            .upload_id(upload_id)
            .multipart_upload(CompletedMultipartUpload::builder().set_parts(Some(parts.collect())).build())
            .send()
            .await?;
        Ok(done.e_tag().unwrap().to_owned())
    }

    async fn get(&self, key: &str) -> (Vec<u8>, Option<String>, Option<String>) {
        let got = self.client.get_object().bucket(&self.s3.bucket).key(key).send().await.unwrap();
        let (content_type, etag) = (got.content_type().map(str::to_owned), got.e_tag().map(str::to_owned));
        (got.body.collect().await.unwrap().into_bytes().to_vec(), content_type, etag)
    }
}

fn bytes(len: usize, seed: u8) -> Vec<u8> {
    (0..len).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)).collect()
}

fn code_of<E: aws_sdk_s3::error::ProvideErrorMetadata>(e: &aws_sdk_s3::error::SdkError<E>) -> String {
    e.as_service_error().and_then(|s| s.code()).unwrap_or("no service error").to_owned()
}

#[tokio::test]
async fn parts_are_joined_in_order_with_s3s_etag_and_the_upload_s_attributes() {
    let h = Harness::start().await;
    let parts = [bytes(5 * MIB, 1), bytes(5 * MIB + 17, 2), bytes(1234, 3)];
    let upload_id = h.begin("exports/t1/a.xml").await;
    let etags = h.upload("exports/t1/a.xml", &upload_id, &parts).await;
    let numbered: Vec<(i32, &str)> = etags.iter().enumerate().map(|(i, e)| (i as i32 + 1, e.as_str())).collect();
    let etag = h.complete("exports/t1/a.xml", &upload_id, &numbered).await.unwrap();

    // S3's multipart ETag: the MD5 of the parts' MD5s (as bytes), then the number of parts.
    let mut of_parts = Md5::new();
    for part in &parts {
        of_parts.update(&Md5::checksum(part));
    }
    let expected = format!("\"{}-3\"", hex::encode(of_parts.finalize()));
    assert_eq!(etag, expected);
    let (body, content_type, got_etag) = h.get("exports/t1/a.xml").await;
    assert_eq!(body, parts.concat(), "every part, in order, whole");
    assert_eq!(content_type.as_deref(), Some("application/xml"), "the attributes given when the upload began");
    assert_eq!(got_etag.as_deref(), Some(expected.as_str()), "GET answers the same ETag");

    // The upload is over: completing it again is an error, and its parts are gone.
    let again = h.complete("exports/t1/a.xml", &upload_id, &numbered).await.unwrap_err();
    assert!(matches!(code_of(&again).as_str(), "NoSuchUpload" | "AccessDenied"), "{again:?}");
    let leftovers: Vec<String> = std::fs::read_dir(h.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(&upload_id))
        .collect();
    assert!(leftovers.is_empty(), "nothing of the upload is left: {leftovers:?}");
}

#[tokio::test]
async fn a_small_part_a_wrong_etag_and_parts_out_of_order_are_refused_and_lose_nothing() {
    let h = Harness::start().await;
    let key = "exports/t2/b.xml";

    let upload_id = h.begin(key).await;
    let etags = h.upload(key, &upload_id, &[bytes(MIB, 1), bytes(10, 2)]).await;
    let small = h.complete(key, &upload_id, &[(1, &etags[0]), (2, &etags[1])]).await.unwrap_err();
    assert_eq!(code_of(&small), "EntityTooSmall");
    let folder = h.dir.path().join(&h.s3.bucket).join("exports/t2");
    assert!(!folder.exists(), "a refused completion makes no folder for its key");
    // Still completable: part 1 alone is a last part, which may be small.
    h.complete(key, &upload_id, &[(1, &etags[0])]).await.unwrap();
    assert_eq!(h.get(key).await.0, bytes(MIB, 1));

    let upload_id = h.begin(key).await;
    let etags = h.upload(key, &upload_id, &[bytes(5 * MIB, 1), bytes(10, 2)]).await;
    let wrong = h.complete(key, &upload_id, &[(1, &etags[1]), (2, &etags[1])]).await.unwrap_err();
    assert_eq!(code_of(&wrong), "InvalidPart");
    let swapped = h.complete(key, &upload_id, &[(2, &etags[1]), (1, &etags[0])]).await.unwrap_err();
    assert_eq!(code_of(&swapped), "InvalidPartOrder");
    // Nothing was lost, nothing half-written is left: the same upload still completes.
    assert_eq!(temporary_files(&h), Vec::<String>::new());
    h.complete(key, &upload_id, &[(1, &etags[0]), (2, &etags[1])]).await.unwrap();
    let (body, _, _) = h.get(key).await;
    assert_eq!(body, [bytes(5 * MIB, 1), bytes(10, 2)].concat());
}

/// The store's temporary files in the server's folder.
fn temporary_files(h: &Harness) -> Vec<String> {
    std::fs::read_dir(h.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(".tmp.r2-"))
        .collect()
}

#[tokio::test]
async fn a_part_the_store_did_not_see_uploaded_is_hashed_at_completion() {
    let h = Harness::start().await;
    let key = "exports/t8/h.xml";
    let seen = bytes(5 * MIB, 12);
    let upload_id = h.begin(key).await;
    let etags = h.upload(key, &upload_id, std::slice::from_ref(&seen)).await;
    // Part 2 put in place under s3s-fs's name for it, behind the store's back (as by a server that ran
    // before this one).
    let unseen = bytes(1000, 13);
    std::fs::write(h.dir.path().join(format!(".upload_id-{upload_id}.part-2")), &unseen).unwrap();
    let unseen_etag = format!("\"{}\"", hex::encode(Md5::checksum(&unseen)));

    let wrong = h.complete(key, &upload_id, &[(1, &etags[0]), (2, &etags[0])]).await.unwrap_err();
    assert_eq!(code_of(&wrong), "InvalidPart", "its ETag is checked against its bytes");
    let etag = h.complete(key, &upload_id, &[(1, &etags[0]), (2, &unseen_etag)]).await.unwrap();
    let mut of_parts = Md5::new();
    of_parts.update(&Md5::checksum(&seen));
    of_parts.update(&Md5::checksum(&unseen));
    assert_eq!(etag, format!("\"{}-2\"", hex::encode(of_parts.finalize())));
    assert_eq!(h.get(key).await.0, [seen, unseen].concat());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_completions_at_once_give_one_object_whole() {
    let h = Harness::start().await;
    let key = "exports/t3/c.xml";
    let parts = [bytes(6 * MIB, 4), bytes(6 * MIB, 5), bytes(99, 6)];
    let upload_id = h.begin(key).await;
    let etags = h.upload(key, &upload_id, &parts).await;
    let numbered: Vec<(i32, &str)> = etags.iter().enumerate().map(|(i, e)| (i as i32 + 1, e.as_str())).collect();
    let (first, second) = tokio::join!(h.complete(key, &upload_id, &numbered), h.complete(key, &upload_id, &numbered));
    let succeeded = [first.is_ok(), second.is_ok()].iter().filter(|ok| **ok).count();
    assert_eq!(succeeded, 1, "exactly one completes: {first:?} / {second:?}");
    let refused = first.err().or(second.err()).unwrap();
    assert!(matches!(code_of(&refused).as_str(), "OperationAborted" | "NoSuchUpload" | "AccessDenied"), "{refused:?}");
    assert_eq!(h.get(key).await.0, parts.concat());
}

#[tokio::test]
async fn a_completed_upload_replaces_the_previous_object_and_all_it_carried() {
    let h = Harness::start().await;
    let key = "exports/t4/d.xml";
    h.client
        .put_object()
        .bucket(&h.s3.bucket)
        .key(key)
        .content_type("text/plain")
        .checksum_sha256({
            use base64::Engine as _;
            use sha2::Digest as _;
            base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(b"the previous object"))
        })
        .body(ByteStream::from(b"the previous object".to_vec()))
        .send()
        .await
        .unwrap();
    let checksum_of = |key: &'static str| {
        let request = h.client.head_object().bucket(&h.s3.bucket).key(key);
        async move {
            let head = request.checksum_mode(aws_sdk_s3::types::ChecksumMode::Enabled).send().await.unwrap();
            (head.checksum_sha256().map(str::to_owned), head.content_type().map(str::to_owned))
        }
    };
    let before = checksum_of(key).await;
    assert!(
        before.0.is_some() && before.1.as_deref() == Some("text/plain"),
        "the previous object carries both: {before:?}"
    );
    // Parts 2 and 5: numbers may have gaps, as in S3.
    let parts = [(2, bytes(5 * MIB, 7)), (5, bytes(10, 8))];
    let upload_id = h.begin_typed(key, None).await;
    let etags = h.upload_numbered(key, &upload_id, &parts).await;
    let etag = h.complete(key, &upload_id, &[(2, &etags[0]), (5, &etags[1])]).await.unwrap();
    assert!(etag.ends_with("-2\""), "{etag}");

    let got = h
        .client
        .get_object()
        .bucket(&h.s3.bucket)
        .key(key)
        .checksum_mode(aws_sdk_s3::types::ChecksumMode::Enabled)
        .send()
        .await
        .unwrap();
    assert_eq!(got.e_tag(), Some(etag.as_str()));
    assert_eq!(got.checksum_sha256(), None, "the previous object's checksum is gone");
    assert_ne!(got.content_type(), Some("text/plain"), "the previous object's type is gone");
    assert_eq!(checksum_of(key).await.0, None);
    assert_eq!(
        got.body.collect().await.unwrap().into_bytes().to_vec(),
        [parts[0].1.clone(), parts[1].1.clone()].concat()
    );
}

#[tokio::test]
async fn a_conditional_completion_is_judged_as_s3s_fs_judges_it_and_loses_nothing() {
    let h = Harness::start().await;
    let key = "exports/t5/e.xml";
    h.client.put_object().bucket(&h.s3.bucket).key(key).body(ByteStream::from(b"there".to_vec())).send().await.unwrap();
    let upload_id = h.begin(key).await;
    let etags = h.upload(key, &upload_id, &[bytes(300, 9)]).await;
    let parts = CompletedMultipartUpload::builder()
        .parts(CompletedPart::builder().part_number(1).e_tag(&etags[0]).build())
        .build();
    let refused = h
        .client
        .complete_multipart_upload()
        .bucket(&h.s3.bucket)
        .key(key)
        .upload_id(&upload_id)
        .multipart_upload(parts)
        .if_none_match("*")
        .send()
        .await
        .unwrap_err();
    assert_eq!(refused.raw_response().map(|r| r.status().as_u16()), Some(412), "{refused:?}");
    assert_eq!(h.get(key).await.0, b"there");
    h.complete(key, &upload_id, &[(1, &etags[0])]).await.unwrap();
    assert_eq!(h.get(key).await.0, bytes(300, 9));
}

#[tokio::test]
async fn a_part_never_uploaded_a_part_number_out_of_range_and_another_key_are_refused_and_lose_nothing() {
    let h = Harness::start().await;
    let key = "exports/t6/f.xml";
    let parts = [bytes(5 * MIB, 10), bytes(20, 11)];
    let upload_id = h.begin(key).await;
    let etags = h.upload(key, &upload_id, &parts).await;

    let missing = h.complete(key, &upload_id, &[(1, &etags[0]), (2, &etags[1]), (3, &etags[1])]).await.unwrap_err();
    assert_eq!(code_of(&missing), "InvalidPart", "{missing:?}");
    let zero = h.complete(key, &upload_id, &[(0, &etags[0]), (2, &etags[1])]).await.unwrap_err();
    assert_eq!(code_of(&zero), "InvalidArgument", "{zero:?}");
    let elsewhere = h.complete("exports/t6/other.xml", &upload_id, &[(1, &etags[0]), (2, &etags[1])]).await;
    assert_eq!(code_of(&elsewhere.unwrap_err()), "NoSuchUpload");
    let aborted_elsewhere = h
        .client
        .abort_multipart_upload()
        .bucket(&h.s3.bucket)
        .key("exports/t6/other.xml")
        .upload_id(&upload_id)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code_of(&aborted_elsewhere), "NoSuchUpload");

    // Nothing was lost, and nothing was written under the other key.
    h.complete(key, &upload_id, &[(1, &etags[0]), (2, &etags[1])]).await.unwrap();
    assert_eq!(h.get(key).await.0, parts.concat());
    let other = h.client.head_object().bucket(&h.s3.bucket).key("exports/t6/other.xml").send().await;
    assert!(other.is_err(), "{other:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_completion_and_an_abort_at_once_leave_one_outcome_whole() {
    for round in 0..4u8 {
        let h = Harness::start().await;
        let key = "exports/t7/g.xml";
        let parts = [bytes(8 * MIB, round), bytes(8 * MIB, round + 1), bytes(5, round + 2)];
        let upload_id = h.begin(key).await;
        let etags = h.upload(key, &upload_id, &parts).await;
        let numbered: Vec<(i32, &str)> = etags.iter().enumerate().map(|(i, e)| (i as i32 + 1, e.as_str())).collect();
        let abort = h.client.abort_multipart_upload().bucket(&h.s3.bucket).key(key).upload_id(&upload_id).send();
        let (completed, aborted) = tokio::join!(h.complete(key, &upload_id, &numbered), abort);
        assert!(completed.is_ok() != aborted.is_ok(), "exactly one wins: {completed:?} / {aborted:?}");
        let object = h.client.get_object().bucket(&h.s3.bucket).key(key).send().await;
        match object {
            Ok(got) => {
                assert!(completed.is_ok(), "an object only when the completion won");
                assert_eq!(got.body.collect().await.unwrap().into_bytes().to_vec(), parts.concat());
            }
            Err(_) => assert!(aborted.is_ok(), "no object only when the abort won"),
        }
        let leftovers = std::fs::read_dir(h.dir.path())
            .unwrap()
            .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().contains(&upload_id))
            .count();
        assert_eq!(leftovers, 0, "round {round}: nothing of the upload is left");
    }
}

#[tokio::test]
async fn an_object_that_cannot_be_replaced_keeps_its_etag_and_the_upload_stays_completable() {
    use base64::Engine as _;
    let h = Harness::start().await;
    let key = "exports/t9/i";
    let put = |key: &str, body: &'static [u8]| {
        use sha2::Digest as _;
        let checksum = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(body));
        h.client
            .put_object()
            .bucket(&h.s3.bucket)
            .key(key)
            .checksum_sha256(checksum)
            .body(ByteStream::from_static(body))
    };
    put(key, b"the previous object").send().await.unwrap();
    let encode = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    let internal = h.dir.path().join(format!(".bucket-{}.object-{}.internal.json", encode(&h.s3.bucket), encode(key)));
    let kept = std::fs::read(&internal).expect("s3s-fs keeps the object's ETag and checksum");
    // s3s-fs deletes the object and keeps its side files; then the key's name becomes a folder.
    h.client.delete_object().bucket(&h.s3.bucket).key(key).send().await.unwrap();
    put(&format!("{key}/inside"), b"in the folder").send().await.unwrap();

    let upload_id = h.begin(key).await;
    let etags = h.upload(key, &upload_id, &[bytes(100, 14)]).await;
    let refused = h.complete(key, &upload_id, &[(1, &etags[0])]).await.unwrap_err();
    assert_eq!(code_of(&refused), "InternalError", "{refused:?}");
    assert_eq!(std::fs::read(&internal).unwrap(), kept, "the previous ETag file is put back as it was");
    assert_eq!(temporary_files(&h), Vec::<String>::new());

    // Once the folder is gone (s3s-fs leaves it empty behind the deleted object), the same upload
    // completes.
    h.client.delete_object().bucket(&h.s3.bucket).key(format!("{key}/inside")).send().await.unwrap();
    let _ = std::fs::remove_dir(h.dir.path().join(&h.s3.bucket).join(key));
    h.complete(key, &upload_id, &[(1, &etags[0])]).await.unwrap();
    assert_eq!(h.get(key).await.0, bytes(100, 14));
}
