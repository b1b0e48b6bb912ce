//! The one place test support lives: spawning the app, and the calls tests make again and again.

mod bots;
pub mod clusters;
mod commits;
mod direct;
mod pages;
mod process;
pub mod push;
mod receiver;
mod replica;
mod storage;
mod ws;

pub use pages::{Page, PageServer};
pub use process::{ServerProcess, free_port};
pub use receiver::{Receiver, Reply};
pub use replica::{connect_to_replica, replica_url};
pub use storage::{Backend, fresh_storage};
pub use ws::WsClient;

use chat_api::config::PasswordHashing;
use chat_api::realtime::PresenceSettings;
use chat_api::{Application, Config};
use chat_domain::{ErrorCode, FieldCode};
use chat_test_db::TestDatabase;
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

/// A running server on a random port, over its own database.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    db: Arc<TestDatabase>,
    /// The deployment's other clusters, numbered from 1 (`spawn_on_two_clusters`).
    other_clusters: Vec<Arc<TestDatabase>>,
    config: Config,
    /// Why the server stopped, once it has.
    stopped: tokio::sync::watch::Receiver<Option<String>>,
}

/// A registered user and a live token.
#[derive(Clone, Debug)]
pub struct TestUser {
    pub id: i64,
    pub token: String,
}

impl TestApp {
    /// A store on the server's database, for tests of upkeep no route triggers (pruning).
    pub async fn store(&self) -> chat_store::Store {
        chat_store::Store::connect(self.db.url(), &chat_store::PoolSettings::default()).await.unwrap()
    }

    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// A server whose configuration `adjust` changes first. With `CHAT_TEST_CLUSTERS=2`, a
    /// deployment of two clusters (`spawn_on_two_clusters`), half the logical shards on each:
    /// the suite run on such a deployment (`make test-two-clusters`).
    pub async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> Self {
        if std::env::var("CHAT_TEST_CLUSTERS").is_ok_and(|clusters| clusters == "2") {
            return Self::spawn_on_two_clusters_with(true, adjust).await;
        }
        let db = Arc::new(TestDatabase::new().await);
        let mut config = test_config(db.url());
        adjust(&mut config);
        Self::start(db, Vec::new(), config).await
    }

    /// A server whose uploads go to a fresh storage of `backend`'s kind; `adjust` changes the
    /// configuration further.
    pub async fn spawn_on(backend: Backend, adjust: impl FnOnce(&mut Config)) -> Self {
        let storage = fresh_storage(backend).await;
        Self::spawn_with(|config| {
            config.uploads.storage = storage;
            adjust(config);
        })
        .await
    }

    /// The storage this server keeps uploads in, opened anew, to look at directly.
    pub fn media(&self) -> chat_media::MediaStore {
        chat_media::MediaStore::open(&self.config.uploads.storage).unwrap()
    }

    /// A second server process on this one's database, as when the service runs several.
    pub async fn spawn_sibling(&self) -> Self {
        Self::start(self.db.clone(), self.other_clusters.clone(), self.config.clone()).await
    }

    async fn start(db: Arc<TestDatabase>, other_clusters: Vec<Arc<TestDatabase>>, config: Config) -> Self {
        // Logs stay quiet unless TEST_LOG asks for them (e.g. TEST_LOG=debug).
        chat_api::telemetry::init(&config.log_filter, false);
        let application = Application::build(&config).await.expect("build the application");
        let address = format!("http://127.0.0.1:{}", application.port());
        let (report, stopped) = tokio::sync::watch::channel(None);
        tokio::spawn(async move {
            let reason = match application.run_until_stopped().await {
                Ok(()) => "stopped cleanly".to_owned(),
                Err(error) => {
                    // A worker that stops would otherwise show only as refused connections.
                    eprintln!("the test server stopped: {error}");
                    error.to_string()
                }
            };
            report.send_replace(Some(reason));
        });
        Self { address, client: reqwest::Client::new(), db, other_clusters, config, stopped }
    }

