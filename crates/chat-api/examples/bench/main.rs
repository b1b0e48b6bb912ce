//! `make bench`: each hot path through the server beside PostgreSQL alone running the very
//! statements the server sent for it (captured from the database's log), in the same run.
//!
//! `BENCH_DATABASE_URL=... [BENCH_SERVER_PID=...] target/release/examples/bench http://127.0.0.1:8099`,
//! after `BENCH_DATABASE_URL=... target/release/examples/bench prepare` has made the database a
//! copy of the kept corpora (`kept.rs`), as `make bench` does.
//!
//! Every work runs `BENCH_ROUNDS` (3) rounds of `BENCH_SECONDS` (10) on either side, pgbench
//! first; the table shows medians and their ratios, which mean more than the absolute figures
//! on a shared machine. The database must be a fresh one of its own cluster (its CPU is counted
//! whole) whose log is `<data_directory>/server.log`, as `scripts/local-pg.sh` starts it. With
//! `BENCH_SERVER_PID` set, the server's CPU and its memory around password hashing are reported.
//! Below it, how a read's cost grows with its data: the same request on more data, through the
//! server, in the same run (`works::growth`).
//! Then `BENCH_SOCKETS` (10,000) WebSockets are opened, for the server's memory per idle socket,
//! and `BENCH_MEMBERS` (5,000) of them, one group, get 20 messages a second for 10 s.
//! Receipts (`receipts.rs`): what 100 recipients acknowledging every frame cost `POST /messages`,
//! and the `receipt.updated` rate of a group of 1,000 all acknowledging.
//! Files (`files.rs`): the server's memory while a 100 MiB file goes up and down, and a
//! thumbnail made against one served from storage.
//! Followers of the log (`followers.rs`): what the push and webhook workers cost `POST /messages`,
//! and the requests a second they send.
//! `BENCH_TABLE=0` skips the HTTP works, `BENCH_SOCKETS=0` the socket works, `BENCH_RECEIPTS=0`
//! the receipts, `BENCH_FILES=0` the files, `BENCH_FOLLOWERS=0` the push and webhook workers; `BENCH_WORKS=search` runs only the works whose label holds that text.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod capture;
mod corpus;
mod cpu;
mod crowd;
mod fanout;
mod files;
mod followers;
mod http;
mod kept;
mod large_chat;
mod measure;
mod member_count;
mod memory;
mod pgbench;
mod psql;
mod receipts;
mod report;
mod script;
mod search_lag;
mod setup;
mod sockets;
mod works;

use measure::Bench;
use psql::Psql;
use std::path::{Path, PathBuf};
use works::Work;

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|value| value.parse().ok()).unwrap_or(default)
}

fn load_average() -> String {
    let text = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    text.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
}

