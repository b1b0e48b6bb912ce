//! The statements the server sends for one request, read back from the bench cluster's log: the
//! SQL text and bind values PostgreSQL executed, so pgbench replays exactly that, whatever the
//! source looks like now. Logging is on (`log_min_duration_statement = 0`) only around the request.

use crate::psql::Psql;
use std::collections::HashSet;
use std::path::Path;
use std::time::Duration;

/// One statement as executed: its SQL, and its bind values in `$n` order (`None` for NULL).
#[derive(Clone, Debug)]
pub struct Statement {
    pub sql: String,
    pub params: Vec<Option<String>>,
}

/// One log entry: the backend that wrote it and its message, continuation lines joined.
struct Entry {
    pid: String,
    message: String,
}

/// Turns the statement log of the cluster (`psql`'s) on or off, for every session.
pub fn set_logging(psql: &Psql, on: bool) {
    let setting = if on { "SET log_min_duration_statement = 0" } else { "RESET log_min_duration_statement" };
    psql.run(&[&format!("ALTER SYSTEM {setting}"), "SELECT pg_reload_conf()"]);
}

/// Logs every statement while `request` runs, and returns the request's (see `request_statements`);
/// `label` makes the window's markers unique.
pub async fn statements<F: Future<Output = ()>>(psql: &Psql, log: &Path, label: &str, request: F) -> Vec<Statement> {
    let start = std::fs::metadata(log).map(|meta| meta.len()).unwrap_or(0) as usize;
    set_logging(psql, true);
    // Backends apply the reloaded setting at their next command once the postmaster signalled them.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (before, after) = (format!("bench-capture-{label}-before"), format!("bench-capture-{label}-after"));
    psql.run(&[&format!("SELECT '{before}'")]);
    request.await;
    psql.run(&[&format!("SELECT '{after}'")]);
    set_logging(psql, false);

    let bytes = std::fs::read(log).unwrap_or_else(|e| panic!("{}: {e}", log.display()));
    let entries = entries(&String::from_utf8_lossy(&bytes[start.min(bytes.len())..]));
    let marker = |text: &str| entries.iter().position(|entry| entry.message.contains(&format!("'{text}'")));
    let (Some(first), Some(last)) = (marker(&before), marker(&after)) else {
        panic!("the capture markers are not in {}", log.display());
    };
    request_statements(&entries[first + 1..last])
}

/// The statements that the backend of the window's first statement outside a transaction block
/// executed (the event publisher's ticks run in transactions), up to its next simple-protocol
/// statement (the publisher's `BEGIN`, should it take over the connection once the request has
/// answered). The caller checks their number and captures again if something got in the way.
fn request_statements(window: &[Entry]) -> Vec<Statement> {
    let mut in_transaction: HashSet<&str> = HashSet::new();
    let (mut pid, mut found) = (None, Vec::new());
    for (n, entry) in window.iter().enumerate() {
        let (step, sql) = step(&entry.message);
        if pid.is_none() {
            match step {
                "statement" if sql.trim_start().starts_with("BEGIN") => _ = in_transaction.insert(&entry.pid),
                "statement" => _ = in_transaction.remove(entry.pid.as_str()),
                "parse" | "bind" | "execute" if !in_transaction.contains(entry.pid.as_str()) => pid = Some(&entry.pid),
                _ => {}
            }
        }
        if pid != Some(&entry.pid) {
            continue;
        }
        match step {
            "execute" => {
                let detail = window[n + 1..].iter().find(|next| next.pid == entry.pid);
                let params = detail.and_then(|next| next.message.strip_prefix("DETAIL:  parameters: "));
                found.push(Statement { sql: sql.to_owned(), params: params.map(parse_params).unwrap_or_default() });
            }
            "statement" => break,
            _ => {}
        }
    }
    found
}

/// Splits a `duration:` message into its step (`parse`, `bind`, `execute`, `statement`) and SQL.
fn step(message: &str) -> (&str, &str) {
    let Some(rest) = message.strip_prefix("LOG:  duration: ").and_then(|rest| rest.split_once(" ms  ")) else {
        return ("", "");
    };
    let (head, sql) = rest.1.split_once(": ").unwrap_or((rest.1, ""));
    (head.split(' ').next().unwrap_or_default(), sql)
}

/// Log entries of the `%m [%p] ` prefix; a line starting with a tab continues the entry before.
fn entries(text: &str) -> Vec<Entry> {
    let mut entries: Vec<Entry> = Vec::new();
    for line in text.lines() {
        if let (Some(rest), Some(last)) = (line.strip_prefix('\t'), entries.last_mut()) {
            last.message.push('\n');
            last.message.push_str(rest);
        } else if let Some((_, rest)) = line.split_once(" [")
            && let Some((pid, message)) = rest.split_once("] ")
        {
            entries.push(Entry { pid: pid.to_owned(), message: message.to_owned() });
        }
    }
    entries
}

/// `$1 = '5', $2 = NULL, $3 = 'it''s'` as its values, in order.
fn parse_params(text: &str) -> Vec<Option<String>> {
    let mut values = Vec::new();
    let mut rest = text;
    while let Some((_, after)) = rest.split_once(" = ") {
        if let Some(tail) = after.strip_prefix("NULL") {
            values.push(None);
            rest = tail;
            continue;
        }
        let mut chars = after.strip_prefix('\'').expect("a quoted parameter").char_indices().peekable();
        let mut value = String::new();
        let mut end = after.len();
        while let Some((at, c)) = chars.next() {
            if c != '\'' {
                value.push(c);
            } else if chars.peek().map(|(_, next)| *next) == Some('\'') {
                value.push('\'');
                chars.next();
            } else {
                end = at + 2;
                break;
            }
        }
        values.push(Some(value));
        rest = &after[end..];
    }
    values
}
