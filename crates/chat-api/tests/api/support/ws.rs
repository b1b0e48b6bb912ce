//! A WebSocket client of the test server.

use super::{TestApp, TestUser};
use serde_json::Value;
use std::time::Duration;

/// A WebSocket client of the test server. Two kinds of frames come on their own schedule, not as
/// the answer to what a test just did, and are set aside so tests about other frames never see
/// them: `presence.updated` (whenever a user sharing a chat connects or leaves; read with
/// `next_presence_within`) and `receipt.updated` (the receipt publisher's, up to a second after a
/// delivery, which a loaded machine can push past a test's quiet wait; `next_receipt_within`).
pub struct WsClient {
    stream: tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
    presence: std::collections::VecDeque<Value>,
    receipts: std::collections::VecDeque<Value>,
}

impl TestApp {
    /// Opens `/api/v1/ws?{query}` with `headers`; the HTTP status on refusal.
    pub async fn try_ws(&self, query: &str, headers: &[(&str, &str)]) -> Result<WsClient, u16> {
        WsClient::connect(&self.address, query, headers).await
    }

    /// Connects as `user` (Authorization header), resuming after `since` if given, and reads `ready`.
    pub async fn ws(&self, user: &TestUser, since: Option<i64>) -> (WsClient, Value) {
        self.ws_since(user, &since.map(|seq| seq.to_string()).unwrap_or_default()).await
    }

    /// `user`'s socket resuming after `since` (a resume token, a seq, or empty for none), and its
    /// `ready` frame.
    pub async fn ws_since(&self, user: &TestUser, since: &str) -> (WsClient, Value) {
        let query = if since.is_empty() { String::new() } else { format!("since={since}") };
        let auth = format!("Bearer {}", user.token);
        let mut client = self.try_ws(&query, &[("Authorization", &auth)]).await.unwrap();
        let ready = client.next_json().await;
        assert_eq!(ready["type"], "ready", "{ready}");
        assert_eq!(ready["user_id"], user.id);
        (client, ready)
    }
}

impl WsClient {
    /// Opens `{address}/api/v1/ws?{query}` with `headers`; the HTTP status on refusal.
    pub async fn connect(address: &str, query: &str, headers: &[(&str, &str)]) -> Result<WsClient, u16> {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let url = format!("{}/api/v1/ws?{query}", address.replace("http://", "ws://"));
        let mut request = url.into_client_request().unwrap();
        for (name, value) in headers {
            request
                .headers_mut()
                .insert(reqwest::header::HeaderName::from_bytes(name.as_bytes()).unwrap(), value.parse().unwrap());
        }
        match tokio_tungstenite::connect_async(request).await {
            Ok((stream, _)) => Ok(WsClient { stream, presence: Default::default(), receipts: Default::default() }),
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => Err(response.status().as_u16()),
            Err(error) => panic!("websocket connect failed: {error}"),
        }
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

    /// The next frame of type `kind`, within 5 s, skipping any other: an event of a change made
    /// just before connecting may be published just after, and arrive first.
    pub async fn next_event_of(&mut self, kind: &str) -> Value {
        loop {
            let frame = self.next_json().await;
            if frame["type"] == kind {
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

    /// The next text frame as JSON other than those set aside (see `WsClient`), or None if none
    /// arrives within `wait`.
    pub async fn next_json_within(&mut self, wait: Duration) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let frame = self.any_frame_before(deadline).await?;
            match frame["type"].as_str() {
                Some("presence.updated") => self.presence.push_back(frame),
                Some("receipt.updated") => self.receipts.push_back(frame),
                _ => return Some(frame),
            }
        }
    }

    /// The next frame, a `receipt.updated` set aside or not (but presence), within 5 s: for a test
    /// that wants every kind of event.
    pub async fn next_json_or_receipt(&mut self) -> Value {
        if let Some(frame) = self.receipts.pop_front() {
            return frame;
        }
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        loop {
            let frame = self.any_frame_before(deadline).await.expect("no frame within 5 s");
            if frame["type"] == "presence.updated" {
                self.presence.push_back(frame);
            } else {
                return frame;
            }
        }
    }

    /// The next `receipt.updated` frame, or None if none arrives within `wait` (other frames that
    /// come meanwhile, but presence, are dropped).
    pub async fn next_receipt_within(&mut self, wait: Duration) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(frame) = self.receipts.pop_front() {
                return Some(frame);
            }
            let frame = self.any_frame_before(deadline).await?;
            match frame["type"].as_str() {
                Some("presence.updated") => self.presence.push_back(frame),
                Some("receipt.updated") => return Some(frame),
                _ => {}
            }
        }
    }

    /// The next `presence.updated` frame, or None if none arrives within `wait` (other frames
    /// that come meanwhile are dropped).
    pub async fn next_presence_within(&mut self, wait: Duration) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(frame) = self.presence.pop_front() {
                return Some(frame);
            }
            let frame = self.any_frame_before(deadline).await?;
            if frame["type"] == "presence.updated" {
                return Some(frame);
            }
        }
    }

    async fn any_frame_before(&mut self, deadline: tokio::time::Instant) -> Option<Value> {
        use futures_util::StreamExt as _;
        use tokio_tungstenite::tungstenite::Message;
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
        // One deadline for all: pings keep coming while the server does not close.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            match tokio::time::timeout_at(deadline, self.stream.next()).await.expect("no close within 20 s") {
                Some(Ok(Message::Text(_))) => frames += 1,
                Some(Ok(Message::Close(frame))) => return (frame.map(|f| u16::from(f.code)), frames),
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return (None, frames),
            }
        }
    }

    /// Acknowledges every frame up to `frame`, of `frame`'s log (`"log"`, named by frames of
    /// any log but the first).
    pub async fn ack(&mut self, frame: &Value) {
        let mut ack = serde_json::json!({ "type": "ack", "seq": frame["seq"] });
        if let Some(log) = frame.get("log") {
            ack["log"] = log.clone();
        }
        self.send_json(&ack).await;
    }

    pub async fn send_json(&mut self, value: &Value) {
        use futures_util::SinkExt as _;
        self.stream.send(tokio_tungstenite::tungstenite::Message::Text(value.to_string().into())).await.unwrap();
    }
}
