//! The one check of a token limited to chosen chats (`ChatScope`): the chat a route names, read
//! from its path, must be one of them, or the route answers as for a chat (or message, or upload)
//! that does not exist. `Caller` runs it before any handler.
//!
//! Routes that name no chat either span none (the caller's own account, uploading bytes), keep to
//! the scope themselves (the chat list, the event feed and the WebSocket read through a
//! `Subscription` or a query limited to it; `POST /messages` names its chat in the body and calls
//! `Caller::reaches`), or are listed nowhere: those are refused to a limited token (403), so a
//! route added later cannot leak other chats to one before someone decides how it keeps to it.

use crate::problem::ApiError;
use crate::state::AppState;
use actix_web::HttpRequest;
use actix_web::http::Method;
use chat_domain::{ChatId, ChatScope, DomainError, MessageId, Resource, UploadId};

/// Routes without a chat in their path that a limited token may call: `(method, path below /api/v1)`.
const KEEP_TO_THE_SCOPE: &[(Method, &str)] = &[
    (Method::POST, "/auth/logout"),
    (Method::GET, "/users/me"),
    (Method::PATCH, "/users/me"),
    (Method::PUT, "/users/me/presence"),
    (Method::GET, "/users"),
    (Method::GET, "/users/{user_id}"),
    (Method::POST, "/uploads"),
    (Method::GET, "/chats"),
    (Method::POST, "/messages"),
    (Method::GET, "/events"),
];

/// What a request's route says about the chat it acts in, read from the request up front.
#[derive(Debug)]
pub(crate) enum RouteChats {
    /// `/chats/{chat_id}…` (`None`: the id does not parse, which the path extractor answers).
    Chat(Option<ChatId>),
    /// `/messages/{message_id}…`: in its message's chat.
    Message(Option<MessageId>),
    /// `/uploads/{upload_id}…`: in the chat of the message carrying it (an upload not yet
    /// attached is only its uploader's).
    Upload(Option<UploadId>),
    /// In no chat, or keeps to the scope itself (`KEEP_TO_THE_SCOPE`).
    Unbound,
    /// Spans chats without keeping to a scope: `POST /chats`, search, mentions, bots.
    Spanning,
}

impl RouteChats {
    pub(crate) fn of(req: &HttpRequest) -> Self {
        let path = req.match_info();
        if let Some(chat) = path.get("chat_id") {
            return RouteChats::Chat(chat.parse().ok().map(ChatId));
        }
        if let Some(message) = path.get("message_id") {
            return RouteChats::Message(message.parse().ok().map(MessageId));
        }
        if let Some(upload) = path.get("upload_id") {
            return RouteChats::Upload(uuid::Uuid::parse_str(upload).ok().map(UploadId));
        }
        let pattern = crate::telemetry::matched_route(req).unwrap_or_default();
        let route = pattern.strip_prefix("/api/v1").unwrap_or(&pattern);
        let listed = KEEP_TO_THE_SCOPE.iter().any(|(method, listed)| method == req.method() && *listed == route);
        if listed { RouteChats::Unbound } else { RouteChats::Spanning }
    }

    /// Whether a token limited to `scope` may go on with this request.
    /// A message's chat is looked up on the message's cluster, an upload's on the directory.
    pub(crate) async fn admit(self, state: &AppState, scope: &ChatScope) -> Result<(), ApiError> {
        let outside = |chat: Option<ChatId>| chat.is_some_and(|chat| !scope.admits(chat));
        match self {
            RouteChats::Chat(chat) if outside(chat) => Err(DomainError::NotFound(Resource::Chat).into()),
            RouteChats::Message(Some(message))
                if outside(state.message_store(message).chat_of_message(message).await?) =>
            {
                Err(DomainError::NotFound(Resource::Message).into())
            }
            RouteChats::Upload(Some(upload)) if outside(state.store.chat_of_upload(upload).await?) => {
                Err(DomainError::NotFound(Resource::Upload).into())
            }
            RouteChats::Spanning => {
                Err(DomainError::Forbidden("a token limited to chosen chats cannot use this route").into())
            }
            _ => Ok(()),
        }
    }
}
