//! The one place test support lives: spawning the app, and the calls tests make again and again.

use chat_api::config::{PasswordHashing, RealtimeConfig};
use chat_api::{Application, Config};
use chat_test_db::TestDatabase;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

/// A running server on a random port, over its own database.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    db: Arc<TestDatabase>,
    config: Config,
}

/// A registered user and a live token.
#[derive(Clone, Debug)]
pub struct TestUser {
    pub id: i64,
    pub token: String,
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// A server whose configuration `adjust` changes first.
    pub async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> Self {
        let db = Arc::new(TestDatabase::new().await);
        let mut config = Config {
            database_url: db.url().to_owned(),
            addr: "127.0.0.1:0".parse().unwrap(),
            pool_size: 4,
            workers: 1,
            max_body_bytes: 64 * 1024,
            token_ttl: Duration::from_secs(3600),
            // Cheap hashing keeps tests fast; the production cost is covered by the unit test.
            password_hashing: PasswordHashing { memory_kib: 1024, iterations: 1 },
            log_filter: std::env::var("TEST_LOG").unwrap_or_else(|_| "warn".into()),
            log_json: false,
            realtime: RealtimeConfig { queue_capacity: 64, ..RealtimeConfig::default() },
        };
        adjust(&mut config);
        Self::start(db, config).await
    }

    /// A second server process on this one's database, as when the service runs several.
    pub async fn spawn_sibling(&self) -> Self {
        Self::start(self.db.clone(), self.config.clone()).await
    }

    async fn start(db: Arc<TestDatabase>, config: Config) -> Self {
        // Logs stay quiet unless TEST_LOG asks for them (e.g. TEST_LOG=debug).
        chat_api::telemetry::init(&config.log_filter, false);
        let application = Application::build(&config).await.expect("build the application");
        let address = format!("http://127.0.0.1:{}", application.port());
        tokio::spawn(application.run_until_stopped());
        Self { address, client: reqwest::Client::new(), db, config }
    }

    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.client.request(method, format!("{}{path}", self.address))
    }

    /// A request with `user`'s bearer token.
    pub fn as_user(&self, user: &TestUser, method: Method, path: &str) -> RequestBuilder {
        self.request(method, path).bearer_auth(&user.token)
    }

    pub async fn register(&self, username: &str) -> TestUser {
        let response = self
            .request(Method::POST, "/api/v1/auth/register")
            .json(&json!({ "username": username, "password": "correct horse battery" }))
            .send()
            .await
            .unwrap();
        let body = expect_json(response, StatusCode::CREATED).await;
        TestUser { id: body["user"]["id"].as_i64().unwrap(), token: body["token"].as_str().unwrap().to_owned() }
    }

    /// A group chat owned by `owner` with `members` in it; returns its id.
    pub async fn group(&self, owner: &TestUser, members: &[&TestUser]) -> i64 {
        let member_ids: Vec<i64> = members.iter().map(|member| member.id).collect();
        let response = self
            .as_user(owner, Method::POST, "/api/v1/chats")
            .json(&json!({ "kind": "group", "title": "Team", "member_ids": member_ids }))
            .send()
            .await
            .unwrap();
        expect_json(response, StatusCode::CREATED).await["id"].as_i64().unwrap()
    }

    /// The direct chat of `user` and `other`, created by `user`; returns its id.
    pub async fn direct(&self, user: &TestUser, other: &TestUser) -> i64 {
        let body = json!({ "kind": "direct", "member_ids": [other.id] });
        let response = self.call_json(user, Method::POST, "/api/v1/chats", &body).await;
        expect_json(response, StatusCode::CREATED).await["id"].as_i64().unwrap()
    }

    pub async fn post_message(&self, author: &TestUser, body: &Value) -> Response {
        self.as_user(author, Method::POST, "/api/v1/messages").json(body).send().await.unwrap()
    }

    /// Posts a text message that must be accepted, and returns it.
    pub async fn text(&self, author: &TestUser, chat_id: i64, content: &str) -> Value {
        let response = self.post_message(author, &json!({ "chat_id": chat_id, "content": content })).await;
        expect_json(response, StatusCode::OK).await
    }

    /// Posts `count` text messages one after another; returns their ids, oldest first.
    pub async fn texts(&self, author: &TestUser, chat_id: i64, count: usize) -> Vec<i64> {
        let mut ids = Vec::with_capacity(count);
        for i in 0..count {
            ids.push(self.text(author, chat_id, &format!("message {i}")).await["id"].as_i64().unwrap());
        }
        ids
    }

    /// `user`'s request without a body, sent.
    pub async fn call(&self, user: &TestUser, method: Method, path: &str) -> Response {
        self.as_user(user, method, path).send().await.unwrap()
    }

    /// `user`'s request with a JSON body, sent.
    pub async fn call_json(&self, user: &TestUser, method: Method, path: &str, body: &Value) -> Response {
        self.as_user(user, method, path).json(body).send().await.unwrap()
    }

    /// A `GET` that must answer 200; returns the body.
    pub async fn get_ok(&self, user: &TestUser, path: &str) -> Value {
        expect_json(self.call(user, Method::GET, path).await, StatusCode::OK).await
    }

    /// Gives `user` `role` in `chat_id`, as `actor` (who must be allowed to).
    pub async fn set_role(&self, actor: &TestUser, chat_id: i64, user: &TestUser, role: &str) {
        let path = format!("/api/v1/chats/{chat_id}/members/{}", user.id);
        let response = self.call_json(actor, Method::PATCH, &path, &json!({ "role": role })).await;
        assert_eq!(expect_json(response, StatusCode::OK).await["role"], role);
    }

    /// Counts rows straight from the database, to prove a refused request stored nothing.
    pub async fn count(&self, table: &str) -> i64 {
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            count: i64,
        }
        let mut conn = AsyncPgConnection::establish(self.db.url()).await.unwrap();
        let query = diesel::sql_query(format!("SELECT count(*) AS count FROM {table}"));
        query.get_result::<Count>(&mut conn).await.unwrap().count
    }
}