    /// Waits for the server to stop of itself, and says why it did.
    pub async fn stopped(&self) -> String {
        let mut stopped = self.stopped.clone();
        let reason = stopped.wait_for(Option::is_some).await.expect("the server's task reports how it ended");
        reason.clone().unwrap_or_default()
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
    /// Posts `content` into `chat_id` with `Idempotency-Key: key`; the answer as it came.
    pub async fn post_keyed(&self, author: &TestUser, chat_id: i64, content: &str, key: &str) -> Response {
        let body = json!({ "chat_id": chat_id, "content": content });
        self.as_user(author, Method::POST, "/api/v1/messages")
            .header("Idempotency-Key", key)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

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

    /// A gauge or counter of this server's `/metrics` (`chat_db_statements`, ...), as a number.
    pub async fn metric(&self, name: &str) -> u64 {
        let metrics = self.request(Method::GET, "/metrics").send().await.unwrap().text().await.unwrap();
        let line = metrics.lines().find(|line| line.split_whitespace().next() == Some(name)).unwrap();
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    }

    /// Gives `user` `role` in `chat_id`, as `actor` (who must be allowed to).
    pub async fn set_role(&self, actor: &TestUser, chat_id: i64, user: &TestUser, role: &str) {
        let path = format!("/api/v1/chats/{chat_id}/members/{}", user.id);
        let response = self.call_json(actor, Method::PATCH, &path, &json!({ "role": role })).await;
        assert_eq!(expect_json(response, StatusCode::OK).await["role"], role);
    }
}

/// The one configuration of the tests' servers, in process (`TestApp`) and as a child process
/// (`ServerProcess`, through `Config::to_env`): on a random port, over `database_url`.
pub fn test_config(database_url: &str) -> Config {
    let ms = Duration::from_millis;
    let mut config = Config {
        database_url: database_url.to_owned(),
        addr: "127.0.0.1:0".parse().unwrap(),
        pool_size: 4,
        workers: 1,
        token_ttl: Duration::from_secs(3600),
        // Cheap hashing keeps tests fast; the production cost is covered by the unit test.
        password_hashing: PasswordHashing { memory_kib: 1024, iterations: 1 },
        // Every test registers from 127.0.0.1; the limit has a test of its own.
        auth_attempts_per_minute: 1_000_000,
        user_searches_per_minute: 1_000_000,
        // Tests post as fast as they can; the limit has tests of its own.
        send_limit: chat_store::SendLimit { burst: 1_000_000, per_minute: 1_000_000 },
        log_filter: std::env::var("TEST_LOG").unwrap_or_else(|_| "warn".into()),
        ..Config::default()
    };
    config.realtime.queue_capacity = 64;
    // A silent process is swept after 1.5 s, a closed socket counts after 200 ms.
    config.realtime.presence = PresenceSettings { beat: ms(250), timeout: ms(1500), grace: ms(200), coalesce: ms(200) };
    config.uploads.storage = storage::local_folder();
    // The receivers of the webhook tests listen on 127.0.0.1; retries come quickly, and give up
    // after 5 tries (about a second in all).
    let webhooks = &mut config.webhooks;
    webhooks.allowed_hosts = vec!["127.0.0.1".into()];
    webhooks.timeout = ms(1000);
    webhooks.retry = chat_outbound::Backoff { first: ms(50), longest: ms(300), max_attempts: 5 };
    webhooks.tick = ms(50);
    // Link previews fetch what messages link to: only their own tests turn them on (the page
    // server on 127.0.0.1 allowed), so no other test reaches out of the machine.
    let previews = &mut config.previews;
    previews.enabled = false;
    previews.allowed_hosts = vec!["127.0.0.1".into()];
    previews.timeout = ms(1000);
    previews.retry = chat_outbound::Backoff { first: ms(50), longest: ms(100), max_attempts: 2 };
    config
}

/// Runs `scripts/<script> start` (it starts a test service if it is not running), then answers
/// what `scripts/<script> url` prints.
async fn started_url(script: &'static str) -> String {
    let path = format!("{}/../../scripts/{script}", env!("CARGO_MANIFEST_DIR"));
    tokio::task::spawn_blocking(move || {
        let started = std::process::Command::new(&path).arg("start").status().expect("run the script");
        assert!(started.success(), "scripts/{script} start failed");
        let url = std::process::Command::new(&path).arg("url").output().expect("run the script");
        String::from_utf8(url.stdout).unwrap().trim().to_owned()
    })
    .await
    .unwrap()
}

/// Asserts the status and returns the JSON body.
pub async fn expect_json(response: Response, status: StatusCode) -> Value {
    let actual = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(actual, status, "unexpected status; body: {text}");
    serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"))
}

/// Asserts a problem+json answer with this status and code, and returns it.
pub async fn expect_problem(response: Response, status: StatusCode, code: ErrorCode) -> Value {
    let content_type = response.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned());
    let body = expect_json(response, status).await;
    assert_eq!(content_type.as_deref(), Some("application/problem+json"));
    assert_eq!(error_code(&body), code, "problem: {body}");
    assert_eq!(body["status"], status.as_u16());
    assert!(body["title"].is_string() && body["detail"].is_string() && body["type"].is_string());
    body
}

/// The `code` of a problem or of a WebSocket `error` frame.
pub fn error_code(body: &Value) -> ErrorCode {
    ErrorCode::deserialize(&body["code"]).unwrap_or_else(|_| panic!("no code: {body}"))
}

/// The `id` of every object in a JSON array, in order.
pub fn ids(list: &Value) -> Vec<i64> {
    list.as_array().unwrap().iter().map(|item| item["id"].as_i64().unwrap()).collect()
}

/// The fields named by a validation problem's `errors`, in order.
pub fn error_fields(problem: &Value) -> Vec<&str> {
    problem["errors"].as_array().unwrap().iter().map(|error| error["field"].as_str().unwrap()).collect()
}

/// The field and code of each of a validation problem's `errors`, in order.
pub fn field_errors(problem: &Value) -> Vec<(&str, FieldCode)> {
    let errors = problem["errors"].as_array().unwrap().iter();
    errors.map(|error| (error["field"].as_str().unwrap(), FieldCode::deserialize(&error["code"]).unwrap())).collect()
}

/// The path of the caller's `emoji` reaction to a message, every byte of the emoji percent-encoded.
pub fn reaction_path(message_id: i64, emoji: &str) -> String {
    let encoded: String = emoji.bytes().map(|byte| format!("%{byte:02X}")).collect();
    format!("/api/v1/messages/{message_id}/reactions/{encoded}")
}
