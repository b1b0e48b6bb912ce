//! The optional `Idempotency-Key` header; a malformed one is a 400, never silently ignored.

use crate::problem::ApiError;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use chat_domain::{ErrorCode, IdempotencyKey};
use std::future::{Ready, ready};

#[derive(Debug)]
pub struct IdempotencyHeader(pub Option<IdempotencyKey>);

impl FromRequest for IdempotencyHeader {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let Some(value) = req.headers().get("Idempotency-Key") else {
            return ready(Ok(Self(None)));
        };
        let parsed = value.to_str().ok().and_then(|text| IdempotencyKey::parse(text).ok());
        ready(parsed.map(|key| Self(Some(key))).ok_or_else(|| ApiError::BadRequest {
            code: ErrorCode::InvalidIdempotencyKey,
            detail: "Idempotency-Key must be 1 to 255 printable ASCII characters".into(),
        }))
    }
}
