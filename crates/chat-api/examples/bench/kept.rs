//! The corpora kept between runs: a template database, migrated and holding the corpora
//! (`corpus.rs`), named after a hash of `migrations/`, the corpora's version and their sizes. Each
//! run's database is a file copy of it (seconds) instead of writing 12,000,000 messages again
//! (minutes); a changed migration or corpus makes a new one, and the old one is dropped.
//!
//! `target/release/examples/bench prepare` with `BENCH_DATABASE_URL` set: `make bench` runs it
//! before it starts the server on that database.

use crate::corpus;
use crate::large_chat;
use crate::psql::Psql;
use sha2::{Digest, Sha256};

/// Makes the database at `url` a fresh copy of the kept corpora, writing them first if no kept
/// copy matches this checkout. Prints what it did and how long it took.
pub async fn prepare(url: &str) {
    let started = std::time::Instant::now();
    let (base, database) = url.rsplit_once('/').expect("a database URL ending in its name");
    // It is dropped and made again: never a database that is not the bench's own.
    assert!(
        database.starts_with("chat_bench") && database.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
        "bench prepare replaces only a database named chat_bench..., not {database:?}"
    );
    let admin = Psql { url: format!("{base}/postgres") };
    let kept = format!("chat_bench_corpora_{}", key());
    let ready = format!("SELECT count(*) FROM pg_database WHERE datname = '{kept}' AND datistemplate");
    if admin.count(&ready) == 0 {
        // Other kept copies are of other migrations or corpora (or this one, half written by an
        // interrupted run): their disk is wanted back.
        let stale = "SELECT string_agg(quote_ident(datname), E'\\n') FROM pg_database
                      WHERE datname LIKE 'chat\\_bench\\_corpora\\_%'";
        for name in admin.run(&[stale]).lines() {
            admin.run(&[
                &format!("ALTER DATABASE {name} WITH IS_TEMPLATE false ALLOW_CONNECTIONS true"),
                &format!("DROP DATABASE {name} WITH (FORCE)"),
            ]);
        }
        admin.run(&[&format!("CREATE DATABASE {kept}")]);
        let kept_url = format!("{base}/{kept}");
        chat_store::run_migrations(&kept_url).await.expect("migrate the kept corpora's database");
        let psql = Psql { url: kept_url };
        corpus::write(&psql, &corpus::people(&psql));
        // No connections: a copy needs the template to itself, and autovacuum would come by.
        admin.run(&[&format!("ALTER DATABASE {kept} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false")]);
        println!("kept corpora written to {kept} in {:.0?}", started.elapsed());
    }
    let copied = std::time::Instant::now();
    admin.run(&[
        &format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)"),
        &format!("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '{kept}'"),
        &format!("CREATE DATABASE {database} TEMPLATE {kept} STRATEGY FILE_COPY"),
    ]);
    println!("{database} copied from {kept} in {:.0?}", copied.elapsed());
}

/// What the kept corpora depend on: the migrations, the corpora's version and their sizes.
fn key() -> String {
    let (messages, large) = corpus::message_counts();
    let corpora = format!("{} {messages} {large} {}", corpus::VERSION, large_chat::message_count());
    let mut hasher = Sha256::new();
    hasher.update(chat_test_db::migrations_hash());
    hasher.update(corpora);
    hex::encode(&hasher.finalize()[..6])
}
