//! A chat's history, one page at a time, cursor-paginated by message id.

use crate::aggregate::build_messages;
use crate::error::StoreResult;
use crate::pool::Store;
use crate::rows::{MemberRow, MessageRow};
use crate::schema::{chat_members, messages};
use chat_domain::{ChatId, DomainError, Message, MessageId, Resource, UserId};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

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
struct Window {
    older_than: Option<i64>,
    older_count: i64,
    newer_from: Option<i64>,
    newer_count: i64,
}

impl Window {
    fn new(cursor: Cursor, limit: i64) -> Self {
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
}

impl Store {
    /// A page of `chat`'s history for `viewer`, in a fixed number of queries (five, in two round
    /// trips) whatever `limit` is.
    pub async fn history(&self, chat: ChatId, viewer: UserId, cursor: Cursor, limit: u32) -> StoreResult<Page> {
        let window = Window::new(cursor, i64::from(limit));
        let mut conn = self.conn().await?;
        let shared: &AsyncPgConnection = &conn;
        let membership = async {
            let member = chat_members::table.find((chat.0, viewer.0)).select(MemberRow::as_select());
            member.first::<MemberRow>(&mut &*shared).await.optional()
        };
        let older = async {
            let mut query = messages::table.filter(messages::chat_id.eq(chat.0)).into_boxed();
            if let Some(bound) = window.older_than {
                query = query.filter(messages::id.lt(bound));
            }
            let rows = query.order(messages::id.desc()).limit(window.older_count + 1).select(MessageRow::as_select());
            rows.load::<MessageRow>(&mut &*shared).await
        };
        let newer = async {
            let Some(bound) = window.newer_from else {
                return Ok(Vec::new());
            };
            messages::table
                .filter(messages::chat_id.eq(chat.0))
                .filter(messages::id.ge(bound))
                .order(messages::id.asc())
                .limit(window.newer_count + 1)
                .select(MessageRow::as_select())
                .load::<MessageRow>(&mut &*shared)
                .await
        };
        let (membership, mut older, mut newer) = futures_util::try_join!(membership, older, newer)?;
        if membership.is_none() {
            return Err(DomainError::NotFound(Resource::Chat).into());
        }
        let has_older = older.len() as i64 > window.older_count;
        let has_newer = newer.len() as i64 > window.newer_count;
        older.truncate(window.older_count as usize);
        newer.truncate(window.newer_count as usize);
        older.reverse();
        older.append(&mut newer);
        let messages = build_messages(&mut conn, older).await?;
        Ok(Page { messages, has_older, has_newer })
    }
}
