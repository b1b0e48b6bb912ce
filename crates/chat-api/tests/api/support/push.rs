//! A local push endpoint (a small HTTP server on 127.0.0.1) that records what it is sent and
//! answers as a test scripts it, and a Web Push subscriber with its own keys that checks a
//! request's VAPID signature and decrypts its body as a browser would.

use base64ct::{Base64UrlUnpadded, Encoding};
use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use web_push_native::jwt_simple::prelude::*;
use web_push_native::p256::SecretKey;
use web_push_native::p256::elliptic_curve::sec1::ToEncodedPoint;

/// How the endpoint answers one request.
#[derive(Clone, Debug)]
pub enum Reply {
    Status(u16),
    /// A status with headers and a body.
    Full(u16, Vec<(&'static str, String)>, String),
    /// Never answers (a push in flight when the server is killed).
    Hold,
}

/// One request the endpoint received.
#[derive(Clone, Debug)]
pub struct Received {
    pub path: String,
    /// Header names lower-cased.
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
}

#[derive(Default)]
struct Script {
    received: Vec<Received>,
    replies: VecDeque<Reply>,
}

/// The endpoint; its URL is `http://127.0.0.1:{port}`.
#[derive(Clone)]
pub struct PushEndpoint {
    pub origin: String,
    script: Arc<Mutex<Script>>,
}

impl PushEndpoint {
    /// Answers 201 to every request unless `replies` says otherwise, in order.
    pub async fn start(replies: Vec<Reply>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let origin = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
        let script = Arc::new(Mutex::new(Script { received: Vec::new(), replies: replies.into() }));
        let serving = script.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, serving.clone()));
            }
        });
        Self { origin, script }
    }

    /// A URL on this endpoint.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.origin)
    }

    pub fn received(&self) -> Vec<Received> {
        self.script.lock().unwrap().received.clone()
    }

    /// Waits (up to 20 s) until at least `count` requests arrived; returns them all.
    pub async fn wait_for(&self, count: usize) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let received = self.received();
            if received.len() >= count {
                return received;
            }
            assert!(Instant::now() < deadline, "the endpoint got {} of {count} requests", received.len());
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

async fn serve(mut stream: TcpStream, script: Arc<Mutex<Script>>) {
    let mut buffer = Vec::new();
    loop {
        let Some(request) = read_request(&mut stream, &mut buffer).await else { return };
        let reply = {
            let mut script = script.lock().unwrap();
            script.received.push(request);
            script.replies.pop_front().unwrap_or(Reply::Status(201))
        };
        let (status, headers, body) = match reply {
            Reply::Hold => return std::future::pending().await,
            Reply::Status(status) => (status, Vec::new(), String::new()),
            Reply::Full(status, headers, body) => (status, headers, body),
        };
        let mut answer = format!("HTTP/1.1 {status} Scripted\r\ncontent-length: {}\r\n", body.len());
        for (name, value) in headers {
            answer.push_str(&format!("{name}: {value}\r\n"));
        }
        answer.push_str("\r\n");
        answer.push_str(&body);
        if stream.write_all(answer.as_bytes()).await.is_err() {
            return;
        }
    }
}

async fn read_request(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Option<Received> {
    let head_end = loop {
        if let Some(end) = buffer.windows(4).position(|window| window == b"\r\n\r\n") {
            break end;
        }
        let mut chunk = [0u8; 4096];
        let read = stream.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..read]);
    };
    let head = String::from_utf8(buffer[..head_end].to_vec()).ok()?;
    let mut lines = head.split("\r\n");
    let path = lines.next()?.split(' ').nth(1)?.to_owned();
    let headers: HashMap<String, String> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let length: usize = headers.get("content-length").and_then(|length| length.parse().ok()).unwrap_or(0);
    let body_start = head_end + 4;
    while buffer.len() < body_start + length {
        let mut chunk = [0u8; 4096];
        let read = stream.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..read]);
    }
    let body = buffer[body_start..body_start + length].to_vec();
    buffer.drain(..body_start + length);
    Some(Received { path, headers, body })
}

/// A browser's Web Push subscription: its own P-256 key pair and auth secret.
pub struct Subscriber {
    secret: SecretKey,
    auth: [u8; 16],
    pub endpoint: String,
}

impl Subscriber {
    pub fn new(endpoint: String) -> Self {
        let secret = loop {
            if let Ok(secret) = SecretKey::from_slice(&rand::random::<[u8; 32]>()) {
                break secret;
            }
        };
        Self { secret, auth: rand::random(), endpoint }
    }

    /// What `PushSubscription.toJSON()` gives, to register.
    pub fn subscription(&self) -> Value {
        let p256dh = self.secret.public_key().to_encoded_point(false);
        json!({
            "endpoint": self.endpoint,
            "expirationTime": null,
            "keys": {
                "p256dh": Base64UrlUnpadded::encode_string(p256dh.as_bytes()),
                "auth": Base64UrlUnpadded::encode_string(&self.auth),
            }
        })
    }

    /// Checks `request` as a push service and a browser would, and returns its payload: the VAPID
    /// JWT is signed by `vapid_public_key` (the server's, base64url), its `aud` is the endpoint's
    /// origin and its `exp` in the future; the body decrypts with this subscriber's keys.
    pub fn open(&self, request: &Received, vapid_public_key: &str) -> Value {
        let authorization = &request.headers["authorization"];
        let rest = authorization.strip_prefix("vapid ").expect("a vapid authorization");
        let mut parts = HashMap::new();
        for part in rest.split(',') {
            let (name, value) = part.trim().split_once('=').unwrap();
            parts.insert(name, value);
        }
        assert_eq!(parts["k"], vapid_public_key, "signed with the server's announced key");
        let key = ES256PublicKey::from_bytes(&Base64UrlUnpadded::decode_vec(parts["k"]).unwrap()).unwrap();
        let claims = key.verify_token::<NoCustomClaims>(parts["t"], None).expect("a valid ES256 signature");
        // web-push-native writes the audience as scheme and host (push services listen on 443,
        // where that is the origin); the test endpoint's port is therefore not in it.
        let audience = claims.audiences.expect("an aud claim").into_string().unwrap();
        assert_eq!(audience, "http://127.0.0.1");
        let expires = claims.expires_at.expect("an exp claim");
        assert!(expires > Clock::now_since_epoch(), "exp is in the future");
        assert!(claims.subject.is_some(), "a sub claim");
        assert_eq!(request.headers["content-encoding"], "aes128gcm");
        let auth = web_push_native::Auth::clone_from_slice(&self.auth);
        let plain = web_push_native::decrypt(request.body.clone(), &self.secret, &auth).expect("decrypts");
        serde_json::from_slice(&plain).unwrap()
    }
}
