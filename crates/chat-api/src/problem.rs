//! The API's one error type, and the one place errors become HTTP: RFC 9457 problem+json with a
//! stable `code`. Nothing internal (SQL, stack traces) ever reaches a client.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use chat_domain::upload::TypeMismatch;
use chat_domain::{DomainError, ErrorCode, Problem, Resource, Suspension, ValidationErrors};
use chat_media::{IngestError, MediaError, ThumbnailError};
use chat_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("missing, invalid, expired or revoked bearer token")]
    Unauthorized,
    #[error("wrong username or password")]
    InvalidCredentials,
    #[error("this account is suspended {}", until_text(.0))]
    AccountSuspended(Suspension),
    #[error("{detail}")]
    BadRequest { code: ErrorCode, detail: String },
    #[error("the request body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("the request body did not arrive within {seconds} s")]
    BodyTimeout { seconds: u64 },
    #[error("no such endpoint")]
    NoRoute,
    /// Refused by the HTTP parser before any route saw it (see `parse_refusals`).
    #[error("the request line and headers are larger than the server accepts (32 KiB, 96 headers)")]
    HeadTooLarge,
    #[error("the request is not valid HTTP/1.1")]
    MalformedRequest,
    #[error("too many attempts from this address; retry in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    #[error("internal error: {0}")]
    Internal(String),
    #[error(transparent)]
    Ingest(#[from] IngestError),
    #[error(transparent)]
    TypeMismatch(#[from] TypeMismatch),
    #[error(transparent)]
    Thumbnail(#[from] ThumbnailError),
    #[error(transparent)]
    Media(#[from] MediaError),
    #[error("the range is outside the file's {size} bytes")]
    RangeNotSatisfiable { size: u64 },
}

fn until_text(suspension: &Suspension) -> String {
    suspension.until.map_or_else(|| "until a moderator lifts it".to_owned(), |until| format!("until {until}"))
}

impl ApiError {
    fn parts(&self) -> (StatusCode, ErrorCode, Option<&ValidationErrors>) {
        use ErrorCode as C;
        use StatusCode as S;
        match self {
            ApiError::Domain(error) | ApiError::Store(StoreError::Domain(error)) => match error {
                DomainError::Validation(errors) => (S::UNPROCESSABLE_ENTITY, C::ValidationFailed, Some(errors)),
                DomainError::NotAMember => (S::FORBIDDEN, C::NotAMember, None),
                DomainError::NotFound(Resource::Chat) => (S::NOT_FOUND, C::ChatNotFound, None),
                DomainError::NotFound(Resource::Message) => (S::NOT_FOUND, C::MessageNotFound, None),
                DomainError::NotFound(Resource::Member) => (S::NOT_FOUND, C::MemberNotFound, None),
                DomainError::NotFound(Resource::User) => (S::NOT_FOUND, C::UserNotFound, None),
                DomainError::NotFound(Resource::Upload) => (S::NOT_FOUND, C::UploadNotFound, None),
                DomainError::NotFound(Resource::Report) => (S::NOT_FOUND, C::ReportNotFound, None),
                DomainError::NotFound(Resource::Webhook) => (S::NOT_FOUND, C::WebhookNotFound, None),
                DomainError::NotFound(Resource::Bot) => (S::NOT_FOUND, C::BotNotFound, None),
                DomainError::NotFound(Resource::Pusher) => (S::NOT_FOUND, C::NotFound, None),
                DomainError::Forbidden(_) => (S::FORBIDDEN, C::Forbidden, None),
                DomainError::Refused(code) => (S::FORBIDDEN, *code, None),
                DomainError::Conflict(code) => (S::CONFLICT, *code, None),
            },
            ApiError::Store(StoreError::SlowMode { .. } | StoreError::SendLimited { .. }) => {
                (S::TOO_MANY_REQUESTS, C::RateLimited, None)
            }
            ApiError::Store(StoreError::IdempotencyKeyReused) => {
                (S::UNPROCESSABLE_ENTITY, C::IdempotencyKeyReused, None)
            }
            ApiError::Store(StoreError::Unavailable(_)) => (S::SERVICE_UNAVAILABLE, C::DatabaseUnavailable, None),
            ApiError::Store(StoreError::Corrupt(_) | StoreError::Database(_) | StoreError::InvalidUrl(_))
            | ApiError::Internal(_) => (S::INTERNAL_SERVER_ERROR, C::InternalError, None),
            ApiError::Unauthorized => (S::UNAUTHORIZED, C::Unauthorized, None),
            ApiError::InvalidCredentials => (S::UNAUTHORIZED, C::InvalidCredentials, None),
            ApiError::AccountSuspended(_) => (S::FORBIDDEN, C::AccountSuspended, None),
            ApiError::BadRequest { code, .. } => (S::BAD_REQUEST, *code, None),
            ApiError::PayloadTooLarge { .. } => (S::PAYLOAD_TOO_LARGE, C::PayloadTooLarge, None),
            ApiError::BodyTimeout { .. } => (S::REQUEST_TIMEOUT, C::BodyTimeout, None),
            ApiError::NoRoute => (S::NOT_FOUND, C::NotFound, None),
            ApiError::HeadTooLarge => (S::REQUEST_HEADER_FIELDS_TOO_LARGE, C::HeadTooLarge, None),
            ApiError::MalformedRequest => (S::BAD_REQUEST, C::MalformedRequest, None),
            ApiError::RateLimited { .. } => (S::TOO_MANY_REQUESTS, C::RateLimited, None),
            ApiError::Ingest(error) => match error {
                IngestError::TooLarge { .. } => (S::PAYLOAD_TOO_LARGE, C::PayloadTooLarge, None),
                IngestError::Empty => (S::UNPROCESSABLE_ENTITY, C::EmptyUpload, None),
                IngestError::Stalled(_) => (S::REQUEST_TIMEOUT, C::BodyTimeout, None),
                IngestError::Body(_) => (S::BAD_REQUEST, C::UnreadableBody, None),
                IngestError::Storage(_) => (S::SERVICE_UNAVAILABLE, C::StorageUnavailable, None),
            },
            ApiError::TypeMismatch(_) => (S::UNPROCESSABLE_ENTITY, C::ContentTypeMismatch, None),
            ApiError::Thumbnail(error) => match error {
                ThumbnailError::NotAnImage(_) | ThumbnailError::Undecodable(_) => {
                    (S::UNPROCESSABLE_ENTITY, C::NotAnImage, None)
                }
                ThumbnailError::TooLarge { .. } => (S::UNPROCESSABLE_ENTITY, C::ImageTooLarge, None),
                ThumbnailError::Storage(MediaError::NotFound(_)) => (S::NOT_FOUND, C::UploadNotFound, None),
                ThumbnailError::Storage(_) => (S::SERVICE_UNAVAILABLE, C::StorageUnavailable, None),
            },
            ApiError::Media(MediaError::NotFound(_)) => (S::NOT_FOUND, C::UploadNotFound, None),
            ApiError::Media(_) => (S::SERVICE_UNAVAILABLE, C::StorageUnavailable, None),
            ApiError::RangeNotSatisfiable { .. } => (S::RANGE_NOT_SATISFIABLE, C::RangeNotSatisfiable, None),
        }
    }

    /// What the client reads in `detail`: the error's own words, except for server faults.
    fn detail(&self, status: StatusCode) -> String {
        match status {
            StatusCode::INTERNAL_SERVER_ERROR => "the server failed to handle this request".into(),
            StatusCode::SERVICE_UNAVAILABLE if self.parts().1 == ErrorCode::StorageUnavailable => {
                "the file storage is unreachable; retry later".into()
            }
            StatusCode::SERVICE_UNAVAILABLE => "the database is unreachable; retry later".into(),
            _ => self.to_string(),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.parts().0
    }

    fn error_response(&self) -> HttpResponse {
        let (status, document) = self.problem();
        // A fault is an error; an outage (503) is already logged once by the store, and warned of
        // here request by request.
        let code = self.parts().1;
        if status == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!(error = %self, %code, "request failed");
        } else if status.is_server_error() {
            tracing::warn!(error = %self, %code, "request failed");
        }
        let mut response = HttpResponse::build(status);
        response.insert_header((header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json")));
        if let ApiError::RateLimited { retry_after_secs }
        | ApiError::Store(
            StoreError::SlowMode { retry_after_secs } | StoreError::SendLimited { retry_after_secs },
        ) = self
        {
            response.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
        }
        if let ApiError::RangeNotSatisfiable { size } = self {
            response.insert_header((header::CONTENT_RANGE, format!("bytes */{size}")));
        }
        match status {
            StatusCode::UNAUTHORIZED => {
                response.insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")));
            }
            StatusCode::SERVICE_UNAVAILABLE => {
                response.insert_header((header::RETRY_AFTER, HeaderValue::from_static("1")));
            }
            _ => {}
        }
        response.body(document)
    }
}

impl ApiError {
    /// The status and the problem+json document this error answers with.
    pub fn problem(&self) -> (StatusCode, String) {
        let (status, code, errors) = self.parts();
        let problem = Problem {
            kind: format!("urn:chat-backend:problem:{code}"),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: self.detail(status),
            code,
            errors: errors.cloned(),
        };
        (status, serde_json::to_string(&problem).unwrap_or_default())
    }
}

impl From<ValidationErrors> for ApiError {
    fn from(errors: ValidationErrors) -> Self {
        ApiError::Domain(DomainError::Validation(errors))
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
