//! The bucket's address and credentials, and the S3 client both the worker and the engine use.

use std::time::Duration;

use aws_sdk_s3::config::{
    BehaviorVersion, Credentials, Region, RequestChecksumCalculation, ResponseChecksumValidation, retry::RetryConfig,
    timeout::TimeoutConfig,
};

use crate::secret::Secret;

pub const DEFAULT_BUCKET: &str = "arke-exports";

/// An S3-compatible bucket (Cloudflare R2 in production) and the key pair that opens it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageConfig {
    /// `https://{account}.r2.cloudflarestorage.com`, or any S3-compatible URL (path-style).
    pub endpoint: String,
    pub bucket: String,
    pub access_key_id: String,
    pub secret_access_key: Secret,
}

/// The R2 endpoint of a Cloudflare account.
pub fn r2_endpoint(account_id: &str) -> String {
    format!("https://{account_id}.r2.cloudflarestorage.com")
}

/// An S3 client configured for R2 (and any S3-compatible endpoint): path-style, region `auto`,
/// checksums only when required, rustls with ring, 4 attempts with the SDK's standard backoff.
pub fn s3_client(config: &StorageConfig) -> aws_sdk_s3::Client {
    let credentials = Credentials::new(
        config.access_key_id.clone(),
        config.secret_access_key.expose().to_owned(),
        None,
        None,
        "arke-export",
    );
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
            aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https();
    let s3 = aws_sdk_s3::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("auto"))
        .endpoint_url(&config.endpoint)
        .force_path_style(true)
        .credentials_provider(credentials)
        .http_client(http)
        .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
        .response_checksum_validation(ResponseChecksumValidation::WhenRequired)
        .retry_config(RetryConfig::standard().with_max_attempts(4))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(10))
                .operation_attempt_timeout(Duration::from_mins(2))
                .build(),
        )
        .build();
    aws_sdk_s3::Client::from_conf(s3)
}
