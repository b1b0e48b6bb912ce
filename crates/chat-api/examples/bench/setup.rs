//! The data the works run on, made through the API: a chat to post into, a history of 60
//! messages with reactions on the last 50, a reader with 21 chats in her list; chats of 10 and
//! 5,000 members (`member_count.rs`); and the people of the corpora (`corpus.rs`).

use crate::corpus::{self, People};
use crate::member_count::{self, MemberCounts};
use crate::psql::Psql;
use serde_json::{Value, json};

/// Who posts where and who reads what.
#[derive(Debug)]
pub struct Fixture {
    /// Posts into `chat` (with one other member), and mentions into the `member_counts` chats.
    pub ann: String,
    pub chat: i64,
    /// Members of `chat` who post its plain creates, one per client (see `Authors`).
    pub authors: Authors,
    /// Reads `history` (60 messages) and her chat list (it and 20 chats of one message each).
    pub carol: String,
    pub history: i64,
    /// Who reads the corpora (whether or not they are written yet).
    pub people: People,
    /// Chats of 10 and 5,000 members that `ann` posts mentions into (`member_count.rs`).
    pub member_counts: MemberCounts,
}

/// People who post the plain creates, one per bench client: each has a send budget of their own
/// (`send_budgets`), as many people posting at once have, where one account posting from every
/// client would wait on its one budget row. Their ids run from `first_id`, one after another, so
/// pgbench can pick the same author for a client (`script.rs`).
#[derive(Clone, Debug)]
pub struct Authors {
    pub first_id: i64,
    pub tokens: Vec<String>,
}

/// How many authors post the plain creates: one per client of the largest run.
pub const AUTHORS: usize = 64;

impl Authors {
    /// The token of the author for the request keyed `key` (`{prefix}-{client}-{n}`, see
    /// `http::drive`); the first author's for any other key.
    pub fn token_for(&self, key: &str) -> &str {
        let client = key.rsplit('-').nth(1).and_then(|client| client.parse::<usize>().ok()).unwrap_or(0);
        &self.tokens[client % self.tokens.len()]
    }
}

/// Registers `AUTHORS` people one after another (so their ids follow each other) and makes them
/// members of `chat`.
async fn authors(client: &reqwest::Client, base: &str, psql: &Psql, suffix: u32, chat: i64) -> Authors {
    let mut ids = Vec::with_capacity(AUTHORS);
    let mut tokens = Vec::with_capacity(AUTHORS);
    for n in 0..AUTHORS {
        let (id, token) = register(client, base, &format!("author{suffix}n{n}")).await;
        ids.push(id);
        tokens.push(token);
    }
    let first_id = ids[0];
    assert!(
        ids.iter().enumerate().all(|(n, id)| *id == first_id + n as i64),
        "author ids are not consecutive: {ids:?}"
    );
    let last_id = first_id + AUTHORS as i64 - 1;
    psql.run(&[&format!(
        "INSERT INTO chat_members (chat_id, user_id, role) SELECT {chat}, g, 'member' FROM generate_series({first_id}, {last_id}) g"
    )]);
    Authors { first_id, tokens }
}

/// Registers `name`; its id and token.
pub async fn register(client: &reqwest::Client, base: &str, name: &str) -> (i64, String) {
    let body = json!({ "username": name, "password": "correct horse battery" });
    let session: Value = call(client.post(format!("{base}/auth/register")).json(&body)).await;
    (session["user"]["id"].as_i64().unwrap(), session["token"].as_str().unwrap().to_owned())
}

async fn call(request: reqwest::RequestBuilder) -> Value {
    let response = request.send().await.unwrap();
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert!(status.is_success(), "setup request failed with {status}: {body}");
    body
}

async fn chat(client: &reqwest::Client, base: &str, token: &str, member: i64) -> i64 {
    let body = json!({ "kind": "group", "title": "bench", "member_ids": [member] });
    call(client.post(format!("{base}/chats")).bearer_auth(token).json(&body)).await["id"].as_i64().unwrap()
}

async fn post(client: &reqwest::Client, base: &str, token: &str, chat: i64, n: usize) -> i64 {
    let body = json!({ "chat_id": chat, "type": "text", "content": format!("history message {n}") });
    call(client.post(format!("{base}/messages")).bearer_auth(token).json(&body)).await["id"].as_i64().unwrap()
}

async fn react(client: &reqwest::Client, base: &str, token: &str, message: i64, emoji: &str) {
    call(client.put(format!("{base}/messages/{message}/reactions/{emoji}")).bearer_auth(token)).await;
}

/// Makes the fixture, through the API and, for what would take too long there, in SQL; user names
/// carry `suffix`.
pub async fn prepare(client: &reqwest::Client, base: &str, psql: &Psql, suffix: u32) -> Fixture {
    let (ann_id, ann) = register(client, base, &format!("ann{suffix}")).await;
    let (bob_id, _) = register(client, base, &format!("bob{suffix}")).await;
    let (carol_id, carol) = register(client, base, &format!("carol{suffix}")).await;
    let chat_id = chat(client, base, &ann, bob_id).await;
    let history = chat(client, base, &ann, carol_id).await;
    for n in 0..60 {
        let message = post(client, base, &ann, history, n).await;
        if n >= 10 {
            react(client, base, &carol, message, "%F0%9F%91%8D").await;
            react(client, base, &ann, message, "%F0%9F%8E%89").await;
        }
    }
    for n in 0..20 {
        let other = chat(client, base, &ann, carol_id).await;
        post(client, base, &ann, other, n).await;
    }
    let member_counts = member_count::write(psql, ann_id, &suffix.to_string());
    let authors = authors(client, base, psql, suffix, chat_id).await;
    Fixture { ann, chat: chat_id, authors, carol, history, people: corpus::people(psql), member_counts }
}
