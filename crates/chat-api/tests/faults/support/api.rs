//! The few API calls the scenarios make, and what one attempt to post a message came to.

use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Every request gives up after this; a server that answers at all answers well within it.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// A user with a group chat of their own, on one server address.
#[derive(Clone, Debug)]
pub struct Api {
    pub base: String,
    pub token: String,
    pub user_id: i64,
    pub chat_id: i64,
}

/// What one `POST /messages` came to.
#[derive(Debug)]
pub enum Attempt {
    /// 2xx: the message and whether it was a replay of the key.
    Acked { id: i64, replayed: bool },
    /// Any other answer from the server.
    Refused { status: u16, retry_after: bool, body: String },
    /// Nothing listened (connection refused).
    Unreachable,
    /// The connection ended or failed mid-request.
    Broken(String),
    /// No answer within `REQUEST_TIMEOUT`.
    TimedOut,
}

/// A client of its own, so that one writer's connection is never another's.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .connect_timeout(Duration::from_secs(2))
        .build()
        .expect("an HTTP client")
}

impl Api {
    /// Registers a fresh user at `base` and creates a group chat they alone are in.
    pub async fn sign_up(base: &str, username: &str) -> Self {
        let client = client();
        let session = json!({ "username": username, "password": "correct horse battery" });
        let response =
            client.post(format!("{base}/api/v1/auth/register")).json(&session).send().await.expect("register");
        let session = expect(response, StatusCode::CREATED).await;
        let token = session["token"].as_str().expect("a token").to_owned();
        let chat = json!({ "kind": "group", "title": "faults", "member_ids": [] });
        let response = client
            .post(format!("{base}/api/v1/chats"))
            .bearer_auth(&token)
            .json(&chat)
            .send()
            .await
            .expect("create chat");
        let chat = expect(response, StatusCode::CREATED).await;
        Self {
            base: base.to_owned(),
            token,
            user_id: session["user"]["id"].as_i64().expect("a user id"),
            chat_id: chat["id"].as_i64().expect("a chat id"),
        }
    }

    /// One attempt to post text `content` with `Idempotency-Key: key`, and how long it took.
    pub async fn post(&self, client: &reqwest::Client, key: &str, content: &str) -> (Attempt, Duration) {
        let started = Instant::now();
        let body = json!({ "chat_id": self.chat_id, "type": "text", "content": content });
        let request = client
            .post(format!("{}/api/v1/messages", self.base))
            .bearer_auth(&self.token)
            .header("Idempotency-Key", key)
            .json(&body);
        let attempt = match request.send().await {
            Ok(response) => answer(response).await,
            Err(error) if error.is_timeout() => Attempt::TimedOut,
            Err(error) if error.is_connect() => Attempt::Unreachable,
            Err(error) => Attempt::Broken(format!("{error:?}")),
        };
        (attempt, started.elapsed())
    }

    /// Posts text `content` once (no fault expected); answers the message's id.
    pub async fn post_text(&self, client: &reqwest::Client, content: &str) -> i64 {
        let body = json!({ "chat_id": self.chat_id, "type": "text", "content": content });
        let request = client.post(format!("{}/api/v1/messages", self.base)).bearer_auth(&self.token).json(&body);
        let message = expect(request.send().await.expect("post"), StatusCode::OK).await;
        message["id"].as_i64().expect("a message id")
    }

    /// The stored events about message `id`, oldest first, from the HTTP feed.
    pub async fn events_of(&self, client: &reqwest::Client, id: i64) -> Vec<Value> {
        let request = client.get(format!("{}/api/v1/events?since=0&limit=1000", self.base)).bearer_auth(&self.token);
        let page = expect(request.send().await.expect("events"), StatusCode::OK).await;
        let events = page["events"].as_array().expect("events").iter();
        events.filter(|event| event["data"]["id"] == id).cloned().collect()
    }
}

async fn answer(response: reqwest::Response) -> Attempt {
    let status = response.status();
    let replayed = response.headers().get("idempotent-replayed").is_some_and(|value| value == "true");
    let retry_after = response.headers().contains_key("retry-after");
    match response.text().await {
        Ok(body) if status.is_success() => match serde_json::from_str::<Value>(&body) {
            Ok(message) => Attempt::Acked { id: message["id"].as_i64().expect("a message id"), replayed },
            Err(_) => Attempt::Broken(format!("{status} with a body that is not JSON: {body}")),
        },
        Ok(body) => Attempt::Refused { status: status.as_u16(), retry_after, body },
        Err(error) if error.is_timeout() => Attempt::TimedOut,
        Err(error) => Attempt::Broken(format!("{status}, then the body failed: {error:?}")),
    }
}

async fn expect(response: reqwest::Response, status: StatusCode) -> Value {
    let actual = response.status();
    let body = response.text().await.expect("a body");
    assert_eq!(actual, status, "setup call failed: {body}");
    serde_json::from_str(&body).expect("a JSON body")
}
