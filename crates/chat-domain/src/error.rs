//! The domain's one error type: what a rule refused, in terms a client can act on.

use crate::error_code::ErrorCode;
use crate::validation::ValidationErrors;

/// Something a caller may not see, or that does not exist; the two are deliberately not told apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resource {
    /// A chat: answered as 404 `chat_not_found`.
    Chat,
    /// A message: answered as 404 `message_not_found`.
    Message,
    /// A user's membership of a chat (the `{user_id}` of `/chats/{chat_id}/members/{user_id}`):
    /// answered as 404 `member_not_found`.
    Member,
    /// An account: answered as 404 `user_not_found`.
    User,
    /// An upload: answered as 404 `upload_not_found`.
    Upload,
    /// A report the caller may not handle (or none): answered as 404 `report_not_found`.
    Report,
    /// A webhook: answered as 404 `webhook_not_found`.
    Webhook,
    /// A bot of the caller's (another user's bot, or a deleted one): answered as 404
    /// `bot_not_found`.
    Bot,
    /// A pusher (push subscription) of the caller's: answered as 404 `not_found`.
    Pusher,
}

/// Why a domain rule refused a request. The API answers each variant with a fixed status and
/// `ErrorCode`, given on each variant.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// 422 `validation_failed`, listing every field at fault in the problem's `errors`.
    #[error("the request is invalid")]
    Validation(#[from] ValidationErrors),
    /// 403 `not_a_member`: posting to a chat the caller is not in (or that does not exist).
    #[error("the caller is not a member of this chat")]
    NotAMember,
    /// 404 `chat_not_found`, `message_not_found` or `member_not_found`: it does not exist, or the
    /// caller may not see it.
    #[error("{0:?} not found")]
    NotFound(Resource),
    /// 403 `forbidden`: the caller is a member, but their role does not allow this; the text says
    /// which rule (it becomes the problem's `detail`).
    #[error("the caller's role does not allow this: {0}")]
    Forbidden(&'static str),
    /// 403 with the code given: what a person's own choice refuses the caller
    /// (`DirectChatRefused`), without saying which choice.
    #[error("refused: {0}")]
    Refused(ErrorCode),
    /// 409 with the code given: the request conflicts with the state (`LastOwner`,
    /// `MessageDeleted`, ...).
    #[error("conflict: {0}")]
    Conflict(ErrorCode),
}
