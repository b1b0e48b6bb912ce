//! The works measured: each request the load generator sends, how the server's statements for it
//! go in round trips, what it writes, and what its ratios must reach.

use crate::corpus;
use crate::http::{RequestFn, request};
use crate::report::{Judged, Targets};
use crate::setup::{Authors, Fixture};
use std::sync::Arc;

/// One request type, measured at each of `clients`.
pub struct Work {
    pub label: &'static str,
    /// What one request is, for "database CPU per ...".
    pub unit: &'static str,
    pub clients: &'static [usize],
    /// Statements per round trip, as the server sends them; the capture must match it.
    pub shape: &'static [usize],
    /// Builds a request from a key unique to it.
    pub build: RequestFn,
    /// Whether the request carries its key as `Idempotency-Key`.
    pub keyed: bool,
    /// Counts the rows written, one per created message.
    pub rows: Option<String>,
    pub targets: Targets,
    /// Other statements that pgbench runs beside it, in each round at its first client count,
    /// with the same bind values, each for a row of its own that judges the server's figures by it.
    pub references: Vec<Reference>,
    /// Posted by one author per client (`Fixture::authors`), in pgbench too.
    pub authors: Option<Authors>,
}

/// A statement a work's own statement is judged against, both in pgbench: the most its database
/// CPU may be, as a multiple of the reference's.
pub struct Reference {
    pub label: &'static str,
    /// The reference's SQL, from the work's own (as the server sent it).
    pub sql: fn(&str) -> String,
    pub db_cpu: f64,
}

/// The plain create statement as the server sent it, its send budget taken out (the `budget`
/// CTE admitting whatever passed the other checks, by the statement's own condition, as it did
/// before the limit): the plain create is judged against it, so that the per-user send limit's
/// cost is measured in the same run.
fn without_send_limit(create: &str) -> String {
    let start = create.find("budget AS (").expect("the create statement has a `budget` CTE");
    let end = start + create[start..].find("), new_message AS (").expect("`new_message` follows `budget`");
    let admitted = create[start..end]
        .lines()
        .map(str::trim)
        .find(|line| line.starts_with("WHERE is_member"))
        .expect("the budget is taken on the other checks' outcome");
    format!("{}budget AS (\n    SELECT 1 FROM allowed {admitted}\n{}", &create[..start], &create[end..])
}

/// The plain create statement as the server sent it, without moving the chat's activity (the
/// `activity` CTE, which orders the chat list): what that costs every message, in the same run.
fn without_activity(create: &str) -> String {
    let start = create.find("activity AS (").expect("the create statement has an `activity` CTE");
    let end = start + create[start..].find("slowed AS (").expect("`slowed` follows `activity`");
    format!("{}{}", &create[..start], &create[end..])
}

/// The create statement as it was before full-text search (2026-11-26, `596267f~1`): membership,
/// the key's claim, the insert and its event, bound to the server's create's `$1`-`$11` (its id
/// names the chat's shard, as every message id must now: a plain one could be one the server makes). A plain
/// message's statement is judged against it (target: 1.15x its database CPU), so that what
/// search, mentions, threads and files cost a message that uses none of them shows.
const PRE_SEARCH_CREATE: &str = "
WITH allowed AS (
    SELECT EXISTS (SELECT 1 FROM chat_members WHERE chat_id = $1 AND user_id = $2 FOR KEY SHARE) AS is_member,
           ($6::bigint IS NULL OR EXISTS (SELECT 1 FROM messages WHERE id = $6 AND chat_id = $1)) AS reply_ok
), new_message AS (
    SELECT nextval(pg_get_serial_sequence('messages', 'id')) * 64 + $1::bigint % 64 AS id FROM allowed WHERE is_member AND reply_ok
), claim AS (
    INSERT INTO idempotency_keys (user_id, key, request_hash, message_id)
    SELECT $2, $7, $8, id FROM new_message WHERE $7::text IS NOT NULL
    ON CONFLICT (user_id, key) DO NOTHING
    RETURNING message_id
), inserted AS (
    INSERT INTO messages (id, chat_id, author_id, kind, content, payload, reply_to_id, ts)
    SELECT id, $1, $2, $3, $4, $5, $6, $9 FROM new_message WHERE $7::text IS NULL OR EXISTS (SELECT 1 FROM claim)
    RETURNING *
), event AS (
    INSERT INTO events (chat_id, message_id, kind, data)
    SELECT chat_id, id, $11, jsonb_set($10, '{id}', to_jsonb(id)) FROM inserted
)
SELECT allowed.is_member, allowed.reply_ok, inserted.* FROM allowed LEFT JOIN inserted ON true";

