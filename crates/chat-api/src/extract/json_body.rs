//! A JSON body with the errors a client can act on: 400 for malformed JSON or a non-JSON content
//! type, 413 past the size limit (at once when `Content-Length` announces it), 408 for a body
//! that stops arriving, 422 naming the field for a wrong type or a missing field.

use crate::config::BodyLimits;
use crate::problem::ApiError;
use crate::state::AppState;
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::web::{BytesMut, Data};
use actix_web::{FromRequest, HttpRequest};
use chat_domain::{ErrorCode, FieldCode, ValidationErrors};
use futures_util::StreamExt as _;
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for JsonBody<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_json = has_json_content_type(req);
        let limits = req.app_data::<Data<AppState>>().map_or_else(BodyLimits::default, |state| state.body);
        let announced = announced_length(req);
        let payload = payload.take();
        Box::pin(async move {
            if !is_json {
                let detail = "the body must be JSON, sent with Content-Type: application/json".to_owned();
                return Err(ApiError::BadRequest { code: ErrorCode::UnsupportedMediaType, detail });
            }
            if announced.is_some_and(|length| length > limits.max_bytes as u64) {
                return Err(ApiError::PayloadTooLarge { limit: limits.max_bytes });
            }
            let body = tokio::time::timeout(limits.read_timeout, read(payload, limits.max_bytes))
                .await
                .map_err(|_| ApiError::BodyTimeout { seconds: limits.read_timeout.as_secs() })??;
            parse(&body).map(JsonBody)
        })
    }
}

/// A JSON body that may be left out altogether (no `Content-Type`, no bytes): then `T::default()`.
/// Anything sent is read as `JsonBody` reads it.
#[derive(Debug)]
pub struct OptionalJsonBody<T>(pub T);

impl<T: DeserializeOwned + Default + 'static> FromRequest for OptionalJsonBody<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let no_body = !req.headers().contains_key(header::CONTENT_TYPE)
            && announced_length(req).unwrap_or(0) == 0
            && !req.headers().contains_key(header::TRANSFER_ENCODING);
        if no_body {
            return Box::pin(std::future::ready(Ok(OptionalJsonBody(T::default()))));
        }
        let body = JsonBody::<T>::from_request(req, payload);
        Box::pin(async move { body.await.map(|JsonBody(value)| OptionalJsonBody(value)) })
    }
}

async fn read(mut payload: Payload, limit: usize) -> Result<BytesMut, ApiError> {
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk
            .map_err(|error| ApiError::BadRequest { code: ErrorCode::UnreadableBody, detail: error.to_string() })?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn announced_length(req: &HttpRequest) -> Option<u64> {
    req.headers().get(header::CONTENT_LENGTH)?.to_str().ok()?.parse().ok()
}

fn has_json_content_type(req: &HttpRequest) -> bool {
    let Some(value) = req.headers().get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok()) else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| field_error(error, body))?;
    deserializer.end().map_err(malformed)?;
    Ok(value)
}

fn malformed(error: serde_json::Error) -> ApiError {
    ApiError::BadRequest { code: ErrorCode::MalformedJson, detail: format!("the body is not valid JSON: {error}") }
}

/// Data errors name the field; syntax errors (including invalid UTF-8) are malformed JSON.
fn field_error(error: serde_path_to_error::Error<serde_json::Error>, body: &[u8]) -> ApiError {
    let path = error.path().to_string();
    let inner = error.into_inner();
    let message = if inner.classify() == serde_json::error::Category::Data {
        inner.to_string()
    } else if serde_json::from_slice::<serde_json::Value>(body).is_ok() {
        // serde_json files a wrong type where an enum is expected (`"kind": 5`) as a syntax error,
        // but a body that parses has none: it is the field that is wrong.
        "invalid type: not one of the accepted values".to_owned()
    } else {
        return malformed(inner);
    };
    let message = message.split(" at line ").next().unwrap_or_default().to_owned();
    let named = |prefix: &str| message.strip_prefix(prefix).and_then(|rest| rest.split('`').next()).map(str::to_owned);
    let join = |name: String| {
        if path == "." { name } else { format!("{path}.{name}") }
    };
    let (field, code) = if let Some(name) = named("missing field `") {
        (join(name), FieldCode::Required)
    } else if message.starts_with("unknown field `") {
        // The path already ends at the unknown field.
        (path, FieldCode::UnknownField)
    } else {
        (if path == "." { "body".to_owned() } else { path }, FieldCode::InvalidType)
    };
    ApiError::Domain(ValidationErrors::single(&field, code, message).into())
}
