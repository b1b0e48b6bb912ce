//! The newest history page of each chat this process answered, kept as the bytes it sent, so
//! that reading it again costs the database one small statement and the server no serialising.
//!
//! A kept page is never answered without asking the database first whether it still holds
//! (`Store::newest_page`: the chat's events and receipts since it was read). Nothing here depends on
//! this process hearing of changes: a write through another process, a delete by a moderator, a
//! member reading messages all make the next read read the page again. Only the newest page is
//! kept, the one every client opening a chat asks for; older pages are read as they always were.

use crate::problem::{ApiError, ApiResult};
use bytes::Bytes;
use chat_domain::{ChatId, HistoryPage, UserId};
use chat_store::{Cursor, NewestPage, Page, PageStamp, Seen, Store, ThreadReplies};
use quick_cache::Weighter;
use quick_cache::sync::Cache;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// A page as answered, and what it was read after.
#[derive(Debug)]
struct KeptPage {
    stamp: PageStamp,
    body: Bytes,
}

/// One chat's newest page of one size, with or without thread replies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct PageKey {
    chat: ChatId,
    limit: u32,
    replies: bool,
}

/// A page weighs its bytes.
#[derive(Clone, Copy, Debug)]
struct ByBytes;

impl Weighter<PageKey, Arc<KeptPage>> for ByBytes {
    fn weight(&self, _: &PageKey, page: &Arc<KeptPage>) -> u64 {
        page.body.len() as u64 + 64
    }
}

/// A typical page of 50 messages, to size the cache's table.
const TYPICAL_PAGE_BYTES: u64 = 16 * 1024;

#[derive(Debug)]
pub struct HistoryCache {
    /// `None` when the operator turned it off (`CHAT_HISTORY_CACHE_MIB=0`).
    pages: Option<Cache<PageKey, Arc<KeptPage>, ByBytes>>,
    /// Pages answered as kept, and pages read from the database, since start.
    answered_kept: AtomicU64,
    read: AtomicU64,
}

impl HistoryCache {
    /// A cache holding at most `bytes` of pages (0: none).
    pub fn new(bytes: u64) -> Self {
        let pages = (bytes > 0).then(|| {
            let items = usize::try_from(bytes / TYPICAL_PAGE_BYTES).unwrap_or(usize::MAX).max(16);
            Cache::with_weighter(items, bytes, ByBytes)
        });
        Self { pages, answered_kept: AtomicU64::new(0), read: AtomicU64::new(0) }
    }

    /// Pages answered as kept, and pages read from the database, since start (for `/metrics`).
    pub fn counts(&self) -> (u64, u64) {
        (self.answered_kept.load(Ordering::Relaxed), self.read.load(Ordering::Relaxed))
    }

    /// The JSON of `chat`'s newest `limit` messages for member `viewer`: the kept page when the
    /// database says it still holds, else the page read now (and kept).
    pub async fn newest_page(
        &self,
        store: &Store,
        seen: &mut Seen,
        chat: ChatId,
        viewer: UserId,
        limit: u32,
        replies: ThreadReplies,
    ) -> ApiResult<Bytes> {
        let Some(pages) = &self.pages else {
            return json(store.history(seen, chat, viewer, Cursor::Latest, limit, replies).await?);
        };
        let key = PageKey { chat, limit, replies: replies == ThreadReplies::Include };
        let kept = pages.get(&key);
        match store.newest_page(seen, chat, viewer, limit, replies, kept.as_ref().map(|page| page.stamp)).await? {
            NewestPage::Unchanged => match kept {
                Some(page) => {
                    self.answered_kept.fetch_add(1, Ordering::Relaxed);
                    Ok(page.body.clone())
                }
                None => Err(ApiError::Internal("a page that was not kept was called unchanged".into())),
            },
            NewestPage::Read { page, stamp } => {
                self.read.fetch_add(1, Ordering::Relaxed);
                let body = json(page)?;
                if let Some(stamp) = stamp {
                    pages.insert(key, Arc::new(KeptPage { stamp, body: body.clone() }));
                }
                Ok(body)
            }
        }
    }
}

/// A page as the route answers it.
fn json(page: Page) -> ApiResult<Bytes> {
    let answer = HistoryPage { messages: page.messages, has_older: page.has_older, has_newer: page.has_newer };
    Ok(Bytes::from(serde_json::to_vec(&answer).map_err(|e| ApiError::Internal(e.to_string()))?))
}
