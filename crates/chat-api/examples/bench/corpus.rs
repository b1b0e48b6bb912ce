//! The search work's data: 1,000,000 messages in 1,000 chats, written in SQL (through the API it
//! would take longer than the whole bench), a reader in 50 of those chats, and two more in 20
//! and in all 1,000 (the chat list's growth).
//!
//! Each message is 8 words drawn from 5,000 (`w0` ... `w4999`), so a word is in about 1,600
//! messages and two given words together in a handful; 20 messages of the reader's chats hold the
//! searched pair, so every search fills a page.

use crate::psql::Psql;

/// The messages written; `BENCH_SEARCH_MESSAGES` may lower it for a quick run.
fn message_count() -> u64 {
    std::env::var("BENCH_SEARCH_MESSAGES").ok().and_then(|value| value.parse().ok()).unwrap_or(1_000_000)
}

/// The two words searched for (with a trailing space: whole words, not a prefix).
pub const QUERY: &str = "w17 w42 ";

/// Writes the corpus; `reader` is the id of the user who searches, `few` and `many` join 20 and
/// all 1,000 of its chats. Prints how long it took.
pub fn write(psql: &Psql, reader: i64, few: i64, many: i64) {
    let started = std::time::Instant::now();
    let messages = message_count();
    let per_chat = messages / 1000;
    psql.run(&[
        &format!(
            "INSERT INTO chats (kind, title, created_by) SELECT 'group', 'corpus ' || n, {reader} FROM generate_series(1, 1000) n"
        ),
        &format!(
            "INSERT INTO chat_members (chat_id, user_id, role)
             SELECT id, {reader}, 'member' FROM chats WHERE title LIKE 'corpus %' ORDER BY id LIMIT 50"
        ),
        &format!(
            "INSERT INTO messages (chat_id, author_id, kind, content)
             SELECT c.id, {reader}, 'text',
                    (SELECT string_agg('w' || floor(random() * 5000)::int, ' ') FROM generate_series(1, 8) WHERE n > 0)
               FROM chats c, generate_series(1, {per_chat}) n WHERE c.title LIKE 'corpus %'"
        ),
        &format!(
            "INSERT INTO messages (chat_id, author_id, kind, content)
             SELECT chat_id, {reader}, 'text', 'w17 and w42 together, ' || n
               FROM chat_members, generate_series(1, 20) n WHERE user_id = {reader} AND n <= 20
              ORDER BY random() LIMIT 20"
        ),
        &format!(
            "INSERT INTO chat_members (chat_id, user_id, role)
             SELECT id, {few}, 'member' FROM chats WHERE title LIKE 'corpus %' ORDER BY id LIMIT 20"
        ),
        &format!(
            "INSERT INTO chat_members (chat_id, user_id, role)
             SELECT id, {many}, 'member' FROM chats WHERE title LIKE 'corpus %'"
        ),
    ]);
    println!("search corpus: {messages} messages in 1000 chats written in {:.0?}", started.elapsed());
}

/// Indexes for search every message written around the event log (both corpora), as an operator
/// does after loading messages in SQL (docs/OPERATIONS.md); the server's index worker sees only
/// what the log names. Prints how long it took.
pub fn index(psql: &Psql) {
    let started = std::time::Instant::now();
    psql.run(&["INSERT INTO message_search (message_id, chat_id, words)
         SELECT id, chat_id, to_tsvector('russian', content) FROM messages m
          WHERE deleted_at IS NULL AND content IS NOT NULL AND to_tsvector('russian', content) <> ''::tsvector
            AND NOT EXISTS (SELECT 1 FROM message_search s WHERE s.message_id = m.id)
         ON CONFLICT (message_id) DO NOTHING"]);
    println!("search index of the corpora written in {:.0?}", started.elapsed());
}
