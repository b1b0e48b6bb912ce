//! What the work that follows a write costs the write, and whether its workers keep up: `POST
//! /messages` at 16 clients into a chat whose follower has work to do, against the same write
//! into a chat where it has none, alternately in each round:
//! - push: a direct chat whose recipient (no socket open) has two Web Push pushers;
//! - webhooks: a group with one outgoing webhook.
//!
//! Pushes and deliveries go to a sink in this process that answers 201.
//!
//! The workers plan and send after the answer (a push after a hold, 3 s by default), so the
//! database's CPU per message is counted from the start of a run until every follower has caught
//! up with the log and emptied its outbox, on both sides; its ratio is the figure (target at most
//! 1.10). The sink's count over the same span is the requests a second the worker sustained.

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

/// Two new users and a chat of `kind` between them: the first's token, the second's, the chat.
async fn chat(client: &reqwest::Client, base: &str, kind: &str, tag: &str) -> (String, String, i64) {
    let (_, sender) = setup::register(client, base, &format!("follow-a{tag}")).await;
    let (other_id, other) = setup::register(client, base, &format!("follow-b{tag}")).await;
    let body = serde_json::json!({ "kind": kind, "title": "followers", "member_ids": [other_id] });
    let body = if kind == "direct" { serde_json::json!({ "kind": kind, "member_ids": [other_id] }) } else { body };
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
    (sender, other, chat["id"].as_i64().unwrap())
}

