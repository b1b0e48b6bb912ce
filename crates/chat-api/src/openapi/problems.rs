//! The error answers every operation can give, described once and referenced by each operation.
#![allow(dead_code, missing_debug_implementations)] // descriptions only: never built, never printed

use utoipa::{ToResponse, ToSchema};

/// RFC 9457 problem details, with a stable machine-readable `code`.
#[derive(ToSchema)]
#[schema(as = Problem)]
pub struct ProblemSchema {
    #[serde(rename = "type")]
    kind: String,
    title: String,
    status: u16,
    detail: String,
    /// Stable: `validation_failed`, `not_a_member`, `idempotency_key_reused`, `chat_not_found`...
    code: String,
    /// Per-field errors, on `validation_failed` only.
    errors: Option<Vec<FieldErrorSchema>>,
}

#[derive(ToSchema)]
#[schema(as = FieldError)]
pub struct FieldErrorSchema {
    /// A JSON path such as `content`, or a query parameter name.
    field: String,
    code: String,
    message: String,
}

/// Malformed JSON, query, path or header, or a body that is not JSON.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct BadRequest(ProblemSchema);

/// No, unknown, expired or revoked bearer token.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct Unauthorized(ProblemSchema);

/// A member whose role does not allow this, or a non-member posting (`not_a_member`).
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct Forbidden(ProblemSchema);

/// Unknown, or not visible to the caller: the two are not told apart.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct NotFound(ProblemSchema);

/// The change conflicts with the current state (`message_deleted`, `last_owner`, `direct_chat`, `username_taken`).
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct Conflict(ProblemSchema);

/// The body is larger than the server's limit (64 KiB by default).
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct PayloadTooLarge(ProblemSchema);

/// Validation failed (`errors` lists the fields), or `idempotency_key_reused`.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct Unprocessable(ProblemSchema);

/// Too many register or login attempts from this address; retry after `Retry-After` seconds.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct TooManyRequests(ProblemSchema);

/// The database is unreachable; retry after `Retry-After` seconds.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct Unavailable(ProblemSchema);
