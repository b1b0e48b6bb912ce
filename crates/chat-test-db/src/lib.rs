//! A fresh database for each test, cloned from a template migrated once (crates.io's pattern).
//!
//! Cloning is a file copy inside PostgreSQL, far cheaper than migrating, so every test gets its
//! own database and tests run in parallel without sharing state. The template's name carries a
//! hash of `migrations/`, so a changed migration builds a new template by itself.
#![allow(clippy::expect_used, clippy::panic)]

use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};

/// A database that exists for one test and is dropped with it.
#[derive(Debug)]
pub struct TestDatabase {
    name: String,
    url: String,
    admin_url: String,
}

impl TestDatabase {
    /// Clones the template (building it first if this is the first test since migrations changed).
    pub async fn new() -> Self {
        let admin_url = std::env::var("DATABASE_URL")
            .expect("DATABASE_URL is not set: run the tests with `make test`, which starts the local cluster");
        let template = ensure_template(&admin_url).await;
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let name =
            format!("chat_test_{}_{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed), rand_suffix());
        let mut admin = connect(&admin_url).await;
        execute(&mut admin, &format!("CREATE DATABASE {name} TEMPLATE {template}")).await;
        let url = with_database(&admin_url, &name);
        // An event log of its own, as a database migrated afresh has: copies of one template would
        // otherwise share the epoch, and two of them standing for two clusters could not tell a
        // position of one log from the other's.
        let mut own = connect(&url).await;
        execute(&mut own, "UPDATE event_head SET epoch = floor(random() * 2147483646)::bigint + 1").await;
        Self { name, url, admin_url }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The cluster's maintenance database, for what cannot run inside this one.
    pub fn admin_url(&self) -> &str {
        &self.admin_url
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        // Drop runs outside async code; a short-lived runtime on its own thread does the cleanup.
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        let cleanup = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            runtime.block_on(async {
                let mut admin = connect(&admin_url).await;
                execute(&mut admin, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
            });
        });
        let _ = cleanup.join();
    }
}

async fn ensure_template(admin_url: &str) -> String {
    let template = format!("chat_template_{}", migrations_hash());
    let mut admin = connect(admin_url).await;
    // One builder at a time across every test process; the others wait, then find it ready.
    execute(&mut admin, "SELECT pg_advisory_lock(727274)").await;
    let ready: Vec<bool> =
        diesel::sql_query(format!("SELECT datistemplate AS ready FROM pg_database WHERE datname = '{template}'"))
            .load::<Ready>(&mut admin)
            .await
            .expect("query pg_database")
            .into_iter()
            .map(|row| row.ready)
            .collect();
    if ready != [true] {
        // Absent, or left half-built by a crashed run.
        execute(&mut admin, &format!("DROP DATABASE IF EXISTS {template} WITH (FORCE)")).await;
        execute(&mut admin, &format!("CREATE DATABASE {template}")).await;
        chat_store::run_migrations(&with_database(admin_url, &template)).await.expect("migrate the template");
        execute(&mut admin, &format!("ALTER DATABASE {template} WITH IS_TEMPLATE true")).await;
    }
    execute(&mut admin, "SELECT pg_advisory_unlock(727274)").await;
    template
}

#[derive(diesel::QueryableByName)]
struct Ready {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    ready: bool,
}

/// A hash of every file of `migrations/` (name and text), short: what a database migrated from
/// them is named after (this crate's template, `make bench`'s kept corpora).
pub fn migrations_hash() -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations");
    let mut files = Vec::new();
    collect_files(&dir, &mut files);
    files.sort();
    let mut hasher = Sha256::new();
    for file in files {
        hasher.update(file.to_string_lossy().as_bytes());
        hasher.update(std::fs::read(&file).expect("read a migration"));
    }
    hex::encode(&hasher.finalize()[..6])
}

fn collect_files(dir: &Path, into: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read migrations/") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() { collect_files(&path, into) } else { into.push(path) }
    }
}

fn rand_suffix() -> String {
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    format!("{nanos:x}")
}

/// `url` with its database name replaced by `database`.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let base = base.rsplit_once('/').map_or(base, |(prefix, _)| prefix);
    match query {
        Some(query) => format!("{base}/{database}?{query}"),
        None => format!("{base}/{database}"),
    }
}

async fn connect(url: &str) -> AsyncPgConnection {
    AsyncPgConnection::establish(url).await.unwrap_or_else(|error| panic!("connect to {url}: {error}"))
}

async fn execute(conn: &mut AsyncPgConnection, sql: &str) {
    diesel::sql_query(sql).execute(conn).await.unwrap_or_else(|error| panic!("{sql}: {error}"));
}
