//! The browser client (crate `chat-web`) at `/`: its files with their types, revalidated by ETag,
//! under a Content-Security-Policy that allows nothing but the page's own files and this server.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use chat_web::{ASSETS, Asset};
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

/// Scripts, styles and connections (REST and the WebSocket) to this origin only; the one worker is
/// the client's own service worker (push notifications); no inline code, no framing, no plugins.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    connect-src 'self'; img-src 'self' data:; worker-src 'self'; base-uri 'none'; form-action 'self'; \
    frame-ancestors 'none'";

/// Registers every file of the client at its path.
pub fn configure(config: &mut web::ServiceConfig) {
    for asset in ASSETS {
        config.service(web::resource(asset.path).route(web::get().to(serve)));
    }
}

/// A strong ETag per file, from its bytes: computed once.
fn etag(asset: &Asset) -> &'static str {
    static TAGS: OnceLock<Vec<String>> = OnceLock::new();
    let tags = TAGS.get_or_init(|| {
        ASSETS.iter().map(|asset| format!("\"{}\"", hex::encode(&Sha256::digest(asset.bytes)[..12]))).collect()
    });
    ASSETS
        .iter()
        .position(|candidate| candidate.path == asset.path)
        .and_then(|at| tags.get(at))
        .map_or("", String::as_str)
}

async fn serve(req: HttpRequest) -> HttpResponse {
    let Some(asset) = chat_web::asset(req.path()) else { return HttpResponse::NotFound().finish() };
    let tag = etag(asset);
    let fresh = req.headers().get(header::IF_NONE_MATCH).and_then(|value| value.to_str().ok()) == Some(tag);
    let mut response = if fresh { HttpResponse::NotModified() } else { HttpResponse::Ok() };
    response
        .insert_header((header::ETAG, tag))
        // Always revalidate: a new server version's files are seen at once, unchanged ones cost a 304.
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-cache")))
        .insert_header((header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY)))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .insert_header((header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")));
    if fresh {
        return response.finish();
    }
    response.content_type(asset.content_type).body(asset.bytes)
}
