//! A chat's newest page, for a process that keeps the pages it answered (chat-api's
//! `history_cache`): one statement tells whether a kept page is still the chat's newest page, and
//! the page is read again only when it is not.
//!
//! Everything a page shows is the chat's: its messages, their reactions, thread summaries,
//! attachments, link previews and deletions, and its members' two lowest markers. Every change to
//! these writes an event of the chat in its transaction, and every marker move marks the chat's
//! receipts dirty in its statement (`receipts.rs`). A page read after the event head was at `head`
//! therefore still holds while the chat has no event sequenced past `head`, none not yet
//! sequenced, and no receipts dirty: an event committed after that head was read is either still
//! unsequenced or sequenced past it. (An event that was already in the page but not yet sequenced
//! makes the check fail once more; it errs on the side of reading again.) The check reads the
//! membership too, so a member who left is refused as without a kept page.
//!
//! Receipts need one more rule. The receipt publisher clears a chat's dirty mark without an event
//! when the two lowest markers are back to what it last sent, which is not necessarily what a page
//! read meanwhile shows: a member who joins lowers them for a moment, and when they deliver, they
//! are back, with no event. So a page is kept only if its chat's receipts were not dirty when it
//! was read: its markers were then the ones last sent, and whatever moves them after is either
//! sent (an event) or leaves them as sent, that is as the page shows them.
//!
//! That reasoning holds while the log only moves forward. A failover can lose what the old
//! primary showed before its standby had it, and a restore goes back in time; either way every
//! connection to the old primary is cut, and the pool opens new ones. So a page is used only on a
//! connection that was open when it was read (no connection opened since), and a head that went
//! back (`seq < $3`) counts as a change too. (Not the primary's outage errors: a pool that finds
//! its connections closed before using them replaces them without one.)

use crate::connection::pool::Store;
use crate::connection::prepared::{prepared, statement};
use crate::connection::seen::Seen;
use crate::error::StoreResult;
use crate::messages::aggregate::build_messages;
use crate::messages::history::{OlderMessages, Page, ThreadReplies};
use crate::rows::{MemberRow, MessageRow};
use chat_domain::{ChatId, DomainError, MessageId, Resource, UserId};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool};
use diesel_async::RunQueryDsl;

/// Member `$2` of chat `$1`, the event head, and whether the chat is unchanged since the head was
/// at `$3` (see the module's comment; events pruned past `$3` could have hidden a change, and a
/// head behind `$3` is a log gone back, so both count as one).
pub(crate) const FRESHNESS_SQL: &str = "
SELECT m.chat_id, m.user_id, m.role, m.joined_at, m.last_read_message_id, m.last_delivered_message_id,
       h.seq AS head,
       h.pruned_through <= $3 AND h.seq >= $3
       AND NOT EXISTS (SELECT 1 FROM events e WHERE e.chat_id = $1 AND e.seq > $3)
       AND NOT EXISTS (SELECT 1 FROM events e WHERE e.chat_id = $1 AND e.seq IS NULL) AS unchanged,
       NOT EXISTS (SELECT 1 FROM receipt_frontiers f WHERE f.chat_id = $1 AND f.dirty) AS receipts_settled
  FROM chat_members m CROSS JOIN event_head h
 WHERE m.chat_id = $1 AND m.user_id = $2";
statement!(NewestPageFreshness, FRESHNESS_SQL);

#[derive(QueryableByName)]
struct FreshnessRow {
    #[diesel(embed)]
    member: MemberRow,
    #[diesel(sql_type = BigInt)]
    head: i64,
    #[diesel(sql_type = Bool)]
    unchanged: bool,
    #[diesel(sql_type = Bool)]
    receipts_settled: bool,
}

/// What a kept page was read after: the event head then, and where (with replicas) it was read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageStamp {
    head: i64,
    /// The pooled connections opened when the page was read (`Store::connections_opened`).
    connections: u64,
    position: Option<i64>,
    /// The page's newest message, which a member who fetches it has received.
    newest: Option<MessageId>,
}

/// The answer to `newest_page`.
#[derive(Debug)]
pub enum NewestPage {
    /// The kept page is still the chat's newest page.
    Unchanged,
    /// The page as read now, and what to keep with it; nothing while its chat's receipts were
    /// being published (see the module's comment): such a page is not to be kept.
    Read { page: Page, stamp: Option<PageStamp> },
}

impl Store {
    /// The newest `limit` messages of `chat` for member `viewer`, or `Unchanged` when `kept` (the
    /// stamp of a page this process read with the same limit and replies) still holds. Either way
    /// the page counts as delivered to the viewer, as `history` does.
    pub async fn newest_page(
        &self,
        seen: &mut Seen,
        chat: ChatId,
        viewer: UserId,
        limit: u32,
        replies: ThreadReplies,
        kept: Option<PageStamp>,
    ) -> StoreResult<NewestPage> {
        let with_replies = replies == ThreadReplies::Include;
        let (member, answer) = self
            .read(seen, async |conn| {
                // Counted once this read's connection is open, before anything is read: a page
                // stamped so is not used once another connection has opened.
                let connections = self.connections_opened();
                let freshness = prepared::<NewestPageFreshness>()
                    .bind::<BigInt, _>(chat.0)
                    .bind::<BigInt, _>(viewer.0)
                    .bind::<BigInt, _>(kept.map_or(i64::MAX, |stamp| stamp.head));
                let Some(found) = freshness.get_result::<FreshnessRow>(conn).await.optional()? else {
                    return Err(DomainError::NotFound(Resource::Chat).into());
                };
                let held = found.unchanged && found.receipts_settled;
                if kept.is_some_and(|stamp| stamp.connections == connections) && held {
                    return Ok((found.member, None));
                }
                // Read after the statement above has answered: whatever the page shows, it shows
                // at least everything committed before the head was read.
                let mut older = prepared::<OlderMessages>()
                    .bind::<BigInt, _>(chat.0)
                    .bind::<BigInt, _>(i64::MAX)
                    .bind::<BigInt, _>(i64::from(limit) + 1)
                    .bind::<Bool, _>(with_replies)
                    .load::<MessageRow>(conn)
                    .await?;
                let has_older = older.len() > limit as usize;
                older.truncate(limit as usize);
                older.reverse();
                let messages = build_messages(conn, older).await?;
                let stamp = found.receipts_settled.then_some((found.head, connections));
                Ok((found.member, Some((messages, has_older, stamp))))
            })
            .await?;
        let answer = match answer {
            None => {
                // A kept page was read at or after its position: the reader has now seen that much.
                if let Some(position) = kept.and_then(|stamp| stamp.position) {
                    seen.read_at(position);
                }
                NewestPage::Unchanged
            }
            Some((messages, has_older, stamp)) => {
                let newest = messages.last().map(|message| message.id);
                let position = seen.served_at();
                let stamp = stamp.map(|(head, connections)| PageStamp { head, connections, position, newest });
                NewestPage::Read { page: Page { messages, has_older, has_newer: false }, stamp }
            }
        };
        let newest = match &answer {
            NewestPage::Unchanged => kept.and_then(|stamp| stamp.newest),
            NewestPage::Read { page, .. } => page.messages.last().map(|message| message.id),
        };
        self.deliver_page(viewer, chat, &member, newest.filter(|_| with_replies)).await;
        Ok(answer)
    }
}
