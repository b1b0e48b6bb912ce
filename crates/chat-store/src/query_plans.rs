//! The plans PostgreSQL picks for the statements that find a chat's messages, in the state that
//! once fooled it: statistics taken while the table was small, then one chat far larger than the
//! rest. None may walk `messages_pkey`, which reads every newer message of every other chat. And
//! what the statements whose work grows with the data read as it grows: unread counts, search,
//! replay, push planning in a large chat; and unread counts when statistics say one user wrote
//! every message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chat_test_db::TestDatabase;
use diesel::QueryableByName;
use diesel::sql_types::Text;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};

const SKEWED_HISTORY: &str = "
INSERT INTO users (id, username, display_name, password_hash) VALUES (1, 'a', 'a', 'x'), (2, 'b', 'b', 'x');
INSERT INTO chats (id, kind, title, created_by) SELECT g, 'group', 't', 2 FROM generate_series(1, 21) g;
INSERT INTO chat_members (chat_id, user_id, role) VALUES (1, 2, 'owner');
INSERT INTO chat_members (chat_id, user_id, role) SELECT g, 1, 'owner' FROM generate_series(2, 21) g;
INSERT INTO messages (chat_id, author_id, kind, content, ts) SELECT 2 + g % 20, 1, 'text', 'y', now() FROM generate_series(1, 400) g;
ANALYZE;
INSERT INTO messages (chat_id, author_id, kind, content, ts) SELECT 1, 2, 'text', 'x', now() FROM generate_series(1, 50000);";

/// A connection to `db` on which `plan_of(statement)` answers the lines of `EXPLAIN statement`.
async fn explaining(db: &TestDatabase) -> AsyncPgConnection {
    let mut conn = AsyncPgConnection::establish(db.url()).await.unwrap();
    let plan_of = "CREATE FUNCTION plan_of(statement text) RETURNS SETOF text LANGUAGE plpgsql AS $$
        DECLARE line text; BEGIN FOR line IN EXECUTE 'EXPLAIN ' || statement LOOP RETURN NEXT line; END LOOP; END $$;";
    conn.batch_execute(plan_of).await.unwrap();
    conn
}

#[derive(QueryableByName)]
struct PlanLine {
    #[diesel(sql_type = Text)]
    line: String,
}

/// The generic plan (the one a cached prepared statement settles on) of `statement`.
async fn plan(conn: &mut AsyncPgConnection, statement: &str, types: &str, args: &str) -> String {
    plan_in_mode(conn, "force_generic_plan", statement, types, args).await
}

/// `statement`'s plan under `plan_cache_mode = mode`.
async fn plan_in_mode(conn: &mut AsyncPgConnection, mode: &str, statement: &str, types: &str, args: &str) -> String {
    let prepare = format!("SET plan_cache_mode = {mode}; DEALLOCATE ALL; PREPARE probe({types}) AS {statement}");
    conn.batch_execute(&prepare).await.unwrap();
    let explain = diesel::sql_query(format!("SELECT plan_of('EXECUTE probe({args})') AS line"));
    let lines: Vec<PlanLine> = explain.load(conn).await.unwrap();
    lines.into_iter().map(|plan| plan.line).collect::<Vec<_>>().join("\n")
}

/// The plan of `run` (what follows `EXPLAIN`: options and an `EXECUTE`), as it ran.
async fn executed_plan(conn: &mut AsyncPgConnection, run: &str) -> String {
    let explain = diesel::sql_query(format!("SELECT plan_of('{run}') AS line"));
    let lines: Vec<PlanLine> = explain.load(conn).await.unwrap();
    lines.into_iter().map(|plan| plan.line).collect::<Vec<_>>().join("\n")
}

/// The generic plan of `statement` as it ran with `args` (quotes doubled: they go through
/// `plan_of`'s string), with its rows.
async fn generic_plan_as_run(conn: &mut AsyncPgConnection, statement: &str, types: &str, args: &str) -> String {
    let prepare =
        format!("SET plan_cache_mode = force_generic_plan; DEALLOCATE ALL; PREPARE probe({types}) AS {statement}");
    conn.batch_execute(&prepare).await.unwrap();
    executed_plan(conn, &format!("(ANALYZE, COSTS OFF, TIMING OFF) EXECUTE probe({args})")).await
}

