//! Messages: posting, reading history, editing, deleting, reactions and read markers.

use crate::chats::encode;
use crate::client::{Call, Client};
use crate::error::ClientResult;
use chat_domain::{
    ChatId, EditList, Emoji, HistoryPage, MentionList, Message, MessageDraft, MessageId, MessagePatch, ReadState,
    ReceiptList, ThreadPage,
};
use reqwest::Method;

/// Which page of a chat's history: the newest by default, or before, after or around a message.
/// Set at most one of `before`, `after` and `around` (the server refuses more with 422
/// `conflicting`).
///
/// ```no_run
/// use chat_client::{Client, HistoryQuery};
/// use chat_domain::ChatId;
///
/// # async fn example(client: &Client, chat: ChatId) -> Result<(), chat_client::ClientError> {
/// // The newest page, then the page before it (scrolling up).
/// let newest = client.history(chat, HistoryQuery::default()).await?;
/// if let (true, Some(first)) = (newest.has_older, newest.messages.first()) {
///     let query = HistoryQuery { before: Some(first.id), limit: Some(100), ..HistoryQuery::default() };
///     let older = client.history(chat, query).await?;
///     println!("{} older messages", older.messages.len());
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct HistoryQuery {
    /// Messages with an id below this one: to scroll up, the first id of the page you have.
    pub before: Option<MessageId>,
    /// Messages with an id above this one: to catch up, the last id you have (`MessageId(0)`
    /// starts from the very first message).
    pub after: Option<MessageId>,
    /// Up to half the page before this message, and the rest from it on: to open at a reply or a
    /// search hit.
    pub around: Option<MessageId>,
    /// 1 to 200 (the server's default: 50).
    pub limit: Option<u32>,
    /// Leaves out the replies posted in threads (history only; each thread shows as its root's
    /// `thread` summary).
    pub exclude_thread_replies: bool,
}

impl HistoryQuery {
    fn to_query_string(self) -> String {
        let pairs = [("before", self.before), ("after", self.after), ("around", self.around)];
        let mut parts: Vec<String> =
            pairs.iter().filter_map(|(name, id)| id.map(|id| format!("{name}={id}"))).collect();
        if let Some(limit) = self.limit {
            parts.push(format!("limit={limit}"));
        }
        if self.exclude_thread_replies {
            parts.push("threads=exclude".into());
        }
        parts.join("&")
    }
}

impl Client {
    /// Posts a message, exactly once however often it is retried: every attempt carries the same
    /// `Idempotency-Key`, and the server answers a repeat with the message it already made.
    pub async fn post_message(&self, draft: &MessageDraft) -> ClientResult<Message> {
        self.fetch(Call::keyed(Method::POST, "/messages")?.json(draft)?).await
    }

    /// Posts the text `content` into `chat` (see `post_message`).
    pub async fn post_text(&self, chat: ChatId, content: &str) -> ClientResult<Message> {
        let draft = MessageDraft {
            chat_id: chat,
            kind: "text".into(),
            content: Some(content.into()),
            payload: None,
            reply_to_id: None,
            thread_root_id: None,
            mentions: Vec::new(),
        };
        self.post_message(&draft).await
    }

    /// One message, whole (a tombstone if it was deleted); 404 `message_not_found` if it does not
    /// exist or the caller is not in its chat.
    pub async fn message(&self, message: MessageId) -> ClientResult<Message> {
        self.fetch(Call::repeatable(Method::GET, format!("/messages/{message}"))).await
    }

    /// A page of history, oldest first.
    pub async fn history(&self, chat: ChatId, query: HistoryQuery) -> ClientResult<HistoryPage> {
        let path = format!("/chats/{chat}/messages?{}", query.to_query_string());
        self.fetch(Call::repeatable(Method::GET, path)).await
    }

    /// The thread `message` is in (its root, or any reply in it): the root and a page of its
    /// replies, oldest first, with the cursors of `history`. Post a reply in it with a draft whose
    /// `thread_root_id` is the root's id.
    pub async fn thread(&self, message: MessageId, query: HistoryQuery) -> ClientResult<ThreadPage> {
        let path = format!("/messages/{message}/thread?{}", query.to_query_string());
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
        let body = serde_json::json!({ "message_id": message });
        self.fetch(Call::repeatable(Method::POST, format!("/chats/{chat}/read")).json(&body)?).await
    }
}
