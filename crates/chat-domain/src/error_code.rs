//! The stable `code` of every error the API answers (docs/API.md, "Status codes and codes") and
//! of the WebSocket's `error` frames: one list, shared by the server and its clients.
//!
//! A refusal reads into a [`Problem`]; branch on its `code`, and for `validation_failed` on the
//! fields in `errors`:
//!
//! ```
//! use chat_domain::{ErrorCode, FieldCode, Problem};
//!
//! let body = r#"{
//!     "type": "urn:chat-backend:problem:validation_failed",
//!     "title": "Unprocessable Entity",
//!     "status": 422,
//!     "detail": "the request is invalid",
//!     "code": "validation_failed",
//!     "errors": [{ "field": "content", "code": "too_long", "message": "must have at most 4000 characters" }]
//! }"#;
//! let problem: Problem = serde_json::from_str(body)?;
//! assert_eq!(problem.code, ErrorCode::ValidationFailed);
//! let fields = problem.errors.unwrap_or_default();
//! assert_eq!((fields.0[0].field.as_str(), fields.0[0].code), ("content", FieldCode::TooLong));
//! # Ok::<(), serde_json::Error>(())
//! ```

use crate::text_enums::code_enum;
use crate::validation::ValidationErrors;
use serde::{Deserialize, Serialize};

code_enum! {
    /// What went wrong, for a client to branch on. A client built against an older list reads a
    /// newer server's codes as `Unknown`.
    ///
    /// ```
    /// use chat_domain::ErrorCode;
    ///
    /// let code: ErrorCode = serde_json::from_str(r#""last_owner""#)?;
    /// assert_eq!(code, ErrorCode::LastOwner);
    /// assert_eq!(code.to_string(), "last_owner");
    ///
    /// // A code this version of the crate does not know yet is not an error:
    /// let newer: ErrorCode = serde_json::from_str(r#""chat_archived""#)?;
    /// assert_eq!(newer, ErrorCode::Unknown);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    ErrorCode {
        /// 400: the body is not valid JSON.
        MalformedJson => "malformed_json",
        /// 400: the body was sent without a JSON `Content-Type`.
        UnsupportedMediaType => "unsupported_media_type",
        /// 400: the body stream broke off.
        UnreadableBody => "unreadable_body",
        /// 400: `Idempotency-Key` is empty, too long or not printable ASCII.
        InvalidIdempotencyKey => "invalid_idempotency_key",
        /// 400: `Chat-Position` or `Chat-Seq` is not a non-negative 64-bit integer.
        InvalidReadPosition => "invalid_read_position",
        /// 400: a path id is not a 64-bit integer.
        InvalidPath => "invalid_path",
        /// 400: the query string cannot be parsed.
        MalformedQuery => "malformed_query",
        /// 400: `GET /ws` without a WebSocket upgrade.
        NotAWebsocket => "not_a_websocket",
        /// 400: not valid HTTP/1.1.
        MalformedRequest => "malformed_request",
        /// 400: a CORS preflight from an origin, or for a method or header, that is not allowed.
        CorsRefused => "cors_refused",
        /// 401: no token, or an unknown, expired or revoked one.
        Unauthorized => "unauthorized",
        /// 401: login with a wrong username or password.
        InvalidCredentials => "invalid_credentials",
        /// 403: not a member of the chat (or it does not exist).
        NotAMember => "not_a_member",
        /// 403: the caller's role does not allow this.
        Forbidden => "forbidden",
        /// 403: the person takes no direct chat, or no message in one, from the caller (their
        /// setting for direct chats, or a block: which one is not said).
        DirectChatRefused => "direct_chat_refused",
        /// 403: login to an account a moderator suspended (`detail` says until when).
        AccountSuspended => "account_suspended",
        /// 404: the chat does not exist, or the caller is not in it.
        ChatNotFound => "chat_not_found",
        /// 404: the message does not exist, or the caller is not in its chat.
        MessageNotFound => "message_not_found",
        /// 404: that user is not a member of that chat.
        MemberNotFound => "member_not_found",
        /// 404: no user has that id.
        UserNotFound => "user_not_found",
        /// 404: the upload does not exist, or the caller may not see it.
        UploadNotFound => "upload_not_found",
        /// 404: no such report, or not one the caller handles.
        ReportNotFound => "report_not_found",
        /// 404: the webhook does not exist, is revoked, or the caller may not manage it.
        WebhookNotFound => "webhook_not_found",
        /// 404: the caller has no bot with that id.
        BotNotFound => "bot_not_found",
        /// 404: no such endpoint.
        NotFound => "not_found",
        /// 408: the body did not arrive in time.
        BodyTimeout => "body_timeout",
        /// 409: the username is taken.
        UsernameTaken => "username_taken",
        /// 409: the message is deleted.
        MessageDeleted => "message_deleted",
        /// 409: a direct chat's membership cannot change.
        DirectChat => "direct_chat",
        /// 409: the user is banned from this chat; an admin lifts the ban first.
        UserBanned => "user_banned",
        /// 409: the report was resolved already.
        ReportResolved => "report_resolved",
        /// 409: the only owner cannot leave or step down.
        LastOwner => "last_owner",
        /// 409: an upload with this `Idempotency-Key` is still arriving.
        UploadInProgress => "upload_in_progress",
        /// 413: the body is over the size limit.
        PayloadTooLarge => "payload_too_large",
        /// 422: see the problem's `errors`.
        ValidationFailed => "validation_failed",
        /// 416: the `Range` asks for bytes the file does not have.
        RangeNotSatisfiable => "range_not_satisfiable",
        /// 422: the upload is empty.
        EmptyUpload => "empty_upload",
        /// 422: the bytes are not the type the `Content-Type` claims.
        ContentTypeMismatch => "content_type_mismatch",
        /// 422: a thumbnail of a file that is not an image.
        NotAnImage => "not_an_image",
        /// 422: the image has too many pixels to decode (or cannot be decoded).
        ImageTooLarge => "image_too_large",
        /// 422: the `Idempotency-Key` was used with a different request.
        IdempotencyKeyReused => "idempotency_key_reused",
        /// 429: too many register or login attempts; see `Retry-After`.
        RateLimited => "rate_limited",
        /// 431: the request head is too large.
        HeadTooLarge => "head_too_large",
        /// 500: a server fault.
        InternalError => "internal_error",
        /// 503: the database is unreachable; retry (with the same `Idempotency-Key`).
        DatabaseUnavailable => "database_unavailable",
        /// 503: the file storage is unreachable; retry.
        StorageUnavailable => "storage_unavailable",
        /// WebSocket `error` frame: a client frame the server could not use.
        InvalidFrame => "invalid_frame",
    }
}

/// An error answer (RFC 9457 problem+json), as the server writes it and clients read it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Problem {
    /// `urn:chat-backend:problem:<code>`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The HTTP reason phrase of `status` (`Unprocessable Entity`).
    pub title: String,
    /// The HTTP status code, the same as the response's.
    pub status: u16,
    /// For people; `code` is for programs.
    pub detail: String,
    /// Stable: `validation_failed`, `not_a_member`, `idempotency_key_reused`, `chat_not_found`...
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub code: ErrorCode,
    /// Per-field errors, only with `validation_failed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Vec<crate::validation::FieldError>>))]
    pub errors: Option<ValidationErrors>,
}