/// The most rows any node of an executed plan produced (its `actual ... rows=N`).
fn most_rows_read(plan: &str) -> Option<u64> {
    plan.split("rows=")
        .skip(1)
        .filter_map(|rest| rest.split(|c: char| !c.is_ascii_digit()).next()?.parse::<u64>().ok())
        .max()
}

#[tokio::test]
async fn finding_a_chats_messages_never_walks_every_message() {
    let db = TestDatabase::new().await;
    let mut conn = explaining(&db).await;
    conn.batch_execute(SKEWED_HISTORY).await.unwrap();
    let statements = [
        (
            crate::chats::summaries::SUMMARY_SQL,
            "bigint, bigint, timestamptz, bigint, bigint, bigint[]",
            "1, NULL, NULL, NULL, 51, NULL",
        ),
        (crate::messages::history::OLDER_SQL, "bigint, bigint, bigint, boolean", "2, 9223372036854775807, 51, false"),
        (crate::messages::history::NEWER_SQL, "bigint, bigint, bigint, boolean", "2, 10, 51, true"),
    ];
    for (statement, types, args) in statements {
        let plan = plan(&mut conn, statement, types, args).await;
        assert!(plan.contains("messages_chat_id_idx") && !plan.contains("messages_pkey"), "{statement}\n{plan}");
    }
    // What PostgreSQL checks for `reply_to_id` when a message is deleted (deleting a chat by hand
    // deletes them all): without its index, a scan of every message for each one deleted.
    let replies = "SELECT 1 FROM ONLY messages x WHERE reply_to_id = $1 FOR KEY SHARE OF x";
    let plan = plan(&mut conn, replies, "bigint", "5").await;
    assert!(plan.contains("messages_reply_to_idx"), "{plan}");
}

#[tokio::test]
async fn a_chat_list_reads_no_more_unread_messages_than_it_counts() {
    let db = TestDatabase::new().await;
    let mut conn = explaining(&db).await;
    conn.batch_execute(SKEWED_HISTORY).await.unwrap();
    // User 3 has never read chat 1: 50,000 unread, 5,000 mentioning them. Analysed: with statistics
    // from before chat 1 grew, a plan may still read its whole unread range (`SUMMARY_SQL` says why).
    let reader = "INSERT INTO users (id, username, display_name, password_hash) VALUES (3, 'c', 'c', 'x');
        INSERT INTO chat_members (chat_id, user_id, role) VALUES (1, 3, 'member');
        INSERT INTO mentions (message_id, chat_id, user_id) SELECT id, 1, 3 FROM messages WHERE chat_id = 1 LIMIT 5000;
        ANALYZE;";
    conn.batch_execute(reader).await.unwrap();
    let types = "bigint, bigint, timestamptz, bigint, bigint, bigint[]";
    // User 3's list (50,000 unread) and user 1's (20 chats, none unread, no mentions).
    for (mode, user) in
        [("force_custom_plan", 3), ("force_generic_plan", 3), ("force_custom_plan", 1), ("force_generic_plan", 1)]
    {
        // `plan_of` prefixes EXPLAIN: this runs the statement and reports each node's actual rows.
        let run = format!("(ANALYZE, COSTS OFF, TIMING OFF) EXECUTE probe({user}, NULL, NULL, NULL, 51, NULL)");
        let prepare = format!(
            "SET plan_cache_mode = {mode}; DEALLOCATE ALL; PREPARE probe({types}) AS {}",
            crate::chats::summaries::SUMMARY_SQL
        );
        conn.batch_execute(&prepare).await.unwrap();
        let plan = executed_plan(&mut conn, &run).await;
        let most_rows = most_rows_read(&plan);
        assert!(
            most_rows.is_some_and(|rows| rows <= 100),
            "{mode}, user {user}: a node read more than the cap\n{plan}"
        );
        assert!(
            !plan.contains("mentions_message_idx"),
            "{mode}, user {user}: mentions counted through every mention\n{plan}"
        );
    }
}

