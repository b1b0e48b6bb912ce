//! PostgreSQL persistence for the chat.
//!
//! The rest of the project sees only `Store`, its methods and domain types: the schema, the row
//! structs and the SQL stay in here. Every message leaves through `aggregate::build_messages`, so
//! each one is whole (reactions, thread summary, attachments and read status included) and nothing is ever loaded lazily.

mod chats;
mod clusters;
mod connection;
mod error;
mod events;
mod idempotency;
mod locking;
mod messages;
mod moderation;
mod previews;
mod push;
#[cfg(test)]
mod query_plans;
mod reports;
mod rows;
mod schema;
mod shards;
mod uploads;
mod users;
mod webhooks;

pub use chats::creation::ChatCreation;
pub use chats::members::MemberAddition;
pub use chats::summaries::{ChatCursor, ChatPage};
pub use clusters::chat_list::ClusterChatPage;
pub use clusters::reading::{LogReaders, LogsRead, Resumed};
pub use clusters::search::ClusterPage;
pub use clusters::{Clusters, CopiesBrought, ShardMap};
pub use connection::checkout::PoolSettings;
pub use connection::connect::SESSION_OPTIONS;
pub use connection::migrate::run_migrations;
pub use connection::pool::{SendLimit, Store};
pub use connection::replicas::ReplicaSettings;
pub use connection::seen::Seen;
pub use error::{StoreError, StoreResult};
pub use events::notice::Notice;
pub use events::published::PublishedEvent;
pub use events::replay::{LogHead, Replay};
pub use messages::create::MessageCreation;
pub use messages::history::{Cursor, Page, ThreadReplies};
pub use messages::newest_page::{NewestPage, PageStamp};
pub use messages::search::{SearchCursor, SearchOrder, SearchPage};
pub use moderation::ServerStanding;
pub use previews::jobs::{FetchedPage, PreviewJob};
pub use push::deliveries::{DueDelivery, PushEnd, PushRecord, PushTarget};
pub use push::pushers::{PusherRecord, PusherRegistered, PusherSummary};
pub use shards::ShardLayout;
pub use uploads::UploadStart;
pub use users::accounts::{LoginAccount, NewAccount};
pub use users::bots::{BotAccount, NewBotAccount};
pub use users::token_cache::Authenticated;
pub use webhooks::outbox::{ClaimedDelivery, DeliveryBody, DeliveryOutcome, DeliveryRecord, WebhookRound};
pub use webhooks::registry::{IncomingHook, IncomingRegistration, OutgoingRegistration};