const CHATS_NONE_UNREAD: &str = "GET /chats, 1 chat of 1,000,000 messages, all read";
const CHATS_ALL_UNREAD: &str = "GET /chats, 1 chat of 1,000,000 messages, none read";
const CHATS_IN_20: &str = "GET /chats?limit=20, a member of 20 chats";
const CHATS_IN_1000: &str = "GET /chats?limit=20, a member of 1,000 chats";
const HISTORY_NEWEST: &str = "GET history of 1,000,000 messages, the newest 50";
pub const CREATE: &str = "POST /messages (Idempotency-Key)";
const CREATE_IN_10: &str = "POST /messages mentioning 3, a chat of 10 members";
const CREATE_IN_5000: &str = "POST /messages mentioning 3, a chat of 5,000 members";
const HISTORY_OLDEST: &str = "GET history of 1,000,000 messages, the oldest 50";
const SEARCH: &str = "GET /search, two words, 1,000,000 messages";
const SEARCH_LARGE: &str = "GET /search, two words, 10,000,000 messages";

/// How a read's cost grows with the data: two works that differ only in that, through the server
/// in the same run, and the most the grown one may cost as a multiple of the base one (its
/// database CPU per request, or for search its p99).
pub struct Growth {
    pub label: &'static str,
    pub base: &'static str,
    pub grown: &'static str,
    pub target: (Judged, f64),
}

/// The growth rows `make bench` prints below the table.
pub fn growth() -> Vec<Growth> {
    vec![
        Growth {
            label: "GET /chats: 1,000,000 unread against none",
            base: CHATS_NONE_UNREAD,
            grown: CHATS_ALL_UNREAD,
            target: (Judged::DbCpu, 1.5),
        },
        Growth {
            label: "GET /chats?limit=20: a member of 1,000 chats against 20",
            base: CHATS_IN_20,
            grown: CHATS_IN_1000,
            target: (Judged::DbCpu, 1.5),
        },
        Growth {
            label: "GET history: 1,000,000 messages back against the newest",
            base: HISTORY_NEWEST,
            grown: HISTORY_OLDEST,
            target: (Judged::DbCpu, 1.2),
        },
        Growth {
            label: "GET /search: 10,000,000 messages against 1,000,000",
            base: SEARCH,
            grown: SEARCH_LARGE,
            target: (Judged::P99, 2.0),
        },
        // The issue sets no figure for this one; the chat list's 1.5 is the bound used.
        Growth {
            label: "POST /messages mentioning 3: a chat of 5,000 members against 10",
            base: CREATE_IN_10,
            grown: CREATE_IN_5000,
            target: (Judged::DbCpu, 1.5),
        },
    ]
}

/// A read of one page by 16 clients, judged by the read targets: 0.80 of pgbench's throughput, and
/// at most 1.10 times its database CPU per page.
fn page_read(label: &'static str, shape: &'static [usize], build: RequestFn) -> Work {
    let targets = Targets { throughput: Some(0.80), db_cpu: Some(1.10), ..Targets::default() };
    Work {
        label,
        unit: "page",
        clients: &[16],
        shape,
        build,
        keyed: false,
        rows: None,
        targets,
        references: Vec::new(),
        authors: None,
    }
}

/// A history page, judged as every page is, and by the server's own CPU a page.
fn history_read(label: &'static str, shape: &'static [usize], build: RequestFn) -> Work {
    let mut work = page_read(label, shape, build);
    work.targets.server_cpu_us_max = Some(60.0);
    work
}

/// A search by 16 clients: the page (membership joined in), then the aggregate builder's three
/// queries; judged by the read target and the most its p99 may be.
fn search(label: &'static str, build: RequestFn, p99_ms_max: f64) -> Work {
    let targets = Targets { throughput: Some(0.80), p99_ms_max: Some(p99_ms_max), ..Targets::default() };
    Work { unit: "search", targets, ..page_read(label, &[1, 3], build) }
}

fn search_path(query: &str) -> String {
    format!("/api/v1/search?q={}", query.replace(' ', "%20"))
}