/// A member of 300 chats: a page of 21 probes the newest message of its 21 chats only, whatever the
/// statistics (ordered by each chat's newest message, a list probed every chat of its member).
#[tokio::test]
async fn a_chat_list_page_probes_the_newest_message_of_its_own_chats_only() {
    let db = TestDatabase::new().await;
    let mut conn = explaining(&db).await;
    let member_of_300 = "
        INSERT INTO users (id, username, display_name, password_hash) VALUES (1, 'a', 'a', 'x');
        INSERT INTO chats (id, kind, title, created_by) SELECT g, 'group', 't', 1 FROM generate_series(1, 300) g;
        INSERT INTO chat_members (chat_id, user_id, role) SELECT g, 1, 'owner' FROM generate_series(1, 300) g;
        INSERT INTO messages (chat_id, author_id, kind, content, ts)
        SELECT 1 + g % 300, 1, 'text', 'x', now() - g * interval '1 second' FROM generate_series(1, 3000) g;
        UPDATE chat_activity a SET last_message_at = (SELECT max(ts) FROM messages m WHERE m.chat_id = a.chat_id);";
    conn.batch_execute(member_of_300).await.unwrap();
    let types = "bigint, bigint, timestamptz, bigint, bigint, bigint[]";
    for analysed in [false, true] {
        if analysed {
            conn.batch_execute("ANALYZE").await.unwrap();
        }
        for mode in ["force_generic_plan", "force_custom_plan"] {
            let prepare = format!(
                "SET plan_cache_mode = {mode}; DEALLOCATE ALL; PREPARE probe({types}) AS {}",
                crate::chats::summaries::SUMMARY_SQL
            );
            conn.batch_execute(&prepare).await.unwrap();
            let run = "(ANALYZE, COSTS OFF, TIMING OFF) EXECUTE probe(1, NULL, NULL, NULL, 21, NULL)";
            let plan = executed_plan(&mut conn, run).await;
            let probes = plan.lines().filter(|line| line.contains("Backward")).collect::<Vec<_>>();
            assert!(!probes.is_empty(), "{mode}, analysed {analysed}: no backward probe\n{plan}");
            for probe in probes {
                assert!(most_rows_in_total(probe) <= 21, "{mode}, analysed {analysed}: probed past the page\n{plan}");
            }
        }
    }
}

/// 60,100 messages of 8 words out of 2,000 in 200 chats, a reader in 20 of them; statistics taken
/// at the first 100 messages. Two given words are together in a message or two.
const SEARCH_CORPUS: &str = "
INSERT INTO users (id, username, display_name, password_hash) VALUES (1, 'a', 'a', 'x');
INSERT INTO chats (id, kind, title, created_by) SELECT g, 'group', 't', 1 FROM generate_series(1, 200) g;
INSERT INTO chat_members (chat_id, user_id, role) SELECT g, 1, 'owner' FROM generate_series(1, 20) g;
INSERT INTO messages (chat_id, author_id, kind, content)
SELECT 1 + g % 200, 1, 'text', (SELECT string_agg('w' || floor(random() * 2000)::int, ' ') FROM generate_series(1, 8) WHERE g > 0)
  FROM generate_series(1, 100) g;
INSERT INTO message_search (message_id, chat_id, words) SELECT id, chat_id, to_tsvector('russian', content) FROM messages;
ANALYZE;
INSERT INTO messages (chat_id, author_id, kind, content)
SELECT 1 + g % 200, 1, 'text', (SELECT string_agg('w' || floor(random() * 2000)::int, ' ') FROM generate_series(1, 8) WHERE g > 0)
  FROM generate_series(1, 60000) g;
INSERT INTO message_search (message_id, chat_id, words)
SELECT id, chat_id, to_tsvector('russian', content) FROM messages WHERE id > 100;";

