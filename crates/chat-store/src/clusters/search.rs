//! Search and mentions over every cluster (docs/ARCHITECTURE.md, "Spreading chats over several
//! clusters", step 5): one query per cluster, concurrently, merged (`merging.rs`). A cluster that
//! is down is left out and named.

use super::Clusters;
use super::merging::{Answered, answered, merge};
use crate::connection::pool::Store;
use crate::connection::seen::Seen;
use crate::error::StoreResult;
use crate::messages::search::{SearchCursor, SearchOrder, SearchPage};
use chat_domain::{Message, MessageId, SearchHit, SearchQuery, UserId};
use futures_util::future::join_all;
use std::cmp::Ordering;

/// A merged page from every cluster that answered.
#[derive(Clone, Debug)]
pub struct ClusterPage<T, C> {
    /// The items, in the order one cluster's page would have.
    pub items: Vec<T>,
    /// Where the next page starts, if there is one.
    pub next: Option<C>,
    /// Clusters (by number) that did not answer: their items are not in this page.
    pub missing: Vec<u16>,
}

/// A search hit's place: by relevance then id, or by id alone, larger first.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Place {
    rank: f32,
    id: i64,
}

impl Eq for Place {}

impl PartialOrd for Place {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Place {
    fn cmp(&self, other: &Self) -> Ordering {
        self.rank.total_cmp(&other.rank).then(self.id.cmp(&other.id))
    }
}

impl Place {
    fn of(cursor: SearchCursor, order: SearchOrder) -> Self {
        let rank = match order {
            SearchOrder::Relevance => cursor.rank,
            SearchOrder::Newest => 0.0,
        };
        Self { rank, id: cursor.id }
    }
}

impl Clusters {
    /// `Store::search_messages` over every cluster. (Newest first is by id, which is not by time
    /// across clusters: each cluster's counters grow on their own, so one's new messages can
    /// sort below another's old ones. Ordering by time and id is a step not built.)
    pub async fn search_messages(
        &self,
        seen: &mut Seen,
        reader: UserId,
        query: &SearchQuery,
        page: SearchPage,
    ) -> StoreResult<ClusterPage<SearchHit, SearchCursor>> {
        // One cluster: its page as it is, read where `seen` allows (a replica).
        if let [only] = self.all() {
            let (items, next) = only.search_messages(seen, reader, query, page).await?;
            return Ok(ClusterPage { items, next, missing: Vec::new() });
        }
        // A search within one chat asks its cluster only.
        let clusters: Vec<&Store> = match page.chat {
            Some(chat) => vec![self.of_chat(chat)],
            None => self.all().iter().collect(),
        };
        let answers = join_all(
            clusters
                .into_iter()
                .map(|store| async move { store.search_page(&mut Seen::new(None, None), reader, query, page).await }),
        )
        .await;
        let order = page.order;
        let (pages, missing) = answered(answers)?;
        let pages = pages
            .into_iter()
            .map(|(hits, next)| Answered {
                items: hits.into_iter().map(|(hit, cursor)| ((hit, cursor), Place::of(cursor, order))).collect(),
                more_after: next.map(|cursor| Place::of(cursor, order)),
            })
            .collect();
        let limit = usize::try_from(page.limit).unwrap_or(usize::MAX);
        let (items, next_place) = merge(pages, limit);
        // The next cursor is a hit's or a cluster's page end: take it whole from there.
        let next = next_place.map(|place| SearchCursor { id: place.id, rank: place.rank });
        let next = match (next, items.last()) {
            (Some(next), Some((_, last))) if last.id == next.id => Some(*last),
            (next, _) => next,
        };
        Ok(ClusterPage { items: items.into_iter().map(|(hit, _)| hit).collect(), next, missing })
    }

    /// `Store::mentions_of` over every cluster: the newest first (by id), before `before`.
    pub async fn mentions_of(
        &self,
        user: UserId,
        before: Option<MessageId>,
        limit: i64,
    ) -> StoreResult<ClusterPage<Message, MessageId>> {
        if let [only] = self.all() {
            let (items, more) = only.mentions_of(user, before, limit).await?;
            let next = more.then(|| items.last().map(|message| message.id)).flatten();
            return Ok(ClusterPage { items, next, missing: Vec::new() });
        }
        let answers = join_all(self.all().iter().map(|store| store.mentions_of(user, before, limit))).await;
        let (pages, missing) = answered(answers)?;
        let pages = pages
            .into_iter()
            .map(|(messages, more)| {
                let more_after = more.then(|| messages.last().map(|message| message.id)).flatten();
                Answered {
                    items: messages.into_iter().map(|message| (message.clone(), message.id)).collect(),
                    more_after,
                }
            })
            .collect();
        let (items, next) = merge(pages, usize::try_from(limit).unwrap_or(usize::MAX));
        Ok(ClusterPage { items, next, missing })
    }
}
