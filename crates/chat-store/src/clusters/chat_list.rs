//! A user's chat list over every cluster (docs/ARCHITECTURE.md, "Spreading chats over several
//! clusters", step 5): one query per cluster, concurrently, merged by activity. The cursor is a
//! value (activity, chat id), the same in every cluster, so each answers the chats after it and
//! the merge is exact across clusters. A cluster that is down leaves its chats out, and the page
//! says which.

use super::Clusters;
use super::merging::answered;
use crate::chats::summaries::{ChatCursor, ChatPage};
use crate::connection::seen::Seen;
use crate::error::StoreResult;
use chat_domain::{ChatScope, ChatSummary, UserId};
use futures_util::future::join_all;
use std::cmp::Reverse;

/// A page of the chat list over every cluster.
#[derive(Clone, Debug)]
pub struct ClusterChatPage {
    /// The chats, most recently active first, as one cluster's page would order them.
    pub chats: Vec<ChatSummary>,
    /// Where the next page starts.
    pub next: Option<ChatCursor>,
    /// Clusters (by number) that did not answer: their chats are not in this page.
    pub missing: Vec<u16>,
}

impl Clusters {
    /// Up to `limit` of `viewer`'s chats after `after`, from every cluster that answers. Every
    /// cluster down is an error (503): there is nothing to answer.
    pub async fn chats_of(
        &self,
        seen: &mut Seen,
        viewer: UserId,
        scope: &ChatScope,
        after: Option<ChatCursor>,
        limit: u32,
    ) -> StoreResult<ClusterChatPage> {
        // One cluster: its page as it is, read where `seen` allows (a replica).
        if let [only] = self.all() {
            let ChatPage { chats, next } = only.chats_of(seen, viewer, scope, after, limit).await?;
            return Ok(ClusterChatPage { chats, next, missing: Vec::new() });
        }
        let pages =
            join_all(self.all().iter().map(|store| async move {
                store.chats_of(&mut Seen::new(None, None), viewer, scope, after, limit).await
            }))
            .await;
        let (pages, missing) = answered(pages)?;
        let mut chats: Vec<ChatSummary> = Vec::new();
        let mut more = false;
        for ChatPage { chats: page, next } in pages {
            more |= next.is_some();
            chats.extend(page);
        }
        chats.sort_by_key(|chat| Reverse((chat.last_activity_at.0, chat.chat.id)));
        more |= chats.len() > limit as usize;
        chats.truncate(limit as usize);
        let next = more
            .then(|| chats.last().map(|last| ChatCursor { activity: last.last_activity_at.0, chat_id: last.chat.id }))
            .flatten();
        Ok(ClusterChatPage { chats, next, missing })
    }
}
