//! Finding messages by their text, in the chats the reader is in: one query for the page (the
//! passages highlighted after the page is cut, so only its own rows pay for it), then the
//! aggregate builder for the messages themselves.

use crate::connection::pool::Store;
use crate::connection::prepared::{StatementText, prepared, statement};
use crate::connection::seen::Seen;
use crate::error::StoreResult;
use crate::messages::aggregate::build_messages;
use crate::rows::MessageRow;
use chat_domain::{ChatId, SearchHit, SearchQuery, UserId};
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Float4, Nullable, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// Marks around a match in a raw passage, made into `<mark>` once the passage is escaped.
const MATCH_START: char = '\u{E000}';
const MATCH_END: char = '\u{E001}';

/// The page: `$1` reader, `$2` tsquery, `$3` chat or null, `$4`/`$5` the cursor (id, and rank
/// for relevance), `$6` limit.
///
/// The words are `message_search`'s, which the search index worker keeps (`search_index.rs`):
/// a message is found a moment after it is posted, and one deleted meanwhile may still be a hit,
/// which the page's read of `messages` shows as a tombstone and `search_messages` leaves out.
///
/// The plan is the same whatever the words and however fresh the statistics: `hits` probes
/// `message_search_words_idx` and nothing else, then the reader's chats and the cursor cut the hits,
/// and only the page's rows are read whole and get a passage (from text cleared of the marker
/// characters, so a message cannot forge a `<mark>`). A search costs what its words match, never
/// a walk of messages that may not match: left to the planner, a rare pair of words once walked
/// `messages_pkey` through every message (statistics taken while the table was small: 5 s a
/// search), and the generic plan (the server plans each statement once per connection:
/// `connect.rs`) walked every message of the reader's chats (18 ms over 100,000). `hits` is
/// `MATERIALIZED` so the index probe cannot be merged into those plans; the cursor is kept out
/// of it, or the generic plan ANDed the probe with a bitmap of every message past the cursor.
/// A word in a large share of all messages costs in proportion (27,713 hits: 18 ms), the price
/// of an index that cannot return matches newest first.
///
/// A query the index cannot serve (`querytree` 'T': only exclusions left once stop words are
/// dropped) finds nothing rather than reading every message. `q` is `NOT MATERIALIZED` so the
/// query is a value the index is probed with (materialised, it could not be: 1.5 s a search).
/// `query_plans.rs` holds all this.
macro_rules! search_sql {
    ($hit_rank:literal, $cursor:literal, $order:literal) => {
        concat!(
            "WITH q AS NOT MATERIALIZED (SELECT to_tsquery('russian', $2) AS query),
hits AS MATERIALIZED (
    SELECT s.message_id AS id, s.chat_id, ",
            $hit_rank,
            " AS rank
      FROM q, message_search s
     WHERE s.words @@ q.query AND querytree(q.query) <> 'T'
       AND ($3::bigint IS NULL OR s.chat_id = $3)
), top AS (
    SELECT hits.id, hits.rank FROM hits
      JOIN chat_members cm ON cm.chat_id = hits.chat_id AND cm.user_id = $1
     WHERE ",
            $cursor,
            "
     ORDER BY ",
            $order,
            "
     LIMIT $6
), page AS (
    SELECT m.id, m.chat_id, m.author_id, m.kind, m.content, m.payload, m.ts, m.reply_to_id, m.deleted_at,
           m.updated_at, m.thread_root_id, COALESCE(top.rank, ts_rank(s.words, q.query)) AS rank
      FROM top JOIN messages m ON m.id = top.id JOIN message_search s ON s.message_id = top.id, q
)
SELECT page.*, c.title AS chat_title,
       ts_headline('russian', translate(page.content, E'\\uE000\\uE001', ''), q.query,
                   'StartSel=\u{E000}, StopSel=\u{E001}, MaxWords=30, MinWords=12, MaxFragments=2') AS snippet
  FROM page JOIN chats c ON c.id = page.chat_id, q
 ORDER BY ",
            $order
        )
    };
}
// Newest first needs no rank until the page: it is computed for the page's rows only.
pub(crate) const NEWEST_SQL: &str = search_sql!("NULL::real", "hits.id < $4 AND $5::real IS NOT NULL", "id DESC");
statement!(SearchNewest, NEWEST_SQL);
pub(crate) const RELEVANT_SQL: &str =
    search_sql!("ts_rank(s.words, q.query)", "(hits.rank, hits.id) < ($5::real, $4)", "rank DESC, id DESC");
statement!(SearchRelevant, RELEVANT_SQL);

/// The order of results.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SearchOrder {
    Newest,
    Relevance,
}