#[tokio::test]
async fn a_search_probes_the_text_index_whatever_the_statistics() {
    let db = TestDatabase::new().await;
    let mut conn = explaining(&db).await;
    conn.batch_execute(SEARCH_CORPUS).await.unwrap();
    let types = "bigint, text, bigint, bigint, real, bigint";
    // Inside `plan_of`'s quoted statement: the tsquery text is `w17 & w42`.
    let args = "1, ''w17 & w42'', NULL, 9223372036854775807, 1, 21";
    // First with the statistics of before chat 1 grew (SKEWED_HISTORY's), then fresh ones.
    for statistics in ["stale", "fresh"] {
        if statistics == "fresh" {
            conn.batch_execute("ANALYZE").await.unwrap();
        }
        for statement in [crate::messages::search::NEWEST_SQL, crate::messages::search::RELEVANT_SQL] {
            for mode in ["force_custom_plan", "force_generic_plan"] {
                let plan = plan_in_mode(&mut conn, mode, statement, types, args).await;
                // Stale, the old statement walked the reader's chats' messages; fresh, its generic
                // plan ANDed the probe with a bitmap of every message past the cursor.
                let walks = plan.contains("messages_chat_id_idx")
                    || plan.contains("Scan Backward")
                    || plan.contains("Bitmap Index Scan on messages_pkey")
                    || plan.contains("Bitmap Index Scan on message_search_pkey");
                assert!(
                    plan.contains("Bitmap Index Scan on message_search_words_idx") && !walks,
                    "{statistics} statistics, {mode}: {statement}\n{plan}"
                );
            }
        }
    }
}

#[tokio::test]
async fn a_replay_after_a_long_gap_stops_at_its_page() {
    let db = TestDatabase::new().await;
    let mut conn = explaining(&db).await;
    // 100,000 events in 1,000 chats; the reader is in 10 of them, so 1,000 of the events are theirs.
    let log = "
        INSERT INTO users (id, username, display_name, password_hash) VALUES (1, 'a', 'a', 'x');
        INSERT INTO chats (id, kind, title, created_by) SELECT g, 'group', 't', 1 FROM generate_series(1, 1000) g;
        INSERT INTO chat_members (chat_id, user_id, role) SELECT g, 1, 'owner' FROM generate_series(1, 10) g;
        INSERT INTO events (seq, chat_id, kind, data) SELECT g, 1 + g % 1000, 'message.created', '{}'
          FROM generate_series(1, 100000) g;
        ANALYZE;";
    conn.batch_execute(log).await.unwrap();
    let replay = crate::events::replay::EVENTS_FOR_SQL;
    let types = "bigint, bigint, bigint, bigint, text";
    let plan = generic_plan_as_run(&mut conn, replay, types, "1, 0, 100000, 100, ''member.removed''").await;
    // A page of 100 of the reader's events is 10,000 events into the gap; the whole gap is 100,000.
    let most_rows = most_rows_read(&plan);
    assert!(most_rows.is_some_and(|rows| rows <= 20_000), "the replay read the whole gap\n{plan}");
}

/// The most rows any node of an executed plan produced over all its loops (`rows=N loops=M`).
fn most_rows_in_total(plan: &str) -> u64 {
    let number = |text: &str| text.split(|c: char| !c.is_ascii_digit()).next().and_then(|n| n.parse::<u64>().ok());
    plan.split("rows=")
        .skip(1)
        .filter_map(|rest| Some(number(rest)? * number(rest.split("loops=").nth(1)?)?))
        .max()
        .unwrap_or(0)
}

/// Group 1 of users 1 to 5,001 (`u1` ...), created by user 1.
const GROUP_OF_5001: &str = "
INSERT INTO users (id, username, display_name, password_hash) SELECT g, 'u' || g, 'u', 'x' FROM generate_series(1, 5001) g;
INSERT INTO chats (id, kind, title, created_by) VALUES (1, 'group', 't', 1);
INSERT INTO chat_members (chat_id, user_id, role) SELECT 1, g, 'member' FROM generate_series(1, 5001) g;";

