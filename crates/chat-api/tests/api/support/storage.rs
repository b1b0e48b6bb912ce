//! Where a test's uploads go: a fresh folder of its own, or a fresh bucket on the project's S3
//! test server (`scripts/s3-server.sh`, started here when `make test` has not already).

use chat_media::StorageConfig;
use std::path::PathBuf;
use tokio::sync::OnceCell;

/// The two kinds of storage every upload test runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Local,
    S3,
}

/// A fresh, empty storage of `backend`'s kind.
pub async fn fresh_storage(backend: Backend) -> StorageConfig {
    match backend {
        Backend::Local => local_folder(),
        Backend::S3 => s3_bucket().await,
    }
}

/// A new folder under cargo's scratch directory for integration tests.
pub fn local_folder() -> StorageConfig {
    let folder = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("uploads").join(unique_name());
    StorageConfig { url: folder.display().to_string(), options: Vec::new() }
}

async fn s3_bucket() -> StorageConfig {
    let endpoint = s3_endpoint().await;
    let bucket = format!("test-{}", unique_name());
    // moto creates a bucket for an unsigned path-style PUT.
    let created = reqwest::Client::new().put(format!("{endpoint}/{bucket}")).send().await.expect("create a bucket");
    assert!(created.status().is_success(), "creating bucket {bucket}: {}", created.status());
    let options = [
        ("aws_endpoint", endpoint),
        ("aws_allow_http", "true"),
        ("aws_access_key_id", "test"),
        ("aws_secret_access_key", "test"),
        ("aws_region", "us-east-1"),
        ("aws_virtual_hosted_style_request", "false"),
    ];
    StorageConfig {
        url: format!("s3://{bucket}"),
        options: options.into_iter().map(|(key, value)| (key.to_owned(), value.to_owned())).collect(),
    }
}

/// `CHAT_TEST_S3_ENDPOINT`, else the project's S3 test server, started if need be.
async fn s3_endpoint() -> &'static str {
    static ENDPOINT: OnceCell<String> = OnceCell::const_new();
    ENDPOINT
        .get_or_init(|| async {
            match std::env::var("CHAT_TEST_S3_ENDPOINT") {
                Ok(endpoint) => endpoint,
                Err(_) => super::started_url("s3-server.sh").await,
            }
        })
        .await
}

fn unique_name() -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("{}-{nanos:x}-{n}", std::process::id())
}