/// The server's statements for one request of `work`, and the request's key; captured again (up
/// to 10 times) while something else got in the way, such as the event publisher's reads, or
/// while a kept history page is still read anew (the warm-up's first read moved the reader's
/// delivery marker: until the receipt publisher has been round, about a second, the page is read
/// again). Keys carry the work's `index`: a key used again with another body would be refused.
async fn capture(bench: &Bench, log: &Path, work: &Work, index: usize) -> (Vec<capture::Statement>, String) {
    let mut attempt = 0;
    loop {
        let key = format!("w{index}-capture-{attempt}");
        let bytes = (work.build)(&key);
        let request = async { assert_eq!(http::once(&bench.host, &bytes).await, 200, "{}", work.label) };
        let label = format!("{}-{index}-{attempt}", std::process::id());
        let statements = capture::statements(&bench.psql, log, &label, request).await;
        attempt += 1;
        // A statement of the server's background work (the search indexer, a worker's poll) may
        // land in the capture's window in place of the request's: a keyed request's carry its key.
        let keyed = !work.keyed
            || statements.iter().any(|statement| statement.params.iter().any(|param| param.as_deref() == Some(&*key)));
        if keyed && statements.len() == work.shape.iter().sum::<usize>() {
            return (statements, key);
        }
        assert!(attempt < 10, "{}: 10 captures, none of the request's statements alone", work.label);
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let origin = std::env::args().nth(1).unwrap_or_else(|| "http://127.0.0.1:8099".into());
    if origin == "prepare" {
        return kept::prepare(&std::env::var("BENCH_DATABASE_URL").expect("BENCH_DATABASE_URL")).await;
    }
    let host = origin.strip_prefix("http://").expect("an http:// address").trim_end_matches('/').to_owned();
    let base = format!("http://{host}/api/v1");
    let (seconds, rounds) = (setting("BENCH_SECONDS", 10), setting("BENCH_ROUNDS", 3));
    let psql = Psql { url: std::env::var("BENCH_DATABASE_URL").expect("BENCH_DATABASE_URL: the server's database") };
    capture::set_logging(&psql, false); // in case an interrupted run left it on
    let data_dir = PathBuf::from(psql.run(&["SHOW data_directory"]));
    let log = data_dir.join("server.log");
    let scratch = std::env::temp_dir().join("chat-bench"); // the pgbench scripts, kept to read
    std::fs::create_dir_all(&scratch).unwrap();
    let server_pid = std::env::var("BENCH_SERVER_PID").ok();
    let postmaster = cpu::postmaster(&data_dir);
    let bench = Bench {
        psql,
        postmaster,
        server_pid: server_pid.clone(),
        host,
        seconds,
        scratch,
        failures: Default::default(),
    };

    let client = reqwest::Client::new();
    let fixture = setup::prepare(&client, &base, &bench.psql, std::process::id()).await;
    println!(
        "{rounds} rounds of {seconds} s per side, medians. PostgreSQL alone: {} -M prepared -j 1 on the \
         server's statements (scripts in {}). Load average at start: {}.",
        pgbench::binary().display(),
        bench.scratch.display(),
        load_average()
    );
    let mut table = report::Table::default();
    let only = std::env::var("BENCH_WORKS").unwrap_or_default(); // a part of the labels to run
    let chosen = |works: Vec<Work>| -> Vec<Work> {
        works.into_iter().filter(|work| work.label.contains(only.as_str())).collect()
    };
    // A database copied from the kept corpora has them; another gets them written here (13 to 15
    // minutes) if a read runs on them or beside them, so that every read reads the same data
    // in every run. Creates do without.
    let works = if setting("BENCH_TABLE", 1) == 0 {
        Vec::new()
    } else if chosen(works::all(&bench.host, &fixture, 0)).iter().any(|work| work.rows.is_none()) {
        if !corpus::written(&bench.psql) {
            corpus::write(&bench.psql, &fixture.people);
        }
        let deep = large_chat::oldest_page_before(&bench.psql, fixture.people.large_chat);
        chosen(works::all(&bench.host, &fixture, deep))
    } else {
        chosen(works::all(&bench.host, &fixture, 0))
    };
    // Written out and vacuumed before anything is measured, so that what the set-up left to flush
    // and to vacuum does not land in the first works' figures.
    bench.psql.run(&["VACUUM (ANALYZE)", "CHECKPOINT"]);
    let mut served_by_work = std::collections::HashMap::new();
    for (index, work) in works.into_iter().enumerate() {
        // Every work reads a database whose statistics are current (not those of before the creates).
        bench.psql.run(&["VACUUM (ANALYZE)"]);
        for n in 0..3 {
            assert_eq!(
                http::once(&bench.host, &(work.build)(&format!("w{index}-warm-{n}"))).await,
                200,
                "{}",
                work.label
            );
        }
        let (statements, key) = capture(&bench, &log, &work, index).await;
        let (key, authors) = (work.keyed.then_some(key.as_str()), work.authors.as_ref());
        let script = script::build(work.label, &statements, work.shape, key, authors);
        println!("{}: {} statements in {} round trips", work.label, statements.len(), work.shape.len());
        // The reference statements, bound to the same values (the work's single statement's).
        let references: Vec<_> = work
            .references
            .iter()
            .map(|reference| {
                let sql = (reference.sql)(&statements[0].sql);
                let bound = capture::Statement { sql, params: statements[0].params.clone() };
                (reference, script::build(reference.label, &[bound], &[1], key, authors))
            })
            .collect();
        for (nth, &clients) in work.clients.iter().enumerate() {
            let (mut alone, mut served) = (Vec::new(), Vec::new());
            let references = if nth == 0 { references.as_slice() } else { &[] };
            let mut referred: Vec<Vec<_>> = references.iter().map(|_| Vec::new()).collect();
            for round in 1..=rounds {
                // The work's statement and its references take turns going first: the one right
                // after the server's run meets what that run left (autovacuum, the search
                // indexer catching up), which would otherwise always weigh on the same one. The
                // turns are even when the rounds are a multiple of the scripts (the create and its
                // three references: `BENCH_ROUNDS=4`; with the default 3, the last never goes first).
                let scripts: Vec<&script::Script> =
                    std::iter::once(&script).chain(references.iter().map(|(_, script)| script)).collect();
                let mut samples: Vec<Option<_>> = scripts.iter().map(|_| None).collect();
                for turn in 0..scripts.len() {
                    let which = (turn + round as usize - 1) % scripts.len();
                    samples[which] = Some(bench.pgbench(scripts[which], clients, work.rows.as_deref()));
                }
                let mut samples = samples.into_iter().flatten();
                alone.extend(samples.next());
                for (sample, referred) in samples.zip(&mut referred) {
                    referred.push(sample);
                }
                let run = format!("{}, {clients} clients, round {round}", work.label);
                let keys = format!("w{index}r{round}c{clients}");
                served.push(bench.server(&work.build, &run, &keys, clients, work.rows.as_deref()).await);
                let (a, s) = (alone[alone.len() - 1].throughput, served[served.len() - 1].throughput);
                println!("  {clients} clients, round {round}: PostgreSQL alone {a:.0}/s, through the server {s:.0}/s");
            }
            table.add(&format!("{}, {clients} clients", work.label), work.unit, work.targets, &alone, &served);
            for ((reference, _), samples) in references.iter().zip(&referred) {
                let label = format!("{}, {clients} clients", reference.label);
                table.compare(&label, work.unit, reference.db_cpu, samples, &alone, &served);
            }
            served_by_work.insert(work.label, (work.unit, served));
        }
    }
    println!("\nLoad average at the end: {}.\n", load_average());
    table.print();
    println!();
    let mut growth = report::GrowthTable::default();
    for row in works::growth() {
        if let (Some((unit, base)), Some((_, grown))) = (served_by_work.get(row.base), served_by_work.get(row.grown)) {
            growth.add(row.label, unit, row.target, base, grown);
        }
    }
    growth.print();
    println!();
    if let Some(create) = served_by_work.contains_key(works::CREATE).then(|| works::create(&bench.host, &fixture)) {
        search_lag::run(&client, &base, &bench.host, &fixture, &create).await;
        println!();
    }
    if let Some(pid) = &server_pid {
        memory::hashing_memory(&client, &base, pid).await;
    }
    if setting("BENCH_RECEIPTS", 1) != 0 {
        receipts::run(&bench, &std::process::id().to_string(), rounds as usize).await;
    }
    if setting("BENCH_FOLLOWERS", 1) != 0 {
        followers::run(&bench, &base, &std::process::id().to_string(), rounds as usize).await;
    }
    let mut failures = bench.failures.into_inner();
    if setting("BENCH_FILES", 1) != 0 {
        failures.extend(files::run(&base, server_pid.as_deref(), &std::process::id().to_string()).await);
    }
    let (sockets, members) = (setting("BENCH_SOCKETS", 10_000) as usize, setting("BENCH_MEMBERS", 5_000) as usize);
    if sockets > 0 {
        let crowd = crowd::make(&bench.psql, &std::process::id().to_string(), sockets, members.min(sockets));
        failures.extend(fanout::run(&bench.host, &crowd, server_pid.as_deref(), 20, 10).await);
    }
    if !failures.is_empty() {
        eprintln!("\nThe bench failed: a figure above counts only real successes, but\n{}", failures.join("\n"));
        std::process::exit(1);
    }
}
