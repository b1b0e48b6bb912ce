//! A load generator for `make bench`: throughput and latency of the hot paths of a running server.
//!
//! `cargo run --release -p chat-api --example load -- http://127.0.0.1:8099 [concurrency] [seconds]`
//!
//! With `BENCH_SERVER_PID` set, it also reports the server's resident memory around a burst of
//! registrations (argon2id at its production cost), which must not stay grown.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::{Value, json};
use std::time::{Duration, Instant};

struct Outcome {
    done: usize,
    latencies: Vec<Duration>,
}

async fn register(client: &reqwest::Client, base: &str, name: &str) -> (i64, String) {
    let body = json!({ "username": name, "password": "correct horse battery" });
    let session: Value =
        client.post(format!("{base}/auth/register")).json(&body).send().await.unwrap().json().await.unwrap();
    (session["user"]["id"].as_i64().unwrap(), session["token"].as_str().unwrap().to_owned())
}

/// Runs `call` from `concurrency` tasks for `duration`; every call must succeed.
async fn drive<F, Fut>(concurrency: usize, duration: Duration, call: F) -> Outcome
where
    F: Fn(usize) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let deadline = Instant::now() + duration;
    let tasks: Vec<_> = (0..concurrency)
        .map(|worker| {
            let call = call.clone();
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut n = 0;
                while Instant::now() < deadline {
                    let started = Instant::now();
                    assert!(call(worker * 1_000_000 + n).await, "a request failed");
                    latencies.push(started.elapsed());
                    n += 1;
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.unwrap());
    }
    latencies.sort_unstable();
    Outcome { done: latencies.len(), latencies }
}

/// The resident set of process `pid`, in MiB, from /proc.
fn resident_mib(pid: &str) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|line| line.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse::<f64>().unwrap() / 1024.0
}

/// 26 registrations one by one, then 64 at 16 at a time: the burst that once left 1 GB resident.
async fn hashing_memory(client: &reqwest::Client, base: &str, pid: &str) {
    let before = resident_mib(pid);
    let suffix = std::process::id();
    for n in 0..26 {
        register(client, base, &format!("seq{suffix}x{n}")).await;
    }
    let after_sequential = resident_mib(pid);
    let burst: Vec<_> = (0..16)
        .map(|worker| {
            let (client, base) = (client.clone(), base.to_owned());
            tokio::spawn(async move {
                for n in 0..4 {
                    register(&client, &base, &format!("par{suffix}x{worker}x{n}")).await;
                }
            })
        })
        .collect();
    for task in burst {
        task.await.unwrap();
    }
    let after_burst = resident_mib(pid);
    println!(
        "{:<34} {before:>6.0} MiB before   {after_sequential:>6.0} MiB after 26   {after_burst:>6.0} MiB after 64 more at 16",
        "server memory, 90 registrations"
    );
}

fn report(name: &str, outcome: &Outcome, duration: Duration) {
    let at = |q: f64| outcome.latencies[((outcome.latencies.len() - 1) as f64 * q) as usize];
    println!(
        "{name:<34} {:>8.0}/s   p50 {:>6.2} ms   p99 {:>6.2} ms   ({} requests)",
        outcome.done as f64 / duration.as_secs_f64(),
        at(0.50).as_secs_f64() * 1000.0,
        at(0.99).as_secs_f64() * 1000.0,
        outcome.done
    );
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let base = format!("{}/api/v1", args.get(1).map_or("http://127.0.0.1:8099", String::as_str));
    let concurrency: usize = args.get(2).and_then(|v| v.parse().ok()).unwrap_or(16);
    let duration = Duration::from_secs(args.get(3).and_then(|v| v.parse().ok()).unwrap_or(10));
    let client = reqwest::Client::builder().pool_max_idle_per_host(concurrency).build().unwrap();
    let suffix = std::process::id();
    let (_, ann) = register(&client, &base, &format!("ann{suffix}")).await;
    let (bob_id, bob) = register(&client, &base, &format!("bob{suffix}")).await;
    let chat: Value = client
        .post(format!("{base}/chats"))
        .bearer_auth(&ann)
        .json(&json!({ "kind": "group", "title": "bench", "member_ids": [bob_id] }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let chat_id = chat["id"].as_i64().unwrap();
    println!("concurrency {concurrency}, {} s per scenario, against {base}", duration.as_secs());

    let (c, b, t) = (client.clone(), base.clone(), ann.clone());
    let me = drive(concurrency, duration, move |_| {
        let (client, base, token) = (c.clone(), b.clone(), t.clone());
        async move {
            client
                .get(format!("{base}/users/me"))
                .bearer_auth(&token)
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
        }
    })
    .await;
    report("GET /users/me (baseline: auth only)", &me, duration);

    let (c, b, t) = (client.clone(), base.clone(), ann.clone());
    let created = drive(concurrency, duration, move |n| {
        let (client, base, token) = (c.clone(), b.clone(), t.clone());
        async move {
            let body = json!({ "chat_id": chat_id, "type": "text", "content": format!("load message {n}") });
            let request = client
                .post(format!("{base}/messages"))
                .bearer_auth(&token)
                .header("Idempotency-Key", format!("k{suffix}-{n}"));
            request.json(&body).send().await.is_ok_and(|r| r.status().is_success())
        }
    })
    .await;
    report("POST /messages (Idempotency-Key)", &created, duration);

    for n in 0..50 {
        let path = format!("{base}/messages/{}/reactions/%F0%9F%91%8D", n + 1);
        client.put(path).bearer_auth(&bob).send().await.unwrap();
    }
    let (c, b, t) = (client.clone(), base.clone(), bob.clone());
    let pages = drive(concurrency, duration, move |_| {
        let (client, base, token) = (c.clone(), b.clone(), t.clone());
        async move {
            let request = client.get(format!("{base}/chats/{chat_id}/messages?limit=50")).bearer_auth(&token);
            request.send().await.is_ok_and(|r| r.status().is_success())
        }
    })
    .await;
    report("GET history, 50 messages per page", &pages, duration);

    if let Ok(pid) = std::env::var("BENCH_SERVER_PID") {
        hashing_memory(&client, &base, &pid).await;
    }
}
