//! Serving an upload or its thumbnail: `Range` requests, `ETag`/`If-None-Match`, and headers that
//! keep a browser from running what it downloads (`nosniff`, a sandbox, and `attachment` for
//! everything but the raster image types).

use crate::problem::{ApiError, ApiResult};
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap};
use actix_web::{HttpResponse, HttpResponseBuilder};
use chat_domain::upload::is_inline_image;
use chat_domain::{Upload, UserId};
use chat_media::ThumbnailError;
use std::ops::Range;

/// The upload's bytes: whole (200), or the one range asked for (206).
pub async fn download(state: &AppState, upload: &Upload, request: &HeaderMap) -> ApiResult<HttpResponse> {
    let etag = format!("\"{}\"", upload.sha256);
    if not_modified(request, &etag) {
        return Ok(HttpResponse::NotModified().insert_header((header::ETAG, etag)).finish());
    }
    let range = requested_range(request, upload.size)?;
    let stream = state.media.read(upload.id, range.clone()).await?;
    let mut response = match &range {
        Some(range) => {
            let mut partial = HttpResponse::PartialContent();
            let last = range.end - 1;
            partial.insert_header((header::CONTENT_RANGE, format!("bytes {}-{last}/{}", range.start, upload.size)));
            partial
        }
        None => HttpResponse::Ok(),
    };
    let length = range.map_or(upload.size, |range| range.end - range.start);
    Ok(headers(&mut response, upload, &etag).no_chunking(length).streaming(stream))
}

/// The thumbnail at `size`, made on the first request and read from storage after.
pub async fn thumbnail(
    state: &AppState,
    upload: &Upload,
    size: u32,
    viewer: UserId,
    request: &HeaderMap,
) -> ApiResult<HttpResponse> {
    if !is_inline_image(&upload.content_type) {
        return Err(ThumbnailError::NotAnImage(upload.content_type.clone()).into());
    }
    let etag = format!("\"{}-{size}\"", upload.sha256);
    let mut response = HttpResponse::Ok();
    response
        .insert_header((header::CACHE_CONTROL, "private, max-age=86400"))
        .insert_header((header::ETAG, etag.as_str()))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"));
    if not_modified(request, &etag) {
        return Ok(response.status(StatusCode::NOT_MODIFIED).finish());
    }
    let made = state.media.thumbnail(upload.id, &upload.content_type, size).await?;
    if made.made_now
        && let Err(gone) = state.store.upload_for_viewer(upload.id, viewer).await
    {
        // Erased while this was being made (its message deleted): the thumbnail goes too.
        state.media.erase(upload.id).await?;
        return Err(gone.into());
    }
    Ok(response.content_type(made.content_type).body(made.bytes))
}

fn headers<'r>(response: &'r mut HttpResponseBuilder, upload: &Upload, etag: &str) -> &'r mut HttpResponseBuilder {
    let disposition = if is_inline_image(&upload.content_type) { "inline" } else { "attachment" };
    response
        .content_type(upload.content_type.as_str())
        .insert_header((header::CONTENT_DISPOSITION, format!("{disposition}; {}", filename_params(&upload.name))))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CONTENT_SECURITY_POLICY, "sandbox; default-src 'none'"))
        .insert_header((header::CACHE_CONTROL, "private, max-age=3600"))
        .insert_header((header::ETAG, etag))
        .insert_header((header::ACCEPT_RANGES, "bytes"))
}

/// `filename="..."` (ASCII, quotes and backslashes replaced) and `filename*` (RFC 8187, UTF-8).
fn filename_params(name: &str) -> String {
    let ascii: String =
        name.chars().map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' { c } else { '_' }).collect();
    let mut encoded = String::new();
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    format!("filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// Whether `If-None-Match` names `etag` (or is `*`).
fn not_modified(request: &HeaderMap, etag: &str) -> bool {
    let Some(value) = request.get(header::IF_NONE_MATCH).and_then(|value| value.to_str().ok()) else {
        return false;
    };
    value.split(',').map(str::trim).any(|tag| tag == "*" || tag.trim_start_matches("W/") == etag)
}

/// The one byte range of a `Range: bytes=...` header, clipped to `size`. Anything else (several
/// ranges, another unit, nonsense) is ignored and the whole file served, as RFC 9110 allows; a
/// range wholly past the end is 416.
fn requested_range(request: &HeaderMap, size: u64) -> ApiResult<Option<Range<u64>>> {
    let Some(spec) = request.get(header::RANGE).and_then(|value| value.to_str().ok()) else {
        return Ok(None);
    };
    let Some(spec) = spec.trim().strip_prefix("bytes=") else {
        return Ok(None);
    };
    let Some((first, last)) = spec.trim().split_once('-').filter(|_| !spec.contains(',')) else {
        return Ok(None);
    };
    let (first, last) = (first.trim(), last.trim());
    let range = match (first.parse::<u64>(), last.parse::<u64>()) {
        (Ok(first), Ok(last)) if first <= last => first..last.saturating_add(1).min(size),
        (Ok(first), Err(_)) if last.is_empty() => first..size,
        (Err(_), Ok(suffix)) if first.is_empty() && suffix > 0 => size.saturating_sub(suffix)..size,
        (Err(_), Ok(0)) if first.is_empty() => return Err(ApiError::RangeNotSatisfiable { size }),
        _ => return Ok(None),
    };
    if range.start >= size {
        return Err(ApiError::RangeNotSatisfiable { size });
    }
    Ok(Some(range))
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::HeaderValue;

    fn range(value: &str, size: u64) -> Result<Option<Range<u64>>, u64> {
        let mut headers = HeaderMap::new();
        headers.insert(header::RANGE, HeaderValue::from_str(value).unwrap());
        requested_range(&headers, size).map_err(|error| match error {
            ApiError::RangeNotSatisfiable { size } => size,
            other => panic!("{other}"),
        })
    }

    #[test]
    fn ranges_are_clipped_or_refused() {
        assert_eq!(range("bytes=0-3", 10), Ok(Some(0..4)));
        assert_eq!(range("bytes=5-", 10), Ok(Some(5..10)));
        assert_eq!(range("bytes=-3", 10), Ok(Some(7..10)));
        assert_eq!(range("bytes=-30", 10), Ok(Some(0..10)));
        assert_eq!(range("bytes=8-100", 10), Ok(Some(8..10)));
        assert_eq!(range("bytes=10-", 10), Err(10));
        assert_eq!(range("bytes=-0", 10), Err(10));
        assert_eq!(range("bytes=0-1,3-4", 10), Ok(None));
        assert_eq!(range("items=0-1", 10), Ok(None));
        assert_eq!(range("bytes=4-2", 10), Ok(None));
    }

    #[test]
    fn names_are_quoted_safely() {
        assert_eq!(filename_params("a \"b\".pdf"), "filename=\"a _b_.pdf\"; filename*=UTF-8''a%20%22b%22.pdf");
        assert_eq!(filename_params("фото.png"), "filename=\"____.png\"; filename*=UTF-8''%D1%84%D0%BE%D1%82%D0%BE.png");
    }
}
