//! Integration tests: the real server over HTTP, each test on its own fresh PostgreSQL database.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod auth;
mod chat_list;
mod chats;
mod client;
mod client_service;
mod commit_faults;
mod cors;
mod deletes;
mod direct_chats;
mod domain_types;
mod edits;
mod health;
mod history;
mod idempotency;
mod input;
mod leaving;
mod members;
mod mentions;
mod messages;
mod openapi;
mod parse_refusals;
mod reactions;
mod read_state;
mod realtime;
mod realtime_edges;
mod realtime_limits;
mod realtime_resume;
mod rename;
mod search;
mod security;
mod shutdown;
mod support;
mod threads;
mod users;
mod web_client;
