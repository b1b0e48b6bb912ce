//! Finding people, and the caller's display name.

use crate::chats::encode;
use crate::client::{Call, Client};
use crate::error::ClientResult;
use chat_domain::{User, UserId, UserList, UserPatch};
use reqwest::Method;

impl Client {
    /// Users whose username starts with `prefix` (case-insensitive), in username order, a page
    /// of `limit` (1 to 50, the server's default: 20) after `cursor` (a previous `next_cursor`).
    pub async fn search_users(&self, prefix: &str, cursor: Option<&str>, limit: Option<u32>) -> ClientResult<UserList> {
        let mut path = format!("/users?q={}", encode(prefix));
        if let Some(cursor) = cursor {
            path.push_str(&format!("&cursor={}", encode(cursor)));
        }
        if let Some(limit) = limit {
            path.push_str(&format!("&limit={limit}"));
        }
        self.fetch(Call::repeatable(Method::GET, path)).await
    }

    /// One user's public fields; `user_not_found` if there is none with `id`.
    pub async fn user(&self, id: UserId) -> ClientResult<User> {
        self.fetch(Call::repeatable(Method::GET, format!("/users/{id}"))).await
    }

    /// Sets the caller's display name (1 to 100 characters), shown in member lists.
    pub async fn set_display_name(&self, display_name: &str) -> ClientResult<User> {
        let patch = UserPatch { display_name: display_name.to_owned() };
        self.fetch(Call::repeatable(Method::PATCH, "/users/me").json(&patch)?).await
    }
}
