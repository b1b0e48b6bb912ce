//! A chat's history, one page at a time, cursor-paginated by message id, with or without the
//! replies posted in threads.

use crate::connection::pool::Store;
use crate::connection::prepared::{prepared, statement};
use crate::connection::seen::Seen;
use crate::error::StoreResult;
use crate::messages::aggregate::build_messages;
use crate::rows::{MemberRow, MessageRow};
use crate::schema::chat_members;
use chat_domain::{ChatId, DomainError, Message, MessageId, Resource, UserId};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// Up to `$3` messages of chat `$1` older than id `$2`, newest first (thread replies only if
/// `$4`): a backward range scan of `(chat_id, id)` that stops after `$3` rows. Rows of an earlier
/// chat that fill the limit mean this one has no more, and are dropped. (Written as
/// `chat_id = $1 ORDER BY id DESC`, the planner may walk `messages_pkey` instead, through every
/// newer message of every chat: see `chat_summaries::SUMMARY_SQL`.)
pub(crate) const OLDER_SQL: &str = "
SELECT * FROM (
    SELECT id, chat_id, author_id, kind, content, payload, ts, reply_to_id, deleted_at, updated_at, thread_root_id
    FROM messages WHERE (chat_id, id) < ($1, $2) AND ($4 OR thread_root_id IS NULL)
    ORDER BY chat_id DESC, id DESC LIMIT $3
) page WHERE chat_id = $1 ORDER BY id DESC";
statement!(OlderMessages, OLDER_SQL);

/// Up to `$3` messages of chat `$1` from id `$2` on, oldest first; the same range scan upwards.
pub(crate) const NEWER_SQL: &str = "
SELECT * FROM (
    SELECT id, chat_id, author_id, kind, content, payload, ts, reply_to_id, deleted_at, updated_at, thread_root_id
    FROM messages WHERE (chat_id, id) >= ($1, $2) AND ($4 OR thread_root_id IS NULL)
    ORDER BY chat_id, id LIMIT $3
) page WHERE chat_id = $1 ORDER BY id";
statement!(NewerMessages, NEWER_SQL);

/// Whether a chat's history shows the replies posted in its threads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ThreadReplies {
    /// Every message of the chat, thread replies included (the default).
    #[default]
    Include,
    /// Only the messages of the chat itself: each thread shows as its root's summary.
    Exclude,
}

/// Where a page sits in the history.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cursor {
    /// The newest messages.
    Latest,
    /// Messages older than this id.
    Before(MessageId),
    /// Messages newer than this id.
    After(MessageId),
    /// Messages around this id, the id itself included when it exists.
    Around(MessageId),
}

/// A page of whole messages, oldest first, and whether the history goes on either side.
#[derive(Clone, Debug)]
pub struct Page {
    pub messages: Vec<Message>,
    pub has_older: bool,
    pub has_newer: bool,
}

/// The two id ranges a cursor asks for: `older` reads down from an exclusive bound, `newer`
/// reads up from an inclusive one; each fetches one extra row to learn whether more exist.
pub(crate) struct Window {
    pub older_than: Option<i64>,
    pub older_count: i64,
    pub newer_from: Option<i64>,
    pub newer_count: i64,
}

impl Window {
    pub fn new(cursor: Cursor, limit: i64) -> Self {
        match cursor {
            Cursor::Latest => Self { older_than: None, older_count: limit, newer_from: None, newer_count: 0 },
            Cursor::Before(id) => {
                Self { older_than: Some(id.0), older_count: limit, newer_from: Some(id.0), newer_count: 0 }
            }
            Cursor::After(id) => {
                let from = id.0.saturating_add(1);
                Self { older_than: Some(from), older_count: 0, newer_from: Some(from), newer_count: limit }
            }
            Cursor::Around(id) => {
                let older_count = limit / 2;
                Self { older_than: Some(id.0), older_count, newer_from: Some(id.0), newer_count: limit - older_count }
            }
        }
    }

    /// The page's rows, oldest first, from the two ranges as read (each with its extra row), and
    /// whether more exist on either side.
    pub fn cut(&self, mut older: Vec<MessageRow>, mut newer: Vec<MessageRow>) -> (Vec<MessageRow>, bool, bool) {
        let has_older = older.len() as i64 > self.older_count;
        let has_newer = newer.len() as i64 > self.newer_count;
        older.truncate(self.older_count as usize);
        newer.truncate(self.newer_count as usize);
        older.reverse();
        older.append(&mut newer);
        (older, has_older, has_newer)
    }
}

impl Store {
    /// A page of `chat`'s history for `viewer`, in a fixed number of queries (six, seven with image
    /// or file messages, in two round trips) whatever `limit` is.
    pub async fn history(
        &self,
        seen: &mut Seen,
        chat: ChatId,
        viewer: UserId,
        cursor: Cursor,
        limit: u32,
        replies: ThreadReplies,
    ) -> StoreResult<Page> {
        let with_replies = replies == ThreadReplies::Include;
        let window = Window::new(cursor, i64::from(limit));
        let (membership, messages, has_older, has_newer) = self
            .read(seen, async |conn| {
                let shared: &AsyncPgConnection = conn;
                let membership = async {
                    let member = chat_members::table.find((chat.0, viewer.0)).select(MemberRow::as_select());
                    member.first::<MemberRow>(&mut &*shared).await.optional()
                };
                let older = prepared::<OlderMessages>()
                    .bind::<BigInt, _>(chat.0)
                    .bind::<BigInt, _>(window.older_than.unwrap_or(i64::MAX))
                    .bind::<BigInt, _>(window.older_count + 1)
                    .bind::<Bool, _>(with_replies)
                    .load::<MessageRow>(&mut &*shared);
                let newer = async {
                    let Some(bound) = window.newer_from else {
                        return Ok(Vec::new());
                    };
                    let newer = prepared::<NewerMessages>().bind::<BigInt, _>(chat.0).bind::<BigInt, _>(bound);
                    let newer = newer.bind::<BigInt, _>(window.newer_count + 1).bind::<Bool, _>(with_replies);
                    newer.load::<MessageRow>(&mut &*shared).await
                };
                let (membership, older, newer) = futures_util::try_join!(membership, older, newer)?;
                let Some(membership) = membership else {
                    return Err(DomainError::NotFound(Resource::Chat).into());
                };
                let (rows, has_older, has_newer) = window.cut(older, newer);
                let messages = build_messages(conn, rows).await?;
                Ok((membership, messages, has_older, has_newer))
            })
            .await?;
        let newest = messages.iter().map(|message| message.id).max().filter(|_| with_replies);
        self.deliver_page(viewer, chat, &membership, newest).await;
        Ok(Page { messages, has_older, has_newer })
    }

    /// A page the member fetched reached one of their devices, up to `newest` (an extra write, on
    /// the primary, only when it moves their marker; bookkeeping that fails does not fail the
    /// read). `None` for a page without thread replies: the marker would cover replies it left out.
    pub(crate) async fn deliver_page(
        &self,
        viewer: UserId,
        chat: ChatId,
        member: &MemberRow,
        newest: Option<MessageId>,
    ) {
        if let Some(newest) = newest
            && member.would_deliver(newest.0)
            && let Err(error) = self.mark_delivered(viewer, &[(chat, newest)]).await
        {
            tracing::warn!(%error, "recording a history page's delivery failed");
        }
    }
}
