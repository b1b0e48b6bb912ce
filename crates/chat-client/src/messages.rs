//! Messages: posting, reading history, editing, deleting, reactions and read markers.

use crate::chats::encode;
use crate::client::{Call, Client};
use crate::error::ClientResult;
use chat_domain::{
    ChatId, EditList, Emoji, HistoryPage, MentionList, Message, MessageDraft, MessageId, MessagePatch, ReadMarkerMove,
    ReadState, ReceiptList, ThreadPage,
};
use reqwest::Method;

/// The most messages one page may hold (the server refuses more).
const MAX_PAGE_MESSAGES: u32 = 200;

/// Where a page of messages sits: the newest, or before, after or around one message. One value
/// of it is one cursor, so a query cannot name two (the server refuses that with 422
/// `conflicting`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MessageCursor {
    /// The newest messages.
    #[default]
    Latest,
    /// Messages with an id below this one: to scroll up, the first id of the page you have.
    Before(MessageId),
    /// Messages with an id above this one: to catch up, the last id you have (`MessageId(0)`
    /// starts from the very first message).
    After(MessageId),
    /// Up to half the page before this message, and the rest from it on: to open at a reply or a
    /// search hit.
    Around(MessageId),
}

/// Which page of messages to read, of a chat's history or of a thread: where it sits and how
/// many it holds (the server's default: 50).
///
/// ```no_run
/// use chat_client::{Client, PageQuery};
/// use chat_domain::ChatId;
///
/// # async fn example(client: &Client, chat: ChatId) -> Result<(), chat_client::ClientError> {
/// // The newest page, then the page before it (scrolling up).
/// let newest = client.history(chat, PageQuery::latest()).await?;
/// if let (true, Some(first)) = (newest.has_older, newest.messages.first()) {
///     let older = client.history(chat, PageQuery::before(first.id).limit(100)).await?;
///     println!("{} older messages", older.messages.len());
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PageQuery {
    cursor: MessageCursor,
    limit: Option<u32>,
}

impl PageQuery {
    /// The newest messages.
    pub fn latest() -> Self {
        Self::at(MessageCursor::Latest)
    }

    /// The messages just before `message` (see `MessageCursor::Before`).
    pub fn before(message: MessageId) -> Self {
        Self::at(MessageCursor::Before(message))
    }

    /// The messages just after `message` (see `MessageCursor::After`).
    pub fn after(message: MessageId) -> Self {
        Self::at(MessageCursor::After(message))
    }

    /// The messages around `message`, itself included (see `MessageCursor::Around`).
    pub fn around(message: MessageId) -> Self {
        Self::at(MessageCursor::Around(message))
    }

    /// The page at `cursor`.
    pub fn at(cursor: MessageCursor) -> Self {
        Self { cursor, limit: None }
    }

    /// At most `messages` messages: 1 to 200, so fewer counts as 1 and more as 200.
    pub fn limit(self, messages: u32) -> Self {
        Self { limit: Some(messages.clamp(1, MAX_PAGE_MESSAGES)), ..self }
    }

    /// Of a chat's history, leaving out the replies posted in threads (each thread shows as its
    /// root's `thread` summary).
    pub fn without_thread_replies(self) -> HistoryQuery {
        HistoryQuery { page: self, exclude_thread_replies: true }
    }

    fn query_pairs(self) -> Vec<String> {
        let mut pairs = Vec::new();
        match self.cursor {
            MessageCursor::Latest => {}
            MessageCursor::Before(id) => pairs.push(format!("before={id}")),
            MessageCursor::After(id) => pairs.push(format!("after={id}")),
            MessageCursor::Around(id) => pairs.push(format!("around={id}")),
        }
        if let Some(limit) = self.limit {
            pairs.push(format!("limit={limit}"));
        }
        pairs
    }
}

/// Which page of a chat's history: a `PageQuery`, with or without the replies posted in threads
/// (with them unless `PageQuery::without_thread_replies` said otherwise). A `PageQuery` is one
/// wherever a `HistoryQuery` is asked for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HistoryQuery {
    page: PageQuery,
    exclude_thread_replies: bool,
}

impl From<PageQuery> for HistoryQuery {
    fn from(page: PageQuery) -> Self {
        Self { page, exclude_thread_replies: false }
    }
}

impl HistoryQuery {
    fn to_query_string(self) -> String {
        let mut pairs = self.page.query_pairs();
        if self.exclude_thread_replies {
            pairs.push("threads=exclude".into());
        }
        pairs.join("&")
    }
}

impl Client {
    /// Posts a message, exactly once however often it is retried: every attempt carries the same
    /// `Idempotency-Key`, and the server answers a repeat with the message it already made.
    pub async fn post_message(&self, draft: &MessageDraft) -> ClientResult<Message> {
        self.fetch(Call::keyed(Method::POST, "/messages")?.json(draft)?).await
    }

    /// Posts the text `content` into `chat` (see `post_message` and `MessageDraft::text`).
    pub async fn post_text(&self, chat: ChatId, content: &str) -> ClientResult<Message> {
        self.post_message(&MessageDraft::text(chat, content)).await
    }

