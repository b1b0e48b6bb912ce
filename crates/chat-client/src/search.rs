//! Full-text search over the caller's messages.

use crate::chats::encode;
use crate::client::{Call, Client};
use crate::error::ClientResult;
use chat_domain::{ChatId, SearchResults};
use reqwest::Method;

/// Which results of a search: in one chat or all, by relevance or newest first, which page.
#[derive(Clone, Debug, Default)]
pub struct SearchOptions {
    /// Only this chat.
    pub chat: Option<ChatId>,
    /// By relevance instead of newest first.
    pub by_relevance: bool,
    /// The previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// 1 to 50 (the server's default: 20).
    pub limit: Option<u32>,
}

impl Client {
    /// Messages whose text matches `query` (web-search syntax: words, `"phrases"`, `-excluded`;
    /// the last word is a prefix), with a highlighted passage each.
    pub async fn search(&self, query: &str, options: &SearchOptions) -> ClientResult<SearchResults> {
        let mut path = format!("/search?q={}", encode(query));
        if let Some(chat) = options.chat {
            path.push_str(&format!("&chat_id={chat}"));
        }
        if options.by_relevance {
            path.push_str("&order=relevance");
        }
        if let Some(cursor) = &options.cursor {
            path.push_str(&format!("&cursor={}", encode(cursor)));
        }
        if let Some(limit) = options.limit {
            path.push_str(&format!("&limit={limit}"));
        }
        self.fetch(Call::repeatable(Method::GET, path)).await
    }
}
