//! The large chat's data: one chat of 1,000,000 messages (written in SQL with the search corpora,
//! `corpus.rs`), whose only chat it is for two readers: `dave` has read none of it, `erin` all of
//! it. Their chat lists differ only in what is unread, so the two works side by side show what
//! unread messages cost a chat list; and a history page of it at the newest messages and at the
//! oldest shows what depth costs one.

use crate::psql::{Psql, new_message_id};

/// The messages written; `BENCH_LARGE_CHAT_MESSAGES` may lower it for a quick run (a kept copy's
/// name carries it).
pub fn message_count() -> u64 {
    std::env::var("BENCH_LARGE_CHAT_MESSAGES").ok().and_then(|value| value.parse().ok()).unwrap_or(1_000_000)
}

/// Fills `chat` with messages of `author` and moves `erin`'s read marker to its end. Prints how
/// long it took.
pub fn write(psql: &Psql, chat: i64, author: i64, erin: i64) {
    let started = std::time::Instant::now();
    let messages = message_count();
    psql.run(&[
        &format!(
            "INSERT INTO messages (id, chat_id, author_id, kind, content)
             SELECT {}, {chat}, {author}, 'text', 'unread message ' || n FROM generate_series(1, {messages}) n",
            new_message_id(&chat.to_string())
        ),
        &format!(
            "UPDATE chat_members SET last_read_message_id = (SELECT max(id) FROM messages WHERE chat_id = {chat})
             WHERE chat_id = {chat} AND user_id = {erin}"
        ),
    ]);
    println!("large chat: {messages} messages written in {:.0?}", started.elapsed());
}

/// The id a history page of the chat's 50 oldest messages is read before.
pub fn oldest_page_before(psql: &Psql, chat: i64) -> i64 {
    // The 51st oldest: ids grow within a chat, 64 apart (they name the chat's shard).
    let fifty_first =
        psql.count(&format!("SELECT id FROM messages WHERE chat_id = {chat} ORDER BY id OFFSET 50 LIMIT 1"));
    i64::try_from(fifty_first).unwrap()
}