async fn created(request: reqwest::RequestBuilder, what: &str) {
    let response = request.send().await.unwrap();
    assert!(response.status().is_success(), "{what}: {}", response.status());
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

/// Waits until both followers have planned every published event and sent everything due, and
/// the server's other followers of the log (the search index, link previews) have caught up too.
async fn drained(bench: &Bench) {
    let idle = "SELECT ((SELECT coalesce(min(position), 0) FROM log_consumers) >= (SELECT seq FROM event_head) \
                AND (SELECT count(*) FROM log_consumers WHERE name IN ('push', 'webhooks')) = 2 \
                AND NOT EXISTS (SELECT 1 FROM push_deliveries WHERE state = 'pending') \
                AND NOT EXISTS (SELECT 1 FROM webhook_deliveries WHERE state = 'pending'))::int";
    let started = Instant::now();
    while bench.psql.count(idle) == 0 {
        assert!(started.elapsed() < Duration::from_secs(300), "the followers did not drain in 5 minutes");
        // Not more often: this query's own CPU (1-2 ms with the outboxes' dead index entries) is
        // counted as the followed side's, whose drain is the longer.
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

fn median(values: impl Iterator<Item = f64>) -> f64 {
    let mut values: Vec<f64> = values.collect();
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// One run of `POST /messages` and the drain after it.
struct Run {
    /// Messages a second during the load.
    throughput: f64,
    /// The database's CPU per message until drained, in µs.
    db_us: f64,
    /// Seconds from the end of the load until drained.
    lag: f64,
    /// Requests the sink got, and over how long (from the start of the load to the last).
    sent: u64,
    rate: f64,
}

async fn run_once(bench: &Bench, sink: &Sink, build: &RequestFn, chat: i64, label: &str, keys: &str) -> Run {
    let rows = format!("SELECT count(*) FROM messages WHERE chat_id = {chat}");
    let (before, db) = (bench.psql.count(&rows), cpu::cluster(bench.postmaster));
    let (received, started) = (sink.received.load(Ordering::Relaxed), Instant::now());
    let sample = bench.server(build, label, keys, 16, Some(&rows)).await;
    let loaded = Instant::now();
    drained(bench).await;
    let lag = loaded.elapsed().as_secs_f64();
    let messages = (bench.psql.count(&rows) - before) as f64;
    let sent = sink.received.load(Ordering::Relaxed) - received;
    let span =
        sink.last.lock().unwrap().filter(|last| *last > started).map_or(0.0, |last| (last - started).as_secs_f64());
    let run = Run {
        throughput: sample.throughput,
        db_us: (cpu::cluster(bench.postmaster) - db) / messages * 1e6,
        lag,
        sent,
        rate: if sent == 0 { 0.0 } else { sent as f64 / span },
    };
    println!(
        "  {label}: {:.0}/s, database {:.0} µs a message, {} sent to the sink ({:.0}/s), drained {:.1} s after the load",
        run.throughput, run.db_us, run.sent, run.rate, run.lag,
    );
    run
}

/// Alternates the plain write and the followed one for `rounds` rounds and prints the ratios.
async fn compare(
    bench: &Bench,
    sink: &Sink,
    name: &str,
    what: &str,
    plain: (&RequestFn, i64),
    followed: (&RequestFn, i64),
    rounds: usize,
) {
    let (mut quiet, mut busy) = (Vec::new(), Vec::new());
    for round in 1..=rounds {
        let label = format!("{name}, none, round {round}");
        quiet.push(run_once(bench, sink, plain.0, plain.1, &label, &format!("{name}q{round}")).await);
        let label = format!("{name}, {what}, round {round}");
        busy.push(run_once(bench, sink, followed.0, followed.1, &label, &format!("{name}f{round}")).await);
    }
    let throughput = |runs: &[Run]| median(runs.iter().map(|run| run.throughput));
    let db = |runs: &[Run]| median(runs.iter().map(|run| run.db_us));
    println!(
        "{:<34} POST /messages at 16 clients: {:.0}/s and {:.0} µs of database a message without, {:.0}/s and {:.0} µs \
         with {what}: database ratio {:.2} (target <= 1.10), throughput ratio {:.2}; {:.0} sent a second, drained {:.1} s \
         after the load",
        format!("{name} worker"),
        throughput(&quiet),
        db(&quiet),
        throughput(&busy),
        db(&busy),
        db(&busy) / db(&quiet),
        throughput(&busy) / throughput(&quiet),
        median(busy.iter().map(|run| run.rate)),
        median(busy.iter().map(|run| run.lag)),
    );
}

/// Runs both comparisons and prints them; a missed target is reported, not failed.
pub async fn run(bench: &Bench, base: &str, tag: &str, rounds: usize) {
    let client = reqwest::Client::new();
    let sink = Sink::default();
    let sink_url = sink.start();

    let (quiet_sender, _, quiet_chat) = chat(&client, base, "direct", &format!("{tag}pq")).await;
    let (sender, recipient, pushed_chat) = chat(&client, base, "direct", &format!("{tag}pp")).await;
    for device in ["phone", "laptop"] {
        let body = serde_json::json!({ "endpoint": format!("{sink_url}/{device}"), "keys": { "p256dh": P256DH, "auth": AUTH } });
        created(client.post(format!("{base}/push/subscriptions")).bearer_auth(&recipient).json(&body), "a pusher")
            .await;
    }
    let (quiet, pushed) = (post_as(&bench.host, &quiet_sender, quiet_chat), post_as(&bench.host, &sender, pushed_chat));
    compare(bench, &sink, "push", "two pushers", (&quiet, quiet_chat), (&pushed, pushed_chat), rounds).await;

    let (quiet_sender, _, quiet_chat) = chat(&client, base, "group", &format!("{tag}wq")).await;
    let (sender, _, hooked_chat) = chat(&client, base, "group", &format!("{tag}wh")).await;
    let body = serde_json::json!({ "kind": "outgoing", "url": format!("{sink_url}/hook") });
    created(client.post(format!("{base}/chats/{hooked_chat}/webhooks")).bearer_auth(&sender).json(&body), "a webhook")
        .await;
    let (quiet, hooked) = (post_as(&bench.host, &quiet_sender, quiet_chat), post_as(&bench.host, &sender, hooked_chat));
    compare(bench, &sink, "webhook", "one outgoing webhook", (&quiet, quiet_chat), (&hooked, hooked_chat), rounds)
        .await;
}
