//! What the work that follows a write costs the write, and whether its worker keeps up: the
//! push worker (a message into a direct chat whose recipient, with no socket open, has two Web
//! Push pushers) against the same write with no pusher, alternately in each round, `POST
//! /messages` at 16 clients. The pushes go to a sink in this process that answers 201.
//!
//! The planner and the sender work after the answer (the sender after a hold, 3 s by default), so
//! the database's CPU per message is counted from the start of a run until the worker has caught
//! up with the log and emptied its outbox, on both sides; its ratio is the figure (target at most
//! 1.10). The sink's count over the same span is the pushes a second the worker sustained.

use crate::cpu;
use crate::http::{RequestFn, request};
use crate::measure::Bench;
use crate::setup;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A receiving end for pushes and webhooks: counts what it is sent, answers 201.
#[derive(Clone, Default)]
struct Sink {
    received: Arc<AtomicU64>,
    last: Arc<Mutex<Option<Instant>>>,
}

impl Sink {
    /// Serves on its own thread and runtime (the load generator's stays free); its base URL.
    fn start(&self) -> String {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let sink = self.clone();
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let app = move || {
                    let sink = sink.clone();
                    actix_web::App::new().default_service(actix_web::web::to(move || {
                        sink.received.fetch_add(1, Ordering::Relaxed);
                        *sink.last.lock().unwrap() = Some(Instant::now());
                        async { actix_web::HttpResponse::Created().finish() }
                    }))
                };
                actix_web::HttpServer::new(app).workers(1).listen(listener).unwrap().run().await.unwrap();
            });
        });
        url
    }
}

/// A direct chat between two new users: the sender's token and the chat.
async fn direct_chat(client: &reqwest::Client, base: &str, tag: &str) -> (String, String, i64) {
    let (_, sender) = setup::register(client, base, &format!("pusher-a{tag}")).await;
    let (recipient_id, recipient) = setup::register(client, base, &format!("pusher-b{tag}")).await;
    let body = serde_json::json!({ "kind": "direct", "member_ids": [recipient_id] });
    let chat: serde_json::Value = client
        .post(format!("{base}/chats"))
        .bearer_auth(&sender)
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (sender, recipient, chat["id"].as_i64().unwrap())
}

/// RFC 8291's example subscriber keys: any valid P-256 point will do, the sink decrypts nothing.
const P256DH: &str = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
const AUTH: &str = "BTBZMqHH6r4Tts7J_aSIgg";

fn post_as(host: &str, token: &str, chat: i64) -> RequestFn {
    let (host, auth) = (host.to_owned(), format!("Bearer {token}"));
    Arc::new(move |key: &str| {
        let body = format!(r#"{{"chat_id":{chat},"type":"text","content":"are you there? {key}"}}"#);
        request("POST", &host, "/api/v1/messages", &[("Authorization", &auth), ("Idempotency-Key", key)], Some(&body))
    })
}

/// Waits until the push worker has planned every published event and sent every delivery.
async fn drained(bench: &Bench) {
    let idle = "SELECT ((SELECT coalesce(max(position), 0) FROM log_consumers WHERE name = 'push') \
                >= (SELECT seq FROM event_head) \
                AND NOT EXISTS (SELECT 1 FROM push_deliveries WHERE state = 'pending'))::int";
    let started = Instant::now();
    while bench.psql.count(idle) == 0 {
        assert!(started.elapsed() < Duration::from_secs(300), "the push worker did not drain in 5 minutes");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// One run of `POST /messages` and the drain after it: messages a second (during the load), the
/// database's CPU per message (until drained, in µs), and the seconds from the last answer
/// until drained.
async fn run_once(bench: &Bench, build: &RequestFn, chat: i64, run: &str, keys: &str) -> (f64, f64, f64) {
    let rows = format!("SELECT count(*) FROM messages WHERE chat_id = {chat}");
    let (before, db) = (bench.psql.count(&rows), cpu::cluster(bench.postmaster));
    let sample = bench.server(build, run, keys, 16, Some(&rows)).await;
    let loaded = Instant::now();
    drained(bench).await;
    let lag = loaded.elapsed().as_secs_f64();
    let messages = (bench.psql.count(&rows) - before) as f64;
    (sample.throughput, (cpu::cluster(bench.postmaster) - db) / messages * 1e6, lag)
}

/// Runs the comparison and prints it; a missed target is reported, not failed.
pub async fn run(bench: &Bench, base: &str, tag: &str, rounds: usize) {
    let client = reqwest::Client::new();
    let sink = Sink::default();
    let sink_url = sink.start();
    let (quiet_sender, _, quiet_chat) = direct_chat(&client, base, &format!("{tag}q")).await;
    let (pushed_sender, recipient, pushed_chat) = direct_chat(&client, base, &format!("{tag}p")).await;
    for device in ["phone", "laptop"] {
        let body = serde_json::json!({ "endpoint": format!("{sink_url}/{device}"), "keys": { "p256dh": P256DH, "auth": AUTH } });
        let response =
            client.post(format!("{base}/push/subscriptions")).bearer_auth(&recipient).json(&body).send().await.unwrap();
        assert!(response.status().is_success(), "registering a pusher: {}", response.status());
    }
    let (quiet, pushed) =
        (post_as(&bench.host, &quiet_sender, quiet_chat), post_as(&bench.host, &pushed_sender, pushed_chat));
    let (mut plain, mut with_push, mut rates) = (Vec::new(), Vec::new(), Vec::new());
    for round in 1..=rounds {
        let run = format!("push, no pusher, round {round}");
        let (throughput, db_us, lag) = run_once(bench, &quiet, quiet_chat, &run, &format!("pq{round}")).await;
        println!("  {run}: {throughput:.0}/s, database {db_us:.0} µs a message, drained {lag:.1} s after the load");
        plain.push((throughput, db_us));

        let run = format!("push, two pushers, round {round}");
        let (received, started) = (sink.received.load(Ordering::Relaxed), Instant::now());
        let (throughput, db_us, lag) = run_once(bench, &pushed, pushed_chat, &run, &format!("pp{round}")).await;
        let pushes = sink.received.load(Ordering::Relaxed) - received;
        let span = sink.last.lock().unwrap().map_or(0.0, |last| (last - started).as_secs_f64());
        let rate = pushes as f64 / span.max(f64::EPSILON);
        println!(
            "  {run}: {throughput:.0}/s, database {db_us:.0} µs a message, {pushes} pushes at {rate:.0}/s, \
             drained {lag:.1} s after the load"
        );
        with_push.push((throughput, db_us));
        rates.push(rate);
    }
    let (plain_tp, plain_db) =
        (median(plain.iter().map(|s| s.0).collect()), median(plain.iter().map(|s| s.1).collect()));
    let (push_tp, push_db) =
        (median(with_push.iter().map(|s| s.0).collect()), median(with_push.iter().map(|s| s.1).collect()));
    println!(
        "{:<34} POST /messages at 16 clients into a direct chat: {plain_tp:.0}/s and {plain_db:.0} µs of database a \
         message with no pusher, {push_tp:.0}/s and {push_db:.0} µs with two: database ratio {:.2} (target <= 1.10), \
         throughput ratio {:.2}; pushes sent {:.0}/s",
        "push worker",
        push_db / plain_db,
        push_tp / plain_tp,
        median(rates),
    );
}
