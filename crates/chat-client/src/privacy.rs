//! Who may reach the caller: blocks, and who may start a direct chat with them.

use crate::client::{Call, Client};
use crate::error::ClientResult;
use chat_domain::{Block, BlockList, Privacy, UserId};
use reqwest::Method;

impl Client {
    /// Blocks `user`: they can no longer start a direct chat with the caller nor post in the one
    /// they share (refused with `direct_chat_refused`). Blocking again changes nothing.
    pub async fn block(&self, user: UserId) -> ClientResult<Block> {
        self.fetch(Call::repeatable(Method::PUT, format!("/users/me/blocks/{user}"))).await
    }

    /// Unblocks `user`, whether they were blocked or not.
    pub async fn unblock(&self, user: UserId) -> ClientResult<()> {
        self.execute(Call::repeatable(Method::DELETE, format!("/users/me/blocks/{user}"))).await
    }

    /// Whom the caller blocks, newest first.
    pub async fn blocks(&self) -> ClientResult<BlockList> {
        self.fetch(Call::repeatable(Method::GET, "/users/me/blocks")).await
    }

    /// Who may start a direct chat with the caller.
    pub async fn privacy(&self) -> ClientResult<Privacy> {
        self.fetch(Call::repeatable(Method::GET, "/users/me/privacy")).await
    }

    /// Sets who may start a direct chat with the caller; answers it as stored.
    pub async fn set_privacy(&self, privacy: &Privacy) -> ClientResult<Privacy> {
        self.fetch(Call::repeatable(Method::PUT, "/users/me/privacy").json(privacy)?).await
    }
}
