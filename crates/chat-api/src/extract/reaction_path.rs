//! `/messages/{message_id}/reactions/{emoji}`, with the emoji decoded strictly from the raw path;
//! its annotation lists `params(ReactionPath)`, like the typed paths of `paths.rs`.
//!
//! The router decodes paths lossily, turning invalid UTF-8 into U+FFFD, which would store a
//! reaction nobody sent; here a percent-encoding that is not UTF-8 is refused instead.

use crate::problem::ApiError;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use chat_domain::{Emoji, ErrorCode, FieldCode, MessageId, ValidationErrors};
use std::future::{Ready, ready};
use utoipa::IntoParams;

#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ReactionPath {
    /// The message's id
    #[param(value_type = i64)]
    pub message_id: MessageId,
    /// Percent-encoded; at most 64 bytes, no whitespace or control characters
    #[param(value_type = String)]
    pub emoji: Emoji,
}

impl FromRequest for ReactionPath {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(parse(req))
    }
}

fn parse(req: &HttpRequest) -> Result<ReactionPath, ApiError> {
    let message = req.match_info().get("message_id").and_then(|id| id.parse().ok()).ok_or_else(|| {
        ApiError::BadRequest { code: ErrorCode::InvalidPath, detail: "message_id must be a 64-bit integer".into() }
    })?;
    // The route ends with the emoji, and a segment holds no `/`: the raw path's last segment is it.
    let raw = req.uri().path().rsplit('/').next().unwrap_or_default();
    let emoji = percent_decode(raw)
        .ok_or_else(|| ValidationErrors::single("emoji", FieldCode::Invalid, "must be percent-encoded UTF-8"))?;
    Ok(ReactionPath { message_id: MessageId(message), emoji: Emoji::parse(&emoji)? })
}

/// `%XX` sequences to bytes, the rest as it is; `None` for a broken escape or bytes that are not
/// UTF-8.
fn percent_decode(raw: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(raw.len());
    let mut rest = raw.as_bytes();
    while let Some((&byte, tail)) = rest.split_first() {
        if byte == b'%' {
            let hex = std::str::from_utf8(tail.get(..2)?).ok()?;
            bytes.push(u8::from_str_radix(hex, 16).ok()?);
            rest = &tail[2..];
        } else {
            bytes.push(byte);
            rest = tail;
        }
    }
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::percent_decode;

    #[test]
    fn decodes_utf8_and_refuses_the_rest() {
        assert_eq!(percent_decode("%F0%9F%91%8D").as_deref(), Some("👍"));
        assert_eq!(percent_decode("ok").as_deref(), Some("ok"));
        assert_eq!(percent_decode("%F0%9F"), None, "truncated UTF-8");
        assert_eq!(percent_decode("%ZZ"), None);
        assert_eq!(percent_decode("%4"), None);
    }
}
