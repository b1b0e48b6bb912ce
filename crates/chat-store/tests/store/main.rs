//! Integration tests of the store against a real PostgreSQL database.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod bots;
mod bounded_wait;
mod clusters;
mod event_log;
mod link_previews;
mod newest_page;
mod query_count;
mod search_index;
mod shard_ids;
mod support;
mod user_copies;
mod webhook_runs;
