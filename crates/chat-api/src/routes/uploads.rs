//! Files: `POST /uploads` takes a file's bytes as the request body; `GET /uploads/{id}` and its
//! thumbnail serve them to the uploader and to members of a chat where a message carries them.

use crate::extract::{Caller, DownloadCaller, IdempotencyHeader, QueryParams, UploadPath};
use crate::problem::{ApiError, ApiResult};
use crate::state::AppState;
use crate::uploads;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chat_domain::ValidationErrors;
use chat_domain::thumbnail::{DEFAULT_THUMBNAIL_SIZE, thumbnail_size};

/// A file's bytes, as they are: the body of `POST /uploads` (in the OpenAPI document only).
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)]
struct FileBytes(Vec<u8>);

/// Stores the body's bytes as a file (streamed; at most `CHAT_MAX_UPLOAD_BYTES`, 25 MiB by
/// default). The server reads the type from the bytes; a `Content-Type` claiming an image the
/// bytes are not is refused. Attach the answer's `id` to an `image` or `file` message within a day,
/// or it is erased.
#[utoipa::path(tag = "uploads", security(("bearer" = [])),
    params(
        ("filename" = Option<String>, Query, description = "The file's name, for display only (its last path segment is kept)"),
        ("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 255, pattern = "^[ -~]+$",
            description = "A retry with the same key answers the first upload instead of storing another")),
    request_body(content = FileBytes, content_type = "application/octet-stream",
        description = "The file's bytes, as they are (any `Content-Type`)"),
    responses(
    (status = 201, description = "The stored file", body = chat_domain::Upload,
        headers(("Idempotent-Replayed" = String, description = "`true` when this answer replays an earlier upload"))),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 409, response = crate::openapi::Conflict),
    (status = 413, response = crate::openapi::PayloadTooLarge),
    (status = 422, response = crate::openapi::Unprocessable)))]
#[post("/uploads")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyHeader,
    query: QueryParams,
    request: HttpRequest,
    body: web::Payload,
) -> ApiResult<HttpResponse> {
    let declared =
        request.headers().get(header::CONTENT_LENGTH).and_then(|value| value.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|length| length > state.uploads.max_bytes) {
        return Err(chat_media::IngestError::TooLarge { limit: state.uploads.max_bytes }.into());
    }
    let claimed = request.headers().get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok());
    let received =
        uploads::receive(state.upload_target(), caller.user.id, key.0.as_ref(), query.text("filename"), claimed, body)
            .await?;
    let mut response = HttpResponse::Created();
    response.insert_header((header::LOCATION, format!("/api/v1/uploads/{}", received.upload.id)));
    if received.replayed {
        response.insert_header(("Idempotent-Replayed", "true"));
    }
    Ok(response.json(received.upload))
}

/// The file's bytes. `Range` (one range) answers 206; `If-None-Match` with its `ETag` answers
/// 304. Images (PNG, JPEG, GIF, WebP) are served `inline`, everything else as an `attachment`.
/// Browsers may pass the token as `?access_token=` (for `<img src>`).
#[utoipa::path(tag = "uploads", security(("bearer" = [])),
    params(UploadPath,
        ("access_token" = Option<String>, Query, description = "The bearer token, where a header cannot be sent"),
        ("Range" = Option<String>, Header, description = "`bytes=first-last`, `bytes=first-` or `bytes=-suffix`")),
    responses(
    (status = 200, description = "The whole file, as its stored `content_type`", content_type = "*/*"),
    (status = 206, description = "The range asked for", content_type = "*/*"),
    (status = 304, description = "Unchanged since the `ETag` sent"),
    (status = 404, response = crate::openapi::NotFound),
    (status = 416, response = crate::openapi::RangeNotSatisfiable)))]
#[get("/uploads/{upload_id}")]
pub async fn download(
    state: web::Data<AppState>,
    caller: DownloadCaller,
    path: web::Path<UploadPath>,
    request: HttpRequest,
) -> ApiResult<HttpResponse> {
    let upload = state.store.upload_for_viewer(path.upload_id, caller.0.user.id).await?;
    uploads::download(&state, &upload, request.headers()).await
}

/// A thumbnail of an image, fitting a square of `size` pixels rounded up to 64, 128, 256, 512 or
/// 1024 (default 256); made once per size and kept. JPEGs give JPEG thumbnails, others PNG.
#[utoipa::path(tag = "uploads", security(("bearer" = [])),
    params(UploadPath,
        ("size" = Option<u32>, Query, minimum = 1, maximum = 4096, description = "The longest side, in pixels"),
        ("access_token" = Option<String>, Query, description = "The bearer token, where a header cannot be sent")),
    responses(
    (status = 200, description = "The thumbnail: PNG, or JPEG for a JPEG", content_type = "image/*"),
    (status = 304, description = "Unchanged since the `ETag` sent"),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 404, response = crate::openapi::NotFound),
    (status = 422, response = crate::openapi::Unprocessable)))]
#[get("/uploads/{upload_id}/thumbnail")]
pub async fn thumbnail(
    state: web::Data<AppState>,
    caller: DownloadCaller,
    path: web::Path<UploadPath>,
    query: QueryParams,
    request: HttpRequest,
) -> ApiResult<HttpResponse> {
    let mut errors = ValidationErrors::default();
    let requested = query.integer(&mut errors, "size", 1, 4096);
    errors.finish(()).map_err(ApiError::from)?;
    let size = requested.and_then(|size| thumbnail_size(size as u32)).unwrap_or(DEFAULT_THUMBNAIL_SIZE);
    let upload = state.store.upload_for_viewer(path.upload_id, caller.0.user.id).await?;
    uploads::thumbnail(&state, &upload, size, caller.0.user.id, request.headers()).await
}
