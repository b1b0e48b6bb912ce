//! PostgreSQL persistence for the chat.
//!
//! The rest of the project sees only `Store`, its methods and domain types: the schema, the row
//! structs and the SQL stay in here. Every message leaves through `aggregate::build_messages`, so
//! each one is whole (reactions and read status included) and nothing is ever loaded lazily.

mod aggregate;
mod chats;
mod error;
mod history;
mod instrumentation;
mod messages;
mod migrate;
mod pool;
mod rows;
mod schema;
mod users;

pub use chats::ChatCreation;
pub use error::{StoreError, StoreResult};
pub use history::{Cursor, Page};
pub use messages::MessageCreation;
pub use migrate::run_migrations;
pub use pool::{PoolSettings, Store};
pub use users::NewAccount;
