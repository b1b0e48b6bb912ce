//! The one place test support lives: spawning the app, and the calls tests make again and again.

use chat_api::config::PasswordHashing;
use chat_api::{Application, Config};
use chat_test_db::TestDatabase;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

/// A running server on a random port, over its own database.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    db: TestDatabase,
}

/// A registered user and a live token.
#[derive(Clone, Debug)]
pub struct TestUser {
    pub id: i64,
    pub token: String,
}

impl TestApp {
    pub async fn spawn() -> Self {
        let db = TestDatabase::new().await;
        let config = Config {
            database_url: db.url().to_owned(),
            addr: "127.0.0.1:0".parse().unwrap(),
            pool_size: 4,
            workers: 1,
            max_body_bytes: 64 * 1024,
            token_ttl: Duration::from_secs(3600),
            // Cheap hashing keeps tests fast; the production cost is covered by the unit test.
            password_hashing: PasswordHashing { memory_kib: 1024, iterations: 1 },
            log_filter: "warn".into(),
            log_json: false,
        };
        let application = Application::build(&config).await.expect("build the application");
        let address = format!("http://127.0.0.1:{}", application.port());
        tokio::spawn(application.run_until_stopped());
        Self { address, client: reqwest::Client::new(), db }
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

    pub async fn post_message(&self, author: &TestUser, body: &Value) -> Response {
        self.as_user(author, Method::POST, "/api/v1/messages").json(body).send().await.unwrap()
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