#[tokio::test]
async fn planning_pushes_reads_a_chats_members_once_per_step_not_once_per_message() {
    let db = TestDatabase::new().await;
    let mut conn = explaining(&db).await;
    // Each of the 5,000 members besides the author has a pusher (the group default: pushed when
    // mentioned), one of them at `all`; 50 messages, each mentioning members 2, 3 and 4.
    conn.batch_execute(GROUP_OF_5001).await.unwrap();
    let chat = "
        UPDATE chat_members SET notification_level = 'all' WHERE user_id = 5001;
        INSERT INTO auth_tokens (token_hash, user_id, expires_at)
        SELECT int8send(g), g, now() + interval '1 day' FROM generate_series(2, 5001) g;
        INSERT INTO pushers (user_id, token_hash, kind, url) SELECT g, int8send(g), 'http', 'https://push.example/'
          FROM generate_series(2, 5001) g;
        INSERT INTO messages (id, chat_id, author_id, kind, content) SELECT g, 1, 1, 'text', 'm' FROM generate_series(1, 50) g;
        INSERT INTO mentions (user_id, chat_id, message_id) SELECT u, 1, g FROM generate_series(1, 50) g, generate_series(2, 4) u;
        ANALYZE;";
    conn.batch_execute(chat).await.unwrap();
    let prepare = format!(
        "SET plan_cache_mode = force_generic_plan; PREPARE probe(bigint[], bigint) AS {}",
        crate::push::planning::PLAN_MESSAGES_SQL
    );
    conn.batch_execute(&prepare).await.unwrap();
    let messages: Vec<String> = (1..=50).map(|id: i64| id.to_string()).collect();
    let run = format!("(ANALYZE, COSTS OFF, TIMING OFF) EXECUTE probe(ARRAY[{}], 0)", messages.join(", "));
    let plan = executed_plan(&mut conn, &run).await;
    assert!(most_rows_in_total(&plan) <= 10_000, "a node read the members once per message\n{plan}");
    // 3 mentioned members and the one at `all`, for each of the 50 messages.
    let planned = "SELECT count(*)::text AS line FROM push_deliveries";
    let count: Vec<PlanLine> = diesel::sql_query(planned).load(&mut conn).await.unwrap();
    assert_eq!(count[0].line, "200");
}

#[tokio::test]
async fn a_mention_in_a_large_chat_reads_the_named_members_only() {
    // One chat of 5,001 members among 30 of two, as `make bench` has them.
    let db = TestDatabase::new().await;
    let mut conn = explaining(&db).await;
    conn.batch_execute(GROUP_OF_5001).await.unwrap();
    let chat = "
        INSERT INTO chats (id, kind, title, created_by) SELECT g, 'group', 't', 1 FROM generate_series(2, 31) g;
        INSERT INTO chat_members (chat_id, user_id, role) SELECT g, u, 'member' FROM generate_series(2, 31) g, generate_series(1, 2) u;
        ANALYZE;";
    conn.batch_execute(chat).await.unwrap();
    let types = "bigint, bigint, text, text, jsonb, bigint, text, bytea, timestamptz, jsonb, text, text[], bigint[], \
                 text, bigint, text, integer, uuid[], float8, float8";
    let prepare = format!(
        "SET plan_cache_mode = force_generic_plan; PREPARE probe({types}) AS {}",
        <crate::messages::create_statement::CreateMessage as crate::connection::prepared::StatementText>::SQL
    );
    conn.batch_execute(&prepare).await.unwrap();
    // User 1 mentions u2 and u3 by name and user 4 by id (and u2 again by id).
    let run = "(ANALYZE, COSTS OFF, TIMING OFF) EXECUTE probe(1, 1, ''text'', ''@u2 @u3'', NULL, NULL, NULL, NULL, \
               now(), ''{}'', ''message.created'', ARRAY[''u2'', ''u3''], ARRAY[4, 2]::bigint[], ''mention'', NULL, \
               ''thread.updated'', 10, ARRAY[]::uuid[], 30, 1)";
    let plan = executed_plan(&mut conn, run).await;
    assert!(most_rows_in_total(&plan) <= 10, "a node read more than the named members\n{plan}");
    let mentioned = "SELECT string_agg(user_id::text, ',' ORDER BY user_id) AS line FROM mentions";
    let rows: Vec<PlanLine> = diesel::sql_query(mentioned).load(&mut conn).await.unwrap();
    assert_eq!(rows[0].line, "2,3,4");
}