/// A plain message into ann's chat, by the author of the request's client (each has a send
/// budget of their own), keyed by the request's key.
pub fn create(host: &str, fixture: &Fixture) -> RequestFn {
    let (authors, host, chat) = (fixture.authors.clone(), host.to_owned(), fixture.chat);
    Arc::new(move |key: &str| {
        let body = format!(r#"{{"chat_id":{chat},"type":"text","content":"load message {key}"}}"#);
        let author = format!("Bearer {}", authors.token_for(key));
        let headers = [("Authorization", author.as_str()), ("Idempotency-Key", key)];
        request("POST", &host, "/api/v1/messages", &headers, Some(&body))
    })
}

/// `ann` posts `content` and the request's key into `chat`, keyed by it.
fn create_in(host: &str, fixture: &Fixture, chat: i64, content: &str) -> RequestFn {
    let (ann, host, content) = (format!("Bearer {}", fixture.ann), host.to_owned(), content.to_owned());
    Arc::new(move |key: &str| {
        let body = format!(r#"{{"chat_id":{chat},"type":"text","content":"{content} {key}"}}"#);
        let headers = [("Authorization", ann.as_str()), ("Idempotency-Key", key)];
        request("POST", &host, "/api/v1/messages", &headers, Some(&body))
    })
}

/// A create of a message mentioning three members into `chat`, by 16 clients, judged as the
/// plain create is but for the reference. Ann posts them all, so her send budget's row takes one
/// post at a time, in pgbench as through the server.
fn create_mentioning(label: &'static str, host: &str, fixture: &Fixture, chat: i64) -> Work {
    Work {
        label,
        unit: "message",
        clients: &[16],
        shape: &[1],
        build: create_in(host, fixture, chat, &fixture.member_counts.content),
        keyed: true,
        rows: Some(format!("SELECT count(*) FROM messages WHERE chat_id = {chat}")),
        targets: Targets { throughput: Some(0.85), p99: Some(2.0), db_cpu: Some(1.15), ..Targets::default() },
        references: Vec::new(),
        authors: None,
    }
}

/// The works in the order they run: the reads first, on the fixture alone, so that they read the
/// same data in every run (how many rows the creates add depends on the machine).
pub fn all(host: &str, fixture: &Fixture, deep_before: i64) -> Vec<Work> {
    let create = create(host, fixture);
    let read_as = |token: &str, path: String| -> RequestFn {
        let bytes = request("GET", host, &path, &[("Authorization", &format!("Bearer {token}"))], None);
        Arc::new(move |_: &str| bytes.clone())
    };
    let read = |path: String| read_as(&fixture.carol, path);
    vec![
        // The newest page, which the server keeps (`history_cache.rs`): one statement says it still
        // holds. (The first read after a change reads it anew, as the next row does.)
        history_read(
            "GET history, a page of 50 with reactions",
            &[1],
            read(format!("/api/v1/chats/{}/messages?limit=50", fixture.history)),
        ),
        // The same page through a cursor, which no process keeps: membership, the older and the
        // newer range pipelined, then the aggregate builder's queries (reactions, thread
        // summaries, read frontiers; no attachments among text messages).
        history_read(
            "GET history, a page of 50 with reactions, read anew",
            &[3, 3],
            read(format!("/api/v1/chats/{}/messages?limit=50&before={}", fixture.history, i64::MAX)),
        ),
        // The summaries, their last messages, then the aggregate builder's three queries.
        page_read("GET /chats, 21 chats", &[1, 1, 3], read("/api/v1/chats".to_owned())),
        // Through a cursor, as the oldest page below: the two differ only in their depth.
        history_read(
            HISTORY_NEWEST,
            &[3, 3],
            read_as(
                &fixture.people.dave.token,
                format!("/api/v1/chats/{}/messages?limit=50&before={}", fixture.people.large_chat, i64::MAX),
            ),
        ),
        // A page before a message also asks whether newer ones follow: three pipelined.
        history_read(
            HISTORY_OLDEST,
            &[3, 3],
            read_as(
                &fixture.people.dave.token,
                format!("/api/v1/chats/{}/messages?limit=50&before={deep_before}", fixture.people.large_chat),
            ),
        ),
        page_read(CHATS_IN_20, &[1, 1, 3], read_as(&fixture.people.few.token, "/api/v1/chats?limit=20".to_owned())),
        page_read(CHATS_IN_1000, &[1, 1, 3], read_as(&fixture.people.many.token, "/api/v1/chats?limit=20".to_owned())),
        page_read(CHATS_NONE_UNREAD, &[1, 1, 3], read_as(&fixture.people.erin.token, "/api/v1/chats".to_owned())),
        page_read(CHATS_ALL_UNREAD, &[1, 1, 3], read_as(&fixture.people.dave.token, "/api/v1/chats".to_owned())),
        search(SEARCH, read_as(&fixture.people.searcher.token, search_path(corpus::QUERY)), 50.0),
        search(SEARCH_LARGE, read_as(&fixture.people.searcher_large.token, search_path(corpus::QUERY_LARGE)), 100.0),
        Work {
            label: CREATE,
            unit: "message",
            clients: &[16, 64],
            shape: &[1],
            build: create,
            keyed: true,
            rows: Some(format!("SELECT count(*) FROM messages WHERE chat_id = {}", fixture.chat)),
            targets: Targets { throughput: Some(0.85), p99: Some(2.0), db_cpu: Some(1.15), ..Targets::default() },
            references: vec![
                Reference {
                    label: "A plain message's create statement against the one of before search",
                    sql: |_| PRE_SEARCH_CREATE.to_owned(),
                    db_cpu: 1.15,
                },
                Reference {
                    label: "A plain message's create statement against itself without the send limit",
                    sql: without_send_limit,
                    db_cpu: 1.05,
                },
                // The issue sets no figure for the activity update; it is held to the 1.05 set for
                // the send limit, the other part every message has paid since the statement of
                // before search.
                Reference {
                    label: "A plain message's create statement against itself without moving the chat's activity",
                    sql: without_activity,
                    db_cpu: 1.05,
                },
            ],
            authors: Some(fixture.authors.clone()),
        },
        create_mentioning(CREATE_IN_10, host, fixture, fixture.member_counts.of_10),
        create_mentioning(CREATE_IN_5000, host, fixture, fixture.member_counts.of_5000),
    ]
}
