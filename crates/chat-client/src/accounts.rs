//! Accounts: register, log in and out, and who the token belongs to.

use crate::client::{Call, Client};
use crate::error::ClientResult;
use chat_domain::{Credentials, Session, User};
use reqwest::Method;

impl Client {
    /// Creates an account and a session. Not retried: a lost answer would make the retry collide
    /// with the account just made (`username_taken`).
    pub async fn register(&self, credentials: &Credentials) -> ClientResult<Session> {
        self.fetch(Call::once(Method::POST, "/auth/register").json(credentials)?).await
    }

    /// A new session for an existing account. Not retried: each attempt makes a token, and a
    /// lost answer's token could never be revoked.
    pub async fn login(&self, credentials: &Credentials) -> ClientResult<Session> {
        self.fetch(Call::once(Method::POST, "/auth/login").json(credentials)?).await
    }

    /// Revokes this client's token on every server process at once (open sockets close with 4001).
    pub async fn logout(&self) -> ClientResult<()> {
        self.execute(Call::once(Method::POST, "/auth/logout")).await
    }

    /// The account the token belongs to.
    pub async fn me(&self) -> ClientResult<User> {
        self.fetch(Call::repeatable(Method::GET, "/users/me")).await
    }
}
