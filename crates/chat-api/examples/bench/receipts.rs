//! What delivery receipts cost. `POST /messages` at 16 clients into a group whose 100 other
//! members have sockets open, acknowledging (once a second, as the project's clients do) or not,
//! alternately in each round; and how many `receipt.updated` events a group of 1,000 members, all
//! acknowledging, gets a second.

use crate::crowd;
use crate::http::{RequestFn, request};
use crate::measure::{Bench, Sample};
use crate::sockets;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Posts into `chat` as the holder of `token`, with a fresh `Idempotency-Key` each.
fn post_as(host: &str, token: &str, chat: i64) -> RequestFn {
    let (host, auth) = (host.to_owned(), format!("Bearer {token}"));
    Arc::new(move |key: &str| {
        let body = format!(r#"{{"chat_id":{chat},"type":"text","content":"receipts {key}"}}"#);
        request("POST", &host, "/api/v1/messages", &[("Authorization", &auth), ("Idempotency-Key", key)], Some(&body))
    })
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Runs both measurements and prints them (a target missed is reported, not failed); a request
/// that does not answer 200 or write its row fails the bench, as in every work.
pub async fn run(bench: &Bench, tag: &str, rounds: usize) {
    let crowd = crowd::make(&bench.psql, &format!("{tag}r"), 101, 101);
    let rows = format!("SELECT count(*) FROM messages WHERE chat_id = {}", crowd.chat);
    let receipts = format!("SELECT count(*) FROM events WHERE chat_id = {} AND kind = 'receipt.updated'", crowd.chat);
    let build = post_as(&bench.host, &crowd.tokens[0], crowd.chat);
    let (mut quiet, mut acking, mut events_per_second): (Vec<Sample>, Vec<Sample>, Vec<f64>) = Default::default();
    for round in 1..=rounds {
        for ack in [false, true] {
            let recipients = sockets::open(&bench.host, &crowd.tokens[1..], ack).await;
            let (events_before, started) = (bench.psql.count(&receipts), Instant::now());
            let run = format!("receipts, 100 recipients {}, round {round}", if ack { "acking" } else { "not acking" });
            let sample = bench.server(&build, &run, &format!("rc{round}{ack}"), 16, Some(&rows)).await;
            tokio::time::sleep(Duration::from_millis(1500)).await; // the publisher's last round
            drop(recipients);
            println!("  {run}: {:.0}/s, p99 {:.1} ms", sample.throughput, sample.p99_ms);
            if ack {
                let seconds = started.elapsed().as_secs_f64();
                events_per_second.push((bench.psql.count(&receipts) - events_before) as f64 / seconds);
                acking.push(sample);
            } else {
                quiet.push(sample);
            }
        }
    }
    let throughput = |samples: &[Sample]| median(samples.iter().map(|sample| sample.throughput).collect());
    let (quiet, acking) = (throughput(&quiet), throughput(&acking));
    println!(
        "{:<34} POST /messages at 16 clients, 100 connected recipients: {quiet:.0}/s not acking, {acking:.0}/s \
         acknowledging: ratio {:.2} (target >= 0.90); receipt.updated {:.2}/s",
        "delivery acks",
        acking / quiet,
        median(events_per_second),
    );

    let group = crowd::make(&bench.psql, &format!("{tag}g"), 1000, 1000);
    let members = sockets::open(&bench.host, &group.tokens, true).await;
    let receipts = format!("SELECT count(*) FROM events WHERE chat_id = {} AND kind = 'receipt.updated'", group.chat);
    let (before, started) = (bench.psql.count(&receipts), Instant::now());
    let build = post_as(&bench.host, &group.tokens[0], group.chat);
    let mut ticks = tokio::time::interval(Duration::from_millis(50));
    for n in 0..200 {
        ticks.tick().await;
        crate::http::once(&bench.host, &build(&format!("g{tag}-{n}"))).await;
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let per_second = (bench.psql.count(&receipts) - before) as f64 / started.elapsed().as_secs_f64();
    drop(members);
    println!(
        "{:<34} 1,000 members all acknowledging, 20 messages/s for 10 s: {per_second:.2} receipt.updated a second \
         (target <= 1 per author device)",
        "receipt events in a big group"
    );
}
