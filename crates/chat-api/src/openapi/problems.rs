//! The error answers every operation can give, described once and referenced by each operation.
#![allow(dead_code, missing_debug_implementations)] // descriptions only: never built, never printed

use chat_domain::Problem;
use utoipa::ToResponse;

/// Malformed JSON, query, path or header, or a body that is not JSON.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct BadRequest(Problem);

/// No, unknown, expired or revoked bearer token.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct Unauthorized(Problem);

/// A member whose role does not allow this, or a non-member posting (`not_a_member`).
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct Forbidden(Problem);

/// Unknown, or not visible to the caller: the two are not told apart.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct NotFound(Problem);

/// The change conflicts with the current state (`message_deleted`, `last_owner`, `direct_chat`, `username_taken`).
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct Conflict(Problem);

/// The body is larger than the server's limit (64 KiB by default).
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct PayloadTooLarge(Problem);

/// The `Range` lies outside the file; `Content-Range: bytes */<size>` gives its size.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct RangeNotSatisfiable(Problem);

/// Validation failed (`errors` lists the fields), or `idempotency_key_reused`.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct Unprocessable(Problem);

/// Too many register or login attempts from this address; retry after `Retry-After` seconds.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct TooManyRequests(Problem);

/// The database, or for files the file storage, is unreachable; retry after `Retry-After` seconds.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct Unavailable(Problem);
