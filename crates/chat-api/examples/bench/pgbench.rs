//! pgbench running a script alone against the bench database: transactions, throughput, and
//! every transaction's latency (from its per-transaction log).

use crate::script::Script;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// What one pgbench run did.
#[derive(Debug)]
pub struct Outcome {
    pub transactions: u64,
    pub tps: f64,
    pub latencies: Vec<Duration>,
}

/// The newest PostgreSQL's pgbench (the Debian layout), else the one on the PATH.
pub fn binary() -> PathBuf {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|version| version.path().join("bin/pgbench"))
        .filter(|path| path.exists())
        .collect();
    found.sort_by_key(|path| path.to_string_lossy().split('/').nth(4).and_then(|v| v.parse::<u32>().ok()));
    found.pop().unwrap_or_else(|| PathBuf::from("pgbench"))
}

/// Runs `script` from `clients` connections (one thread, `-M prepared`, the server's session
/// settings) for `seconds`, in `dir`.
pub fn run(dir: &Path, url: &str, script: &Script, clients: usize, seconds: u64) -> Outcome {
    let script_path = dir.join(format!("{}.sql", script.name));
    std::fs::write(&script_path, &script.text).unwrap();
    let prefix = dir.join("tx");
    let mut command = Command::new(binary());
    command.args(["-n", "-M", "prepared", "-j", "1", "-l"]);
    // The server's session settings (each statement planned once per connection), so that both
    // sides run the same plans.
    command.env("PGOPTIONS", chat_store::SESSION_OPTIONS);
    command.arg(format!("-c{clients}")).arg(format!("-T{seconds}"));
    command.arg(format!("--log-prefix={}", prefix.display()));
    command.arg("-f").arg(&script_path);
    for (name, value) in &script.defines {
        command.arg("-D").arg(format!("{name}={value}"));
    }
    let output = command.arg(url).output().expect("pgbench could not run");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let report = |label: &str| {
        let line = stdout.lines().find(|line| line.starts_with(label));
        line.and_then(|line| line[label.len()..].split_whitespace().next().map(str::to_owned))
    };
    if !output.status.success() || report("number of failed transactions:").is_some_and(|failed| failed != "0") {
        panic!("pgbench failed:\n{stdout}\n{}\nscript:\n{}", String::from_utf8_lossy(&output.stderr), script.text);
    }
    let transactions =
        report("number of transactions actually processed:").and_then(|n| n.split('/').next()?.parse().ok());
    let tps = report("tps =").and_then(|tps| tps.parse().ok());
    Outcome {
        transactions: transactions.expect("no transaction count in pgbench's report"),
        tps: tps.expect("no tps in pgbench's report"),
        latencies: take_latencies(dir),
    }
}

/// The latencies of the per-transaction logs in `dir` (the third field, in µs), sorted; the logs
/// are removed.
fn take_latencies(dir: &Path) -> Vec<Duration> {
    let mut latencies = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        if !entry.file_name().to_string_lossy().starts_with("tx.") {
            continue;
        }
        let text = std::fs::read_to_string(entry.path()).unwrap();
        latencies
            .extend(text.lines().filter_map(|line| line.split(' ').nth(2)?.parse().ok()).map(Duration::from_micros));
        std::fs::remove_file(entry.path()).unwrap();
    }
    latencies.sort_unstable();
    latencies
}
