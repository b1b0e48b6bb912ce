//! PostgreSQL persistence for the chat.
//!
//! The rest of the project sees only `Store`, its methods and domain types: the schema, the row
//! structs and the SQL stay in here. Every message leaves through `aggregate::build_messages`, so
//! each one is whole (reactions, thread summary, attachments and read status included) and nothing is ever loaded lazily.

mod aggregate;
mod chat_creation;
mod chat_summaries;
mod chats;
mod checkout;
mod create_statement;
mod edits;
mod error;
mod event_log;
mod event_replay;
mod events;
mod health;
mod history;
mod idempotency;
mod instrumentation;
pub mod listener;
mod locking;
mod members;
mod mentions;
mod messages;
mod migrate;
mod pool;
mod prepared;
mod presence;
#[cfg(test)]
mod query_plans;
mod reactions;
mod read_markers;
mod receipts;
mod rows;
mod schema;
mod search;
mod server_processes;
mod threads;
mod token_cache;
mod uploads;
mod user_directory;
mod users;

pub use chat_creation::ChatCreation;
pub use chat_summaries::{ChatCursor, ChatPage};
pub use error::{StoreError, StoreResult};
pub use event_log::PublishedEvent;
pub use event_replay::Replay;
pub use history::{Cursor, Page, ThreadReplies};
pub use members::MemberAddition;
pub use messages::MessageCreation;
pub use migrate::run_migrations;
pub use pool::{PoolSettings, Store};
pub use search::{SearchCursor, SearchOrder};
pub use uploads::UploadStart;
pub use users::NewAccount;
