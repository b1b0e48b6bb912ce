//! Integration tests: the real server over HTTP, each test on its own fresh PostgreSQL database.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod auth;
mod chats;
mod health;
mod idempotency;
mod input;
mod messages;
mod support;
