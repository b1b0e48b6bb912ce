//! The ids a route's path names, typed. A handler takes one of these as `web::Path<…>` and its
//! annotation lists the same type in `params(…)`, so each segment's name, type and description
//! are written once. Fields are read by name: a field that does not match the route's `{segment}`
//! fails every request. A segment that does not parse (`/chats/abc`, an id past `i64::MAX`) is
//! the 400 `invalid_path` of `http_server.rs`'s `PathConfig`. Reaction paths have their own
//! extractor (`reaction_path.rs`), which decodes the emoji strictly.

use chat_domain::{ChatId, MessageId, UploadId, UserId, WebhookId};
use serde::Deserialize;
use utoipa::IntoParams;

/// `/chats/{chat_id}…`
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ChatPath {
    /// The chat's id
    #[param(value_type = i64)]
    pub chat_id: ChatId,
}

/// `/chats/{chat_id}/members/{user_id}`
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct MemberPath {
    /// The chat's id
    #[param(value_type = i64)]
    pub chat_id: ChatId,
    /// The member's user id
    #[param(value_type = i64)]
    pub user_id: UserId,
}

/// `/messages/{message_id}…`
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct MessagePath {
    /// The message's id
    #[param(value_type = i64)]
    pub message_id: MessageId,
}

/// `/messages/{message_id}/thread`: a thread is named by any of its messages.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ThreadPath {
    /// The thread's root, or any reply in it
    #[param(value_type = i64)]
    pub message_id: MessageId,
}

/// `/users/{user_id}`
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct UserPath {
    /// The user's id
    #[param(value_type = i64)]
    pub user_id: UserId,
}

/// `/bots/{bot_id}…`
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct BotPath {
    /// The bot's user id
    #[param(value_type = i64)]
    pub bot_id: UserId,
}

/// `/uploads/{upload_id}…`
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct UploadPath {
    /// The upload's id (a UUID)
    #[param(value_type = String)]
    pub upload_id: UploadId,
}

/// `/push/subscriptions/{pusher_id}`
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct PusherPath {
    /// The pusher's id
    pub pusher_id: i64,
}

/// `/webhooks/{webhook_id}…`
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct WebhookPath {
    /// The webhook's id
    #[param(value_type = i64)]
    pub webhook_id: WebhookId,
}

/// `/reports/{report_id}…`
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ReportPath {
    /// The report's id
    pub report_id: i64,
}
