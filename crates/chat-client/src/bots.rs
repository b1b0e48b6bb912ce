//! Bot accounts the caller owns: create, list, rename, delete, and their tokens.

use crate::client::{Call, Client};
use crate::error::ClientResult;
use chat_domain::{BotDraft, BotList, BotSession, ChatId, TokenDraft, User, UserId, UserPatch};
use reqwest::Method;

impl Client {
    /// Creates a bot owned by the caller, and its token (limited to `draft.chats` when given).
    /// Not retried: a lost answer's token could never be shown again, and the retry would collide
    /// with the bot just made (`username_taken`).
    pub async fn create_bot(&self, draft: &BotDraft) -> ClientResult<BotSession> {
        self.fetch(Call::once(Method::POST, "/bots").json(draft)?).await
    }

    /// The caller's bots, oldest first.
    pub async fn bots(&self) -> ClientResult<BotList> {
        self.fetch(Call::repeatable(Method::GET, "/bots")).await
    }

    /// Sets a bot's display name (1 to 100 characters).
    pub async fn rename_bot(&self, bot: UserId, display_name: &str) -> ClientResult<User> {
        let patch = UserPatch { display_name: display_name.to_owned() };
        self.fetch(Call::repeatable(Method::PATCH, format!("/bots/{bot}")).json(&patch)?).await
    }

    /// Deletes a bot: its token stops working; its messages stay.
    pub async fn delete_bot(&self, bot: UserId) -> ClientResult<()> {
        self.execute(Call::repeatable(Method::DELETE, format!("/bots/{bot}"))).await
    }

    /// Revokes the bot's token and answers a new one, limited to `chats` when given. Not retried:
    /// a lost answer would leave the bot with a token no one holds (rotate again).
    pub async fn rotate_bot_token(&self, bot: UserId, chats: Option<Vec<ChatId>>) -> ClientResult<BotSession> {
        let draft = TokenDraft { chats };
        self.fetch(Call::once(Method::POST, format!("/bots/{bot}/token")).json(&draft)?).await
    }

    /// Revokes the bot's token, leaving it none until the next rotation.
    pub async fn revoke_bot_token(&self, bot: UserId) -> ClientResult<()> {
        self.execute(Call::repeatable(Method::DELETE, format!("/bots/{bot}/token"))).await
    }
}
