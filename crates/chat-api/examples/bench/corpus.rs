//! The read works' large data, written in SQL (through the API it would take longer than the
//! whole bench), and kept between runs (`kept.rs`):
//! - the search corpus: 1,000,000 messages in 1,000 chats (`corpus n`), a searcher in 50 of
//!   those chats, and two more people in 20 and in all 1,000 (the chat list's growth);
//! - the large search corpus: 10,000,000 messages in 10,000 chats (`large corpus n`), of words
//!   of their own, and a searcher in 50 of them (how search grows);
//! - the large chat (`large_chat.rs`).
//!
//! Each message is 8 words drawn from 5,000 (`w0` ... `w4999`, `v0` ... `v4999` in the large
//! corpus), so a word is in about 1,600 messages (16,000) and two given words together in a
//! handful (ten handfuls); 20 messages of each searcher's chats hold the searched pair, so every
//! search fills a page.
//!
//! The people are made in SQL too, with known tokens (`corpus-<name>`), so that a database copied
//! from the kept one has them.

use crate::large_chat;
use crate::psql::{NEW_CHAT_ID, Psql, new_message_id};

/// Changes whenever what `write` writes changes, so that a kept copy is written again.
pub const VERSION: &str = "2026-12-07 chats keep their last message time";

/// The two words searched for in either corpus (with a trailing space: whole words, not a prefix).
pub const QUERY: &str = "w17 w42 ";
pub const QUERY_LARGE: &str = "v17 v42 ";

/// The messages written; `BENCH_SEARCH_MESSAGES` and `BENCH_SEARCH_LARGE_MESSAGES` may lower
/// them for a quick run (a kept copy's name carries them).
pub fn message_counts() -> (u64, u64) {
    let count = |name: &str, default: u64| std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default);
    (count("BENCH_SEARCH_MESSAGES", 1_000_000), count("BENCH_SEARCH_LARGE_MESSAGES", 10_000_000))
}

/// A person of the corpora: their user id and bearer token.
#[derive(Clone, Debug)]
pub struct Person {
    pub id: i64,
    pub token: String,
}

/// Who reads the corpora.
#[derive(Debug)]
pub struct People {
    /// Searches the search corpus, in 50 of its chats.
    pub searcher: Person,
    /// Searches the large search corpus, in 50 of its chats.
    pub searcher_large: Person,
    /// Members of 20 and of all 1,000 of the search corpus's chats.
    pub few: Person,
    pub many: Person,
    /// The only members of the large chat: `dave` has read none of it, `erin` all of it.
    pub dave: Person,
    pub erin: Person,
    /// Wrote every message of the corpora.
    pub author: Person,
    pub large_chat: i64,
}

const NAMES: [&str; 7] = ["searcher", "searcher_large", "few", "many", "dave", "erin", "author"];

/// The corpora's people and the large chat (made here unless a kept copy already has them).
pub fn people(psql: &Psql) -> People {
    psql.run(&[
        &format!(
            "INSERT INTO users (username, display_name, password_hash)
             SELECT 'corpus_' || name, 'corpus ' || name, 'no password: bench corpus'
               FROM unnest(ARRAY['{}']) name
             ON CONFLICT (username) DO NOTHING",
            NAMES.join("','")
        ),
        "INSERT INTO auth_tokens (token_hash, user_id, expires_at)
         SELECT sha256(convert_to('corpus-' || substr(username, 8), 'UTF8')), id, now() + interval '10 years'
           FROM users u WHERE username LIKE 'corpus\\_%'
            AND NOT EXISTS (SELECT 1 FROM auth_tokens t WHERE t.user_id = u.id)",
        &format!(
            "INSERT INTO chats (id, kind, title, created_by)
         SELECT {NEW_CHAT_ID}, 'group', 'large chat of the corpora', id FROM users
          WHERE username = 'corpus_author' AND NOT EXISTS (SELECT 1 FROM chats WHERE title = 'large chat of the corpora')"
        ),
        "INSERT INTO chat_members (chat_id, user_id, role)
         SELECT c.id, u.id, CASE u.username WHEN 'corpus_author' THEN 'owner' ELSE 'member' END
           FROM chats c, users u
          WHERE c.title = 'large chat of the corpora' AND u.username IN ('corpus_author', 'corpus_dave', 'corpus_erin')
         ON CONFLICT DO NOTHING",
    ]);
    let person = |name: &str| Person {
        id: psql.count(&format!("SELECT id FROM users WHERE username = 'corpus_{name}'")) as i64,
        token: format!("corpus-{name}"),
    };
    People {
        searcher: person("searcher"),
        searcher_large: person("searcher_large"),
        few: person("few"),
        many: person("many"),
        dave: person("dave"),
        erin: person("erin"),
        author: person("author"),
        large_chat: psql.count("SELECT id FROM chats WHERE title = 'large chat of the corpora'") as i64,
    }
}

/// Whether the corpora are already written (in a copy of the kept database).
pub fn written(psql: &Psql) -> bool {
    psql.count("SELECT count(*) FROM chats WHERE title = 'corpus 1'") > 0
}

