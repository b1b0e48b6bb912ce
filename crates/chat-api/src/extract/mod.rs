//! Request extractors: each turns one part of a request into a typed value or an `ApiError`.

pub mod caller;
mod idempotency;
mod json_body;
mod message_page;
mod paths;
mod query;
mod reaction_path;
pub mod read_position;
mod token_scope;

pub use caller::{Caller, DownloadCaller};
pub use idempotency::IdempotencyHeader;
pub use json_body::{JsonBody, OptionalJsonBody};
pub use message_page::MessagePage;
pub use paths::{
    BotPath, ChatPath, MemberPath, MessagePath, PusherPath, ReportPath, ThreadPath, UploadPath, UserPath, WebhookPath,
};
pub use query::{BeforePage, PageSize, QueryParams};
pub use reaction_path::ReactionPath;
pub use read_position::ReadPosition;
