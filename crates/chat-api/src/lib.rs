//! The chat server: REST under `/api/v1` over `chat-store`, speaking `chat-domain`'s types.
//!
//! Requests flow one way: an extractor turns the request into typed values, the handler applies
//! the domain's rules and calls the store, and `problem` turns any error into problem+json.

pub mod auth;
pub mod config;
pub mod cors;
pub mod extract;
pub mod history_cache;
pub mod http_server;
pub mod log_follower;
pub mod metrics;
pub mod openapi;
pub mod parse_refusals;
pub mod previews;
pub mod problem;
pub mod push;
pub mod rate_limit;
pub mod realtime;
pub mod routes;
pub mod search_index;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod uploads;
pub mod user_copies;
pub mod webhooks;
pub mod workers;

pub use config::Config;
pub use startup::Application;