    /// One message, whole (a tombstone if it was deleted); 404 `message_not_found` if it does not
    /// exist or the caller is not in its chat.
    pub async fn message(&self, message: MessageId) -> ClientResult<Message> {
        self.fetch(Call::repeatable(Method::GET, format!("/messages/{message}"))).await
    }

    /// A page of history, oldest first: `query` is a `PageQuery`, or a `HistoryQuery` for one
    /// without thread replies.
    pub async fn history(&self, chat: ChatId, query: impl Into<HistoryQuery>) -> ClientResult<HistoryPage> {
        let path = format!("/chats/{chat}/messages?{}", query.into().to_query_string());
        self.fetch(Call::repeatable(Method::GET, path)).await
    }

    /// The thread `message` is in (its root, or any reply in it): the root and a page of its
    /// replies, oldest first, with the cursors of `history`. Post a reply in it with a draft whose
    /// `thread_root_id` is the root's id.
    pub async fn thread(&self, message: MessageId, page: PageQuery) -> ClientResult<ThreadPage> {
        let path = format!("/messages/{message}/thread?{}", page.query_pairs().join("&"));
        self.fetch(Call::repeatable(Method::GET, path)).await
    }

    /// Edits the caller's message. Not retried: a retry after a lost answer would record the same
    /// text as one more version.
    pub async fn edit_message(&self, message: MessageId, patch: &MessagePatch) -> ClientResult<Message> {
        self.fetch(Call::once(Method::PATCH, format!("/messages/{message}")).json(patch)?).await
    }

    /// Deletes a message; answers its tombstone (again on a repeat).
    pub async fn delete_message(&self, message: MessageId) -> ClientResult<Message> {
        self.fetch(Call::repeatable(Method::DELETE, format!("/messages/{message}"))).await
    }

    /// Deletes someone else's message (as a chat admin or owner, or a server moderator) saying
    /// why: the tombstone shows the reason, and the audit log keeps it.
    pub async fn delete_message_because(&self, message: MessageId, reason: &str) -> ClientResult<Message> {
        let path = format!("/messages/{message}?reason={}", crate::chats::encode(reason));
        self.fetch(Call::repeatable(Method::DELETE, path)).await
    }

    /// Who got the message and who read it (for its author, and the chat's admins and owners).
    pub async fn receipts(&self, message: MessageId) -> ClientResult<ReceiptList> {
        self.fetch(Call::repeatable(Method::GET, format!("/messages/{message}/receipts"))).await
    }

    /// The message's earlier versions, oldest first.
    pub async fn edits(&self, message: MessageId) -> ClientResult<EditList> {
        self.fetch(Call::repeatable(Method::GET, format!("/messages/{message}/edits"))).await
    }

    /// Adds the caller's `emoji` reaction (a repeat changes nothing) and answers the message.
    pub async fn react(&self, message: MessageId, emoji: &Emoji) -> ClientResult<Message> {
        let path = format!("/messages/{message}/reactions/{}", encode(emoji.as_str()));
        self.fetch(Call::repeatable(Method::PUT, path)).await
    }

    /// Removes the caller's `emoji` reaction (a repeat changes nothing) and answers the message.
    pub async fn unreact(&self, message: MessageId, emoji: &Emoji) -> ClientResult<Message> {
        let path = format!("/messages/{message}/reactions/{}", encode(emoji.as_str()));
        self.fetch(Call::repeatable(Method::DELETE, path)).await
    }

    /// The messages that mention the caller, newest first, older than `before` (a previous
    /// page's `next_before`); `limit` 1 to 50 (the server's default: 20).
    pub async fn mentions(&self, before: Option<MessageId>, limit: Option<u32>) -> ClientResult<MentionList> {
        let mut path = format!("/mentions?limit={}", limit.unwrap_or(20));
        if let Some(before) = before {
            path.push_str(&format!("&before={before}"));
        }
        self.fetch(Call::repeatable(Method::GET, path)).await
    }

    /// Moves the caller's read marker forward to `message` (never back).
    pub async fn mark_read(&self, chat: ChatId, message: MessageId) -> ClientResult<ReadState> {
        let body = ReadMarkerMove { message_id: message };
        self.fetch(Call::repeatable(Method::POST, format!("/chats/{chat}/read")).json(&body)?).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn history_query(query: impl Into<HistoryQuery>) -> String {
        query.into().to_query_string()
    }

    #[test]
    fn a_page_names_one_cursor_at_most() {
        assert_eq!(history_query(PageQuery::latest()), "");
        assert_eq!(history_query(PageQuery::before(MessageId(7)).limit(100)), "before=7&limit=100");
        assert_eq!(history_query(PageQuery::after(MessageId(0))), "after=0");
        assert_eq!(history_query(PageQuery::around(MessageId(9)).without_thread_replies()), "around=9&threads=exclude");
        assert_eq!(history_query(HistoryQuery::default()), "");
    }

    #[test]
    fn a_limit_stays_within_what_the_server_takes() {
        assert_eq!(history_query(PageQuery::latest().limit(0)), "limit=1");
        assert_eq!(history_query(PageQuery::latest().limit(500)), "limit=200");
    }
}