/// Asserts the status and returns the JSON body.
pub async fn expect_json(response: Response, status: StatusCode) -> Value {
    let actual = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(actual, status, "unexpected status; body: {text}");
    serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"))
}

/// Asserts a problem+json answer with this status and code, and returns it.
pub async fn expect_problem(response: Response, status: StatusCode, code: &str) -> Value {
    let content_type = response.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned());
    let body = expect_json(response, status).await;
    assert_eq!(content_type.as_deref(), Some("application/problem+json"));
    assert_eq!(body["code"], code, "problem: {body}");
    assert_eq!(body["status"], status.as_u16());
    assert!(body["title"].is_string() && body["detail"].is_string() && body["type"].is_string());
    body
}

/// The `id` of every object in a JSON array, in order.
pub fn ids(list: &Value) -> Vec<i64> {
    list.as_array().unwrap().iter().map(|item| item["id"].as_i64().unwrap()).collect()
}

/// The fields named by a validation problem's `errors`, in order.
pub fn error_fields(problem: &Value) -> Vec<&str> {
    problem["errors"].as_array().unwrap().iter().map(|error| error["field"].as_str().unwrap()).collect()
}

/// The path of the caller's `emoji` reaction to a message, every byte of the emoji percent-encoded.
pub fn reaction_path(message_id: i64, emoji: &str) -> String {
    let encoded: String = emoji.bytes().map(|byte| format!("%{byte:02X}")).collect();
    format!("/api/v1/messages/{message_id}/reactions/{encoded}")
}

/// A WebSocket client of the test server.
pub struct WsClient {
    stream: tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
}

impl TestApp {
    /// Opens `/api/v1/ws?{query}` with `headers`; the HTTP status on refusal.
    pub async fn try_ws(&self, query: &str, headers: &[(&str, &str)]) -> Result<WsClient, u16> {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let url = format!("{}/api/v1/ws?{query}", self.address.replace("http://", "ws://"));
        let mut request = url.into_client_request().unwrap();
        for (name, value) in headers {
            request
                .headers_mut()
                .insert(reqwest::header::HeaderName::from_bytes(name.as_bytes()).unwrap(), value.parse().unwrap());
        }
        match tokio_tungstenite::connect_async(request).await {
            Ok((stream, _)) => Ok(WsClient { stream }),
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => Err(response.status().as_u16()),
            Err(error) => panic!("websocket connect failed: {error}"),
        }
    }

    /// Connects as `user` (Authorization header), resuming after `since` if given, and reads `ready`.
    pub async fn ws(&self, user: &TestUser, since: Option<i64>) -> (WsClient, Value) {
        let query = since.map(|seq| format!("since={seq}")).unwrap_or_default();
        let auth = format!("Bearer {}", user.token);
        let mut client = self.try_ws(&query, &[("Authorization", &auth)]).await.unwrap();
        let ready = client.next_json().await;
        assert_eq!(ready["type"], "ready", "{ready}");
        assert_eq!(ready["user_id"], user.id);
        (client, ready)
    }
}

impl WsClient {
    /// The next text frame as JSON, within 5 s.
    pub async fn next_json(&mut self) -> Value {
        self.next_json_within(Duration::from_secs(5)).await.expect("no frame within 5 s")
    }

    /// The next frame other than `chat.created`: a chat made just before connecting may have its
    /// event published just after, which is correct, and beside the point of most tests.
    pub async fn next_event(&mut self) -> Value {
        loop {
            let frame = self.next_json().await;
            if frame["type"] != "chat.created" {
                return frame;
            }
        }
    }

    /// Asserts that nothing but a late `chat.created` arrives within `wait`.
    pub async fn expect_quiet(&mut self, wait: Duration) {
        let deadline = tokio::time::Instant::now() + wait;
        while let Some(frame) = self.next_json_within(deadline - tokio::time::Instant::now()).await {
            assert_eq!(frame["type"], "chat.created", "expected silence, got {frame}");
        }
    }

    /// The next text frame as JSON, or None if none arrives within `wait`.
    pub async fn next_json_within(&mut self, wait: Duration) -> Option<Value> {
        use futures_util::StreamExt as _;
        use tokio_tungstenite::tungstenite::Message;
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let message = tokio::time::timeout_at(deadline, self.stream.next()).await.ok()?;
            match message {
                Some(Ok(Message::Text(text))) => return Some(serde_json::from_str(&text).unwrap()),
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                other => panic!("expected a text frame, got {other:?}"),
            }
        }
    }

    /// Reads frames until the server closes; returns the close code and how many text frames came first.
    pub async fn close_code(&mut self) -> (Option<u16>, usize) {
        use futures_util::StreamExt as _;
        use tokio_tungstenite::tungstenite::Message;
        let mut frames = 0;
        loop {
            match tokio::time::timeout(Duration::from_secs(20), self.stream.next()).await.expect("no close within 20 s")
            {
                Some(Ok(Message::Text(_))) => frames += 1,
                Some(Ok(Message::Close(frame))) => return (frame.map(|f| u16::from(f.code)), frames),
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return (None, frames),
            }
        }
    }

    pub async fn send_json(&mut self, value: &Value) {
        use futures_util::SinkExt as _;
        self.stream.send(tokio_tungstenite::tungstenite::Message::Text(value.to_string().into())).await.unwrap();
    }
}
