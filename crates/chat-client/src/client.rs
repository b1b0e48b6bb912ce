//! The client: where the server is, whose token, and the one way every call goes out, is retried
//! and has its answer decoded.

use crate::error::{ClientError, ClientResult};
use crate::read_position::ReadPosition;
use crate::retry::{RetryPolicy, is_transient};
use chat_domain::{ErrorCode, Problem};
use rand::TryRngCore as _;
use rand::rngs::OsRng;
use reqwest::{Method, Response, header};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::sync::Arc;
use std::time::Duration;

/// A client of one server, as one user (or none, to register or log in).
#[derive(Clone, Debug)]
pub struct Client {
    http: reqwest::Client,
    origin: String,
    token: Option<String>,
    retry: RetryPolicy,
    /// What this login has been shown; shared by the client's clones and event streams.
    pub(crate) shown: Arc<ReadPosition>,
}

/// One call: what to send, and whether sending it twice is harmless.
pub(crate) struct Call {
    pub method: Method,
    pub path: String,
    pub body: Option<Vec<u8>>,
    /// The body's type: JSON unless `bytes` said otherwise.
    pub content_type: Option<String>,
    /// How long this call may take, instead of the client's timeout (for an upload's body).
    pub timeout: Option<Duration>,
    pub idempotency_key: Option<String>,
    pub repeatable: bool,
}

impl Call {
    /// A call that changes nothing or changes it the same way however often it is sent.
    pub fn repeatable(method: Method, path: impl Into<String>) -> Self {
        Self {
            method,
            path: path.into(),
            body: None,
            content_type: None,
            timeout: None,
            idempotency_key: None,
            repeatable: true,
        }
    }

    /// A call that must not be sent twice (it is never retried).
    pub fn once(method: Method, path: impl Into<String>) -> Self {
        Self { repeatable: false, ..Self::repeatable(method, path) }
    }

    /// A create made repeatable by a fresh `Idempotency-Key`: every retry carries the same key,
    /// so the server creates at most once.
    pub fn keyed(method: Method, path: impl Into<String>) -> ClientResult<Self> {
        Ok(Self { idempotency_key: Some(new_idempotency_key()?), ..Self::repeatable(method, path) })
    }

    pub fn json(mut self, body: &impl Serialize) -> ClientResult<Self> {
        self.body = Some(serde_json::to_vec(body).map_err(|error| ClientError::Unexpected(error.to_string()))?);
        Ok(self)
    }

    /// A body of raw bytes, of type `content_type`, which may take up to `timeout` to send.
    pub fn bytes(mut self, body: Vec<u8>, content_type: &str, timeout: Duration) -> Self {
        self.body = Some(body);
        self.content_type = Some(content_type.to_owned());
        self.timeout = Some(timeout);
        self
    }
}

/// 128 random bits, hex-encoded: unique per create.
pub fn new_idempotency_key() -> ClientResult<String> {
    let mut bytes = [0_u8; 16];
    OsRng.try_fill_bytes(&mut bytes).map_err(|error| ClientError::Unexpected(format!("no randomness: {error}")))?;
    Ok(hex::encode(bytes))
}

impl Client {
    /// A client of the server at `origin` (`http://host:port`, no path), without a token.
    pub fn new(origin: &str) -> Self {
        let http = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap_or_default();
        let origin = origin.trim_end_matches('/').to_owned();
        Self { http, origin, token: None, retry: RetryPolicy::default(), shown: Arc::default() }
    }

    /// The same client, acting with `token` (from `register` or `login`): another login, which
    /// has been shown nothing yet.
    pub fn with_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self.shown = Arc::default();
        self
    }

    /// The same client, giving up on an answer after `timeout` (30 s by default); a safe call
    /// is then retried.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.http = reqwest::Client::builder().timeout(timeout).build().unwrap_or_default();
        self
    }

    /// The same client, retrying safe calls by `policy`.
    pub fn with_retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The server's origin, as given to `new` without a trailing `/`.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The bearer token the client acts with, if any.
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// Sends `call` (again, while it is repeatable and the failure transient) and decodes the answer.
    pub(crate) async fn fetch<T: DeserializeOwned>(&self, call: Call) -> ClientResult<T> {
        let response = self.send(call).await?;
        response.json().await.map_err(|error| ClientError::Unexpected(format!("undecodable answer: {error}")))
    }

    /// Sends `call` and accepts any success, with or without a body.
    pub(crate) async fn execute(&self, call: Call) -> ClientResult<()> {
        self.send(call).await.map(drop)
    }

    pub(crate) async fn send(&self, call: Call) -> ClientResult<Response> {
        let mut attempt = 0;
        loop {
            let outcome = self.send_once(&call).await;
            attempt += 1;
            match (&outcome, self.retry.delay(attempt)) {
                (Err(error), Some(pause)) if call.repeatable && is_transient(error) => tokio::time::sleep(pause).await,
                _ => return outcome,
            }
        }
    }

    async fn send_once(&self, call: &Call) -> ClientResult<Response> {
        let mut request = self.http.request(call.method.clone(), format!("{}/api/v1{}", self.origin, call.path));
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        if let Some(timeout) = call.timeout {
            request = request.timeout(timeout);
        }
        if let Some(key) = &call.idempotency_key {
            request = request.header("Idempotency-Key", key);
        }
        if let Some(body) = &call.body {
            let content_type = call.content_type.as_deref().unwrap_or("application/json");
            request = request.header(header::CONTENT_TYPE, content_type).body(body.clone());
        }
        let (request, sent) = self.shown.send(request);
        let response = request.send().await?;
        self.shown.keep(response.headers(), response.status().is_success(), sent);
        if response.status().is_success() {
            return Ok(response);
        }
        Err(refusal(response).await)
    }
}

/// The error for a non-success answer: its problem document, or (from something in front of the
/// server, say a proxy) a stand-in with code `Unknown`.
async fn refusal(response: Response) -> ClientError {
    let status = response.status().as_u16();
    refused(status, &response.bytes().await.unwrap_or_default())
}

/// The error for an answer with `status` and `body`.
pub(crate) fn refused(status: u16, body: &[u8]) -> ClientError {
    let problem = serde_json::from_slice::<Problem>(body).unwrap_or_else(|_| Problem {
        kind: "about:blank".into(),
        title: "Error".into(),
        status,
        detail: String::from_utf8_lossy(body).chars().take(200).collect(),
        code: ErrorCode::Unknown,
        errors: None,
    });
    ClientError::Refused { status, problem: Box::new(problem) }
}