/// 100,000 messages in 20 chats, every one by user 1 (an import, a bot) when statistics were
/// taken; user 2 in every chat, having read none of it.
const ONE_AUTHOR: &str = "
INSERT INTO users (id, username, display_name, password_hash) VALUES (1, 'importer', 'i', 'x'), (2, 'reader', 'r', 'x');
INSERT INTO chats (id, kind, title, created_by) SELECT g, 'group', 't', 1 FROM generate_series(1, 20) g;
INSERT INTO chat_members (chat_id, user_id, role) SELECT g, u, 'member' FROM generate_series(1, 20) g, generate_series(1, 2) u;
INSERT INTO messages (chat_id, author_id, kind, content) SELECT 1 + g % 20, 1, 'text', 'x' FROM generate_series(1, 100000) g;
ANALYZE;";

#[tokio::test]
async fn unread_counts_stop_at_their_cap_when_one_author_wrote_every_message() {
    let db = TestDatabase::new().await;
    let mut conn = explaining(&db).await;
    conn.batch_execute(ONE_AUTHOR).await.unwrap();
    // The chat list, as it runs: no node reads more than one chat's capped count.
    let types = "bigint, bigint, timestamptz, bigint, bigint, bigint[]";
    for mode in ["force_generic_plan", "force_custom_plan"] {
        let prepare = format!(
            "SET plan_cache_mode = {mode}; DEALLOCATE ALL; PREPARE probe({types}) AS {}",
            crate::chats::summaries::SUMMARY_SQL
        );
        conn.batch_execute(&prepare).await.unwrap();
        let run = "(ANALYZE, COSTS OFF, TIMING OFF) EXECUTE probe(2, NULL, NULL, NULL, 21, NULL)";
        let plan = executed_plan(&mut conn, run).await;
        assert!(most_rows_read(&plan).is_some_and(|rows| rows <= 100), "{mode}: a count read past its cap\n{plan}");
    }
    // The read marker's answer and a push's badge (they write: planned, not run).
    let mark = crate::chats::read_markers::MARK_SQL;
    let plan = plan(&mut conn, mark, "bigint, bigint, bigint, jsonb, text", "1, 2, 5, ''{}'', ''read.updated''").await;
    assert!(!plan.contains("Seq Scan on messages"), "the read marker's count\n{plan}");
    let claim = <crate::push::deliveries::ClaimDeliveries as crate::connection::prepared::StatementText>::SQL;
    let plan = self::plan(&mut conn, claim, "bigint, bigint", "10, 1000").await;
    assert!(!plan.contains("Seq Scan on messages"), "a push's badge\n{plan}");
}

#[tokio::test]
async fn checking_a_kept_page_probes_its_chat_only() {
    let db = TestDatabase::new().await;
    let mut conn = explaining(&db).await;
    // 100,000 sequenced events in 2,000 chats, 5,000 more of other chats awaiting their seq, and
    // dirty receipts elsewhere: the check of chat 1 reads one row of each table it probes, and no
    // table but the one-row head whole.
    let log = "
        INSERT INTO users (id, username, display_name, password_hash) VALUES (1, 'a', 'a', 'x');
        INSERT INTO chats (id, kind, title, created_by) SELECT g, 'group', 't', 1 FROM generate_series(1, 2000) g;
        INSERT INTO chat_members (chat_id, user_id, role) SELECT g, 1, 'owner' FROM generate_series(1, 2000) g;
        INSERT INTO events (seq, chat_id, kind, data) SELECT g, 1 + g % 2000, 'message.created', '{}'
          FROM generate_series(1, 100000) g;
        INSERT INTO events (chat_id, kind, data) SELECT 2 + g % 1999, 'message.created', '{}'
          FROM generate_series(1, 5000) g;
        INSERT INTO receipt_frontiers (chat_id, dirty) SELECT g, g % 2 = 0 FROM generate_series(1, 2000) g;
        UPDATE event_head SET seq = 100000;
        ANALYZE;";
    conn.batch_execute(log).await.unwrap();
    let check = crate::messages::newest_page::FRESHNESS_SQL;
    let plan = generic_plan_as_run(&mut conn, check, "bigint, bigint, bigint", "1, 1, 100000").await;
    let scanned: Vec<&str> =
        plan.lines().filter(|line| line.contains("Seq Scan") && !line.contains("event_head")).collect();
    assert!(scanned.is_empty(), "the check scanned a table\n{plan}");
    let most_rows = most_rows_in_total(&plan);
    assert!(most_rows <= 1, "the check read {most_rows} rows of one node\n{plan}");
}