/// Where a page of results starts: after the last result of the previous one.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SearchCursor {
    pub id: i64,
    pub rank: f32,
}

#[derive(QueryableByName)]
struct SearchRow {
    #[diesel(embed)]
    message: MessageRow,
    #[diesel(sql_type = Float4)]
    rank: f32,
    #[diesel(sql_type = Nullable<Text>)]
    chat_title: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    snippet: Option<String>,
}

/// Which page of results: in one `chat` or all the reader's, in `order`, after `cursor`.
#[derive(Clone, Copy, Debug)]
pub struct SearchPage {
    pub chat: Option<ChatId>,
    pub order: SearchOrder,
    pub cursor: Option<SearchCursor>,
    pub limit: i64,
}

impl Store {
    /// Up to `limit` messages matching `query` in the chats `reader` is in (or in `chat`), after
    /// `cursor`; and the cursor of the next page, if there is one.
    pub async fn search_messages(
        &self,
        seen: &mut Seen,
        reader: UserId,
        query: &SearchQuery,
        page: SearchPage,
    ) -> StoreResult<(Vec<SearchHit>, Option<SearchCursor>)> {
        let (hits, next) = self.search_page(seen, reader, query, page).await?;
        Ok((hits.into_iter().map(|(hit, _)| hit).collect(), next))
    }

    /// `search_messages`, each hit with its place in the order (what a cursor after it holds),
    /// for merging the pages of several clusters.
    pub async fn search_page(
        &self,
        seen: &mut Seen,
        reader: UserId,
        query: &SearchQuery,
        SearchPage { chat, order, cursor, limit }: SearchPage,
    ) -> StoreResult<(Vec<(SearchHit, SearchCursor)>, Option<SearchCursor>)> {
        let cursor = cursor.unwrap_or(SearchCursor { id: i64::MAX, rank: f32::MAX });
        self.read(seen, async |conn| {
            let mut rows: Vec<SearchRow> = match order {
                SearchOrder::Newest => load::<SearchNewest>(&mut *conn, reader, query, chat, cursor, limit + 1).await?,
                SearchOrder::Relevance => {
                    load::<SearchRelevant>(&mut *conn, reader, query, chat, cursor, limit + 1).await?
                }
            };
            let more = rows.len() as i64 > limit;
            rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
            let next =
                more.then(|| rows.last().map(|row| SearchCursor { id: row.message.id, rank: row.rank })).flatten();
            // Deleted since the index last saw it: the cursor passes it, the page leaves it out.
            rows.retain(|row| row.message.deleted_at.is_none());
            let extras: Vec<(Option<String>, String, SearchCursor)> = rows
                .iter()
                .map(|row| {
                    let place = SearchCursor { id: row.message.id, rank: row.rank };
                    (row.chat_title.clone(), highlighted(row.snippet.as_deref().unwrap_or("")), place)
                })
                .collect();
            let messages = build_messages(&mut *conn, rows.into_iter().map(|row| row.message).collect()).await?;
            let hits = messages
                .into_iter()
                .zip(extras)
                .map(|(message, (chat_title, snippet, place))| {
                    (SearchHit { chat_id: message.chat_id, message, chat_title, snippet }, place)
                })
                .collect();
            Ok((hits, next))
        })
        .await
    }
}

/// Runs one of the two page statements.
async fn load<S: StatementText>(
    conn: &mut AsyncPgConnection,
    reader: UserId,
    query: &SearchQuery,
    chat: Option<ChatId>,
    cursor: SearchCursor,
    limit: i64,
) -> StoreResult<Vec<SearchRow>> {
    Ok(prepared::<S>()
        .bind::<BigInt, _>(reader.0)
        .bind::<Text, _>(query.as_tsquery())
        .bind::<Nullable<BigInt>, _>(chat.map(|chat| chat.0))
        .bind::<BigInt, _>(cursor.id)
        .bind::<Float4, _>(cursor.rank)
        .bind::<BigInt, _>(limit)
        .load(conn)
        .await?)
}

/// The passage as HTML: its text escaped, each match in `<mark>`.
fn highlighted(raw: &str) -> String {
    let mut html = String::with_capacity(raw.len() + 32);
    for c in raw.chars() {
        match c {
            MATCH_START => html.push_str("<mark>"),
            MATCH_END => html.push_str("</mark>"),
            '&' => html.push_str("&amp;"),
            '<' => html.push_str("&lt;"),
            '>' => html.push_str("&gt;"),
            '"' => html.push_str("&quot;"),
            '\'' => html.push_str("&#39;"),
            c => html.push(c),
        }
    }
    html
}
