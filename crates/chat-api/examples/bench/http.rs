//! The load generator proper: closed-loop clients speaking plain HTTP/1.1 over kept-alive
//! connections, on the bench's single thread, so that its own CPU stays small and measurable.

use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Builds the bytes of one request from a key unique to it (an Idempotency-Key, or unused).
pub type RequestFn = Arc<dyn Fn(&str) -> Vec<u8> + Send + Sync>;

/// What the clients of one run did: answers with status 200, other answers, and every latency.
#[derive(Debug, Default)]
pub struct Outcome {
    pub ok: u64,
    pub other: Vec<u16>,
    pub latencies: Vec<Duration>,
    pub elapsed: Duration,
}

/// A request's bytes: `Host` and, with a body, `Content-Type` and `Content-Length` added.
pub fn request(method: &str, host: &str, path: &str, headers: &[(&str, &str)], body: Option<&str>) -> Vec<u8> {
    let mut text = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\n");
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    if let Some(body) = body {
        text.push_str(&format!("Content-Type: application/json\r\nContent-Length: {}\r\n", body.len()));
    }
    text.push_str("\r\n");
    text.push_str(body.unwrap_or_default());
    text.into_bytes()
}

/// Sends one request on a new connection; its status.
pub async fn once(host: &str, bytes: &[u8]) -> u16 {
    let mut stream = TcpStream::connect(host).await.unwrap();
    stream.write_all(bytes).await.unwrap();
    read_response(&mut stream, &mut Vec::new()).await
}

/// Runs `clients` connections for `duration`, each sending its next request as soon as the last
/// answer arrived. Keys are `{prefix}-{client}-{n}`.
pub async fn drive(host: &str, clients: usize, duration: Duration, prefix: &str, build: &RequestFn) -> Outcome {
    let started = Instant::now();
    let deadline = started + duration;
    let tasks: Vec<_> = (0..clients)
        .map(|client| {
            let (host, prefix, build) = (host.to_owned(), prefix.to_owned(), build.clone());
            tokio::spawn(async move {
                let mut stream = TcpStream::connect(&host).await.unwrap();
                stream.set_nodelay(true).unwrap();
                let (mut outcome, mut buffer) = (Outcome::default(), Vec::with_capacity(16 * 1024));
                let mut n = 0u64;
                while Instant::now() < deadline {
                    let bytes = build(&format!("{prefix}-{client}-{n}"));
                    let sent = Instant::now();
                    stream.write_all(&bytes).await.unwrap();
                    match read_response(&mut stream, &mut buffer).await {
                        200 => outcome.ok += 1,
                        status => outcome.other.push(status),
                    }
                    outcome.latencies.push(sent.elapsed());
                    n += 1;
                }
                outcome
            })
        })
        .collect();
    let mut total = Outcome::default();
    for task in tasks {
        let outcome = task.await.unwrap();
        total.ok += outcome.ok;
        total.other.extend(outcome.other);
        total.latencies.extend(outcome.latencies);
    }
    total.elapsed = started.elapsed();
    total.latencies.sort_unstable();
    total
}

/// Reads one response (its length given by `Content-Length`) and returns its status.
pub async fn read_response(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> u16 {
    buffer.clear();
    loop {
        if let Some(end) = buffer.windows(4).position(|window| window == b"\r\n\r\n") {
            let head = std::str::from_utf8(&buffer[..end]).expect("response head is not UTF-8");
            let status = head.get(9..12).and_then(|code| code.parse().ok()).expect("no status line");
            let length: usize = head
                .lines()
                .find_map(|line| {
                    let (name, value) = line.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length").then(|| value.trim().parse().ok())?
                })
                .unwrap_or_else(|| panic!("no Content-Length in a response: {head}"));
            while buffer.len() < end + 4 + length {
                fill(stream, buffer).await;
            }
            return status;
        }
        fill(stream, buffer).await;
    }
}

async fn fill(stream: &mut TcpStream, buffer: &mut Vec<u8>) {
    buffer.reserve(8 * 1024);
    let read = stream.read_buf(buffer).await.unwrap();
    assert!(read > 0, "the server closed a connection mid-response");
}
