//! Chats and their members.

use crate::client::{Call, Client};
use crate::error::ClientResult;
use chat_domain::{BanDraft, BanList, ChatBan, RolePatch, SlowMode, UserId};
use chat_domain::{ChatDraft, ChatId, ChatList, ChatMember, ChatPatch, ChatSummary, MemberDraft, MemberList, Role};
use reqwest::Method;

impl Client {
    /// Creates a chat, exactly once however often it is retried (an `Idempotency-Key` per call).
    /// A direct chat that exists already is answered as it is.
    pub async fn create_chat(&self, draft: &ChatDraft) -> ClientResult<ChatSummary> {
        self.fetch(Call::keyed(Method::POST, "/chats")?.json(draft)?).await
    }

    /// A page of the caller's chats, most recently active first; pass the answer's `next_cursor`
    /// for the next page. `limit` is 1 to 100 (the server's default: 50).
    pub async fn chats(&self, cursor: Option<&str>, limit: Option<u32>) -> ClientResult<ChatList> {
        let mut query = Vec::new();
        if let Some(cursor) = cursor {
            query.push(format!("cursor={}", encode(cursor)));
        }
        if let Some(limit) = limit {
            query.push(format!("limit={limit}"));
        }
        let path = if query.is_empty() { "/chats".to_owned() } else { format!("/chats?{}", query.join("&")) };
        self.fetch(Call::repeatable(Method::GET, path)).await
    }

    /// One chat as the caller sees it; 404 `chat_not_found` if it does not exist or the caller is
    /// not in it.
    pub async fn chat(&self, chat: ChatId) -> ClientResult<ChatSummary> {
        self.fetch(Call::repeatable(Method::GET, format!("/chats/{chat}"))).await
    }

    /// Renames a group chat (owners and admins).
    pub async fn rename_chat(&self, chat: ChatId, title: &str) -> ClientResult<ChatSummary> {
        let patch = ChatPatch { title: title.to_owned() };
        self.fetch(Call::repeatable(Method::PATCH, format!("/chats/{chat}")).json(&patch)?).await
    }

    /// Sets a group chat's slow mode (owners and admins): each plain member posts at most once
    /// every `seconds` (0: off). A post sooner fails with `rate_limited` and its `Retry-After`.
    pub async fn set_slow_mode(&self, chat: ChatId, seconds: u32) -> ClientResult<ChatSummary> {
        let body = SlowMode { seconds };
        self.fetch(Call::repeatable(Method::PUT, format!("/chats/{chat}/slow_mode")).json(&body)?).await
    }

    /// The chat's members, in the order they joined.
    pub async fn members(&self, chat: ChatId) -> ClientResult<MemberList> {
        self.fetch(Call::repeatable(Method::GET, format!("/chats/{chat}/members"))).await
    }

    /// Adds a member (owners and admins); adding one already in answers them as they are.
    pub async fn add_member(&self, chat: ChatId, user: UserId, role: Role) -> ClientResult<ChatMember> {
        let draft = MemberDraft { user_id: user, role };
        self.fetch(Call::repeatable(Method::POST, format!("/chats/{chat}/members")).json(&draft)?).await
    }

    /// Changes a member's role (owners and admins; only an owner grants `owner` or changes an
    /// owner's role). The only owner stepping down gets 409 `last_owner`.
    pub async fn change_role(&self, chat: ChatId, user: UserId, role: Role) -> ClientResult<ChatMember> {
        let path = format!("/chats/{chat}/members/{user}");
        self.fetch(Call::repeatable(Method::PATCH, path).json(&RolePatch { role })?).await
    }

    /// Removes a member; `user` being the caller is leaving. A retry after a lost answer gets
    /// `member_not_found`: the removal happened.
    pub async fn remove_member(&self, chat: ChatId, user: UserId) -> ClientResult<()> {
        self.execute(Call::repeatable(Method::DELETE, format!("/chats/{chat}/members/{user}"))).await
    }

    /// Bans `user` from group `chat` (owners and admins), removing them if they are a member;
    /// adding them is refused (`user_banned`) until `unban`. Banning again keeps the first ban.
    pub async fn ban(&self, chat: ChatId, user: UserId, reason: Option<&str>) -> ClientResult<ChatBan> {
        let draft = BanDraft { reason: reason.map(str::to_owned) };
        self.fetch(Call::repeatable(Method::PUT, format!("/chats/{chat}/bans/{user}")).json(&draft)?).await
    }

    /// Lifts `user`'s ban from `chat`, whether there was one or not.
    pub async fn unban(&self, chat: ChatId, user: UserId) -> ClientResult<()> {
        self.execute(Call::repeatable(Method::DELETE, format!("/chats/{chat}/bans/{user}"))).await
    }

    /// `chat`'s bans, newest first (owners and admins).
    pub async fn bans(&self, chat: ChatId) -> ClientResult<BanList> {
        self.fetch(Call::repeatable(Method::GET, format!("/chats/{chat}/bans"))).await
    }
}

/// Percent-encodes every byte outside the unreserved set, for a path segment or query value.
pub(crate) fn encode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (byte as char).to_string(),
            _ => format!("%{byte:02X}"),
        })
        .collect()
}
