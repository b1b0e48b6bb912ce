//! Bots in tests: creating one through the API, and adding a user to a chat.

use super::{TestApp, TestUser, expect_json};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

impl TestApp {
    /// Creates `owner`'s bot `username` (its token limited to `chats` when given); the bot as a
    /// user holding its token, and the whole answer.
    pub async fn bot(&self, owner: &TestUser, username: &str, chats: Option<&[i64]>) -> (TestUser, Value) {
        let mut body = json!({ "username": username, "display_name": format!("{username} (bot)") });
        if let Some(chats) = chats {
            body["chats"] = json!(chats);
        }
        let answer =
            expect_json(self.call_json(owner, Method::POST, "/api/v1/bots", &body).await, StatusCode::CREATED).await;
        let bot =
            TestUser { id: answer["bot"]["id"].as_i64().unwrap(), token: answer["token"].as_str().unwrap().to_owned() };
        (bot, answer)
    }

    /// Adds `user` to `chat_id` as a member, on `actor`'s authority.
    pub async fn add_member(&self, actor: &TestUser, chat_id: i64, user: &TestUser) -> Value {
        let path = format!("/api/v1/chats/{chat_id}/members");
        expect_json(
            self.call_json(actor, Method::POST, &path, &json!({ "user_id": user.id })).await,
            StatusCode::CREATED,
        )
        .await
    }
}
