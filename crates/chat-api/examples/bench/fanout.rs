//! The socket works: what an idle WebSocket costs the server, and how fast a group's messages
//! reach every member's socket.

use crate::crowd::Crowd;
use crate::http::{read_response, request};
use crate::sockets::{self, MARKER};
use crate::{cpu, memory};
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt as _;
use tokio::net::TcpStream;

/// CPU seconds used so far by the server (if known) and by this process.
fn cpu_now(server_pid: Option<&str>) -> (f64, f64) {
    let own = cpu::times("self").map(|t| t.own).unwrap_or_default();
    (server_pid.and_then(cpu::times).map(|t| t.own).unwrap_or_default(), own)
}

/// Opens a socket for every user of `crowd` and reports the server's memory per idle socket; then
/// user 0 posts `rate` messages a second for `seconds` into the crowd's group, and every member's
/// socket must get every one. Returns what went wrong, if anything.
pub async fn run(host: &str, crowd: &Crowd, server_pid: Option<&str>, rate: u32, seconds: u64) -> Vec<String> {
    let mut failures = Vec::new();
    // Connect and drop a few sockets first: the per-worker state a first socket creates is not
    // what each socket costs.
    drop(sockets::open(host, &crowd.tokens[..64], false).await);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = server_pid.map(memory::resident_mib);
    let opened = Instant::now();
    let sockets = sockets::open(host, &crowd.tokens, false).await;
    let opening = opened.elapsed();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let count = crowd.tokens.len();
    if let (Some(before), Some(pid)) = (before, server_pid) {
        let after = memory::resident_mib(pid);
        let per_socket_kib = (after - before) * 1024.0 / count as f64;
        println!(
            "{:<34} {before:>6.0} MiB before   {after:>6.0} MiB with {count} open ({opening:.1?} to open): \
             {per_socket_kib:.1} KiB a socket (target <= 10)",
            "server memory, idle WebSockets"
        );
    }

    let messages = rate as usize * seconds as usize;
    let mut connection = TcpStream::connect(host).await.unwrap();
    connection.set_nodelay(true).unwrap();
    let (mut buffer, mut sent) = (Vec::new(), Vec::with_capacity(messages));
    let auth = format!("Bearer {}", crowd.tokens[0]);
    let mut ticks = tokio::time::interval(Duration::from_secs(1) / rate);
    let cpu_before = cpu_now(server_pid);
    let started = Instant::now();
    for n in 0..messages {
        ticks.tick().await;
        let body = format!(r#"{{"chat_id":{},"type":"text","content":"{MARKER}{n}"}}"#, crowd.chat);
        let bytes = request("POST", host, "/api/v1/messages", &[("Authorization", &auth)], Some(&body));
        sent.push(Instant::now());
        connection.write_all(&bytes).await.unwrap();
        let status = read_response(&mut connection, &mut buffer).await;
        if status != 200 {
            failures.push(format!("fan-out: message {n} answered {status}"));
        }
    }
    let expected = messages * crowd.members;
    let patience = Instant::now() + Duration::from_secs(5);
    while sockets.arrivals.lock().unwrap().len() < expected && Instant::now() < patience {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let cpu_after = cpu_now(server_pid);
    let arrivals = std::mem::take(&mut *sockets.arrivals.lock().unwrap());
    drop(sockets);

    let mut seen = vec![false; expected];
    let mut latencies = Vec::with_capacity(arrivals.len());
    let (mut strays, mut twice) = (0, 0);
    for arrival in &arrivals {
        let (socket, message) = (arrival.socket as usize, arrival.message as usize);
        if socket >= crowd.members || message >= messages {
            strays += 1;
            continue;
        }
        let slot = &mut seen[socket * messages + message];
        twice += usize::from(*slot);
        *slot = true;
        latencies.push(arrival.at - sent[message]);
    }
    let missing = seen.iter().filter(|seen| !**seen).count();
    latencies.sort_unstable();
    let at = |q: f64| latencies.get(((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1)));
    let ms = |d: Option<&Duration>| d.map_or(f64::NAN, |d| d.as_secs_f64() * 1000.0);
    println!(
        "{:<34} {} members, {rate}/s for {seconds} s: {} of {expected} delivered, p50 {:.1} ms, p99 {:.1} ms, \
         max {:.1} ms (target p99 < 50, none missing); server {:.2} cores, {:.1} µs a frame (target <= 5), \
         load generator {:.2} cores",
        "fan-out to a group's sockets",
        crowd.members,
        expected - missing,
        ms(at(0.5)),
        ms(at(0.99)),
        ms(latencies.last()),
        (cpu_after.0 - cpu_before.0) / elapsed,
        (cpu_after.0 - cpu_before.0) * 1e6 / arrivals.len().max(1) as f64,
        (cpu_after.1 - cpu_before.1) / elapsed,
    );
    if missing > 0 || strays > 0 || twice > 0 {
        failures.push(format!("fan-out: {missing} deliveries missing, {twice} twice, {strays} to non-members"));
    }
    failures
}
