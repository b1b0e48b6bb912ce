//! An async Rust client of the chat backend, speaking `chat-domain`'s types.
//!
//! - Every REST endpoint under `/api/v1`, answering the domain's aggregates (bots included:
//!   `create_bot`, `rotate_bot_token`, ...).
//! - A refusal is a `ClientError::Refused` with the problem's `ErrorCode` and, for
//!   `validation_failed`, the fields at fault.
//! - Creates (`post_message`, `create_chat`) carry a fresh `Idempotency-Key` and are retried with
//!   it after a lost connection, a timeout or a 503: the server creates each at most once.
//!   Reads, `PUT`, `DELETE` and the writes whose repeat changes nothing (adding a member, moving
//!   the read marker, renaming, changing a role or a display name) are retried too; the others
//!   (register, login, logout, editing a message) never are (see `RetryPolicy`).
//! - Push notifications: `vapid_key`, `register_pusher` (a Web Push subscription or an HTTP
//!   gateway), `pushers`, `delete_pusher`, and each chat's `notification_setting`.
//! - Plain `http`/`ws` by default; the `rustls` feature adds `https`/`wss` (rustls, Mozilla's
//!   root certificates).
//! - Webhooks: registering them, and `verify_webhook_signature` for a service that receives
//!   deliveries (`examples/webhook_receiver.rs`).
//! - `event_stream` follows the caller's events over the WebSocket, resuming with the last event's
//!   resume token after every drop, so each stored event arrives once, in order, across server
//!   restarts; a resync (the events were pruned, or the database restored) is reported.
//!
//! ```no_run
//! use chat_client::{Client, StreamItem};
//! use chat_domain::{ChatDraft, ChatKind, Credentials};
//! use futures_util::StreamExt as _;
//!
//! # async fn example() -> Result<(), chat_client::ClientError> {
//! let anonymous = Client::new("http://127.0.0.1:8000");
//! let login = Credentials { username: "ann".into(), password: "correct horse battery".into(), display_name: None };
//! let session = anonymous.login(&login).await?;
//! let client = anonymous.with_token(session.token);
//! let draft = ChatDraft { kind: ChatKind::Group, title: Some("Team".into()), member_ids: vec![] };
//! let chat = client.create_chat(&draft).await?;
//! client.post_text(chat.chat.id, "hello").await?;
//! let mut events = client.event_stream(None);
//! while let Some(item) = events.next().await {
//!     if let StreamItem::Event(event) = item? {
//!         println!("{} in chat {}: {:?}", event.seq, event.chat_id, event.event.kind());
//!     }
//! }
//! # Ok(())
//! # }
//! ```

#![warn(missing_docs)]

mod accounts;
mod bots;
mod chats;
mod client;
mod error;
mod events;
mod files;
mod messages;
mod moderation;
mod people;
mod privacy;
mod push;
mod read_position;
mod retry;
mod search;
mod stream;
mod webhooks;

pub use client::{Client, new_idempotency_key};
pub use error::{ClientError, ClientResult};
pub use messages::{HistoryQuery, MessageCursor, PageQuery};
pub use retry::RetryPolicy;
pub use search::SearchOptions;
pub use stream::{EventStream, StreamItem};
pub use webhooks::{SignatureError, verify_webhook_signature};