/// Writes the corpora, their search index, and their statistics. Prints how long each took.
pub fn write(psql: &Psql, people: &People) {
    let (messages, large) = message_counts();
    search_corpus(psql, people, ("corpus", 'w'), (1_000, messages), &people.searcher);
    let (few, many, author) = (people.few.id, people.many.id, people.author.id);
    psql.run(&[
        &format!(
            "INSERT INTO chat_members (chat_id, user_id, role)
             SELECT id, {few}, 'member' FROM chats WHERE title LIKE 'corpus %' ORDER BY id LIMIT 20"
        ),
        &format!(
            "INSERT INTO chat_members (chat_id, user_id, role)
             SELECT id, {many}, 'member' FROM chats WHERE title LIKE 'corpus %'"
        ),
    ]);
    search_corpus(psql, people, ("large corpus", 'v'), (10_000, large), &people.searcher_large);
    large_chat::write(psql, people.large_chat, author, people.erin.id);
    index(psql);
    record_activity(psql);
    let started = std::time::Instant::now();
    psql.run(&["VACUUM (ANALYZE)"]);
    println!("corpora vacuumed and analysed in {:.0?}", started.elapsed());
}

/// `messages` messages in `chats` chats titled `title n`, of words `letter0` ... `letter4999`,
/// the searcher in 50 of those chats and 20 of their messages holding the searched pair.
fn search_corpus(
    psql: &Psql,
    people: &People,
    (title, letter): (&str, char),
    (chats, messages): (u64, u64),
    searcher: &Person,
) {
    let started = std::time::Instant::now();
    let (per_chat, author, reader) = (messages / chats, people.author.id, searcher.id);
    let word = format!("'{letter}' || floor(random() * 5000)::int");
    let words = vec![word; 8].join(" || ' ' || ");
    psql.run(&[
        &format!(
            "INSERT INTO chats (id, kind, title, created_by)
             SELECT v * 64 + v % 64, 'group', '{title} ' || n, {author}
               FROM (SELECT n, nextval('chats_id_seq') AS v FROM generate_series(1, {chats}) n) ids"
        ),
        &format!(
            "INSERT INTO chat_members (chat_id, user_id, role)
             SELECT id, {reader}, 'member' FROM chats WHERE title LIKE '{title} %' ORDER BY id LIMIT 50"
        ),
        // Chat by chat in order of id, as a community's messages are not: each chat's messages
        // land together, which only makes a chat's history cheaper to read.
        &format!(
            "INSERT INTO messages (id, chat_id, author_id, kind, content)
             SELECT {}, c.id, {author}, 'text', {words}
               FROM chats c, generate_series(1, {per_chat}) n WHERE c.title LIKE '{title} %'",
            new_message_id("c.id")
        ),
        &format!(
            "INSERT INTO messages (id, chat_id, author_id, kind, content)
             SELECT {}, chat_id, {author}, 'text', '{letter}17 and {letter}42 together, ' || n
               FROM (SELECT chat_id, n FROM chat_members, generate_series(1, 20) n WHERE user_id = {reader}
                      ORDER BY random() LIMIT 20) picked",
            new_message_id("chat_id")
        ),
    ]);
    println!("{title}: {messages} messages in {chats} chats written in {:.0?}", started.elapsed());
}

/// Sets each chat's `chat_activity`, which the create statement keeps and the chat list orders by,
/// as the migration that added it did: the corpora's messages are written in SQL.
fn record_activity(psql: &Psql) {
    let started = std::time::Instant::now();
    psql.run(&["UPDATE chat_activity a SET last_message_at = newest.ts
                  FROM (SELECT chat_id, max(ts) AS ts FROM messages GROUP BY chat_id) newest
                 WHERE newest.chat_id = a.chat_id AND newest.ts > a.last_message_at"]);
    println!("chats' last message times recorded in {:.0?}", started.elapsed());
}

/// Indexes for search every message written around the event log, as an operator does after
/// loading messages in SQL (docs/OPERATIONS.md): the server's index worker sees only what the log
/// names. The GIN index is built again afterwards, which is far quicker than inserting 12,000,000
/// rows into it. Prints how long it took.
fn index(psql: &Psql) {
    let started = std::time::Instant::now();
    let definition = psql.run(&["SELECT indexdef FROM pg_indexes WHERE indexname = 'message_search_words_idx'"]);
    assert!(definition.starts_with("CREATE INDEX"), "the search index's definition: {definition:?}");
    psql.run(&[
        "DROP INDEX message_search_words_idx",
        "INSERT INTO message_search (message_id, chat_id, words)
         SELECT id, chat_id, words FROM (
             SELECT id, chat_id, to_tsvector('russian', content) AS words FROM messages m
              WHERE deleted_at IS NULL AND content IS NOT NULL
                AND NOT EXISTS (SELECT 1 FROM message_search s WHERE s.message_id = m.id)) unindexed
          WHERE words <> ''::tsvector
         ON CONFLICT (message_id) DO NOTHING",
        "SET maintenance_work_mem = '1GB'",
        &definition,
    ]);
    println!("search index of the corpora written in {:.0?}", started.elapsed());
}
