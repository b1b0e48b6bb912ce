//! Fetching a link's page and its picture, through the one outbound client (`chat-outbound`):
//! public addresses only (on every redirect too, a few of which are followed), no proxy, the
//! operator's timeout, and at most `max_page_bytes` of HTML; only `text/html` is read. The picture
//! is stored as an upload of the message's author if it is a raster image the bytes confirm,
//! within the upload limit. Nothing here logs an address: what users link to is theirs.

use super::page::summarize;
use crate::config::PreviewConfig;
use crate::uploads::{UploadTarget, receive};
use chat_domain::link_preview::PageSummary;
use chat_domain::upload::{INLINE_IMAGE_TYPES, is_inline_image};
use chat_domain::{UploadId, UserId};
use chat_outbound::{Outbound, OutboundError};
use url::Url;

/// Redirects followed from a link to its page, and from a picture's address to its bytes.
const REDIRECTS: usize = 3;
const PAGE_TYPES: [&str; 2] = ["text/html", "application/xhtml+xml"];

/// What fetching a link came to.
#[derive(Debug)]
pub enum Fetched {
    /// The page, with its picture if one was stored.
    Page(PageSummary, Option<UploadId>),
    /// Nothing to show: refused, not a page, too large, an error answer, or a page saying nothing.
    Nothing,
    /// The network failed (a timeout, a refused connection, a 5xx or 429): worth another try.
    Failed(OutboundError),
}

#[derive(Debug)]
pub struct Fetcher {
    pub outbound: Outbound,
    pub config: PreviewConfig,
}

impl Fetcher {
    /// Fetches `link`'s page and stores its picture as `author`'s upload.
    pub async fn fetch(&self, link: &str, author: UserId, uploads: UploadTarget<'_>) -> Fetched {
        let Ok(url) = Url::parse(link) else { return Fetched::Nothing };
        let accept = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1";
        let (page_url, answer) = match self.outbound.get(&url, accept, self.config.max_page_bytes, REDIRECTS).await {
            Ok(fetched) => fetched,
            Err(error) if error.is_transient() => return Fetched::Failed(error),
            Err(_) => return Fetched::Nothing,
        };
        if answer.status == 429 || answer.status >= 500 {
            return Fetched::Failed(OutboundError::Network(format!("the page answered {}", answer.status)));
        }
        let is_page = answer.media_type().is_some_and(|media_type| PAGE_TYPES.contains(&media_type.as_str()));
        if !answer.is_success() || answer.truncated || !is_page {
            return Fetched::Nothing;
        }
        let summary = summarize(&answer.body, answer.charset().as_deref());
        if !summary.is_worth_showing() {
            return Fetched::Nothing;
        }
        let picture = match summary.image_url.as_deref().and_then(|image| page_url.join(image).ok()) {
            Some(image_url) => self.store_picture(&image_url, author, uploads).await,
            None => None,
        };
        Fetched::Page(summary, picture)
    }

    /// Stores the picture at `url` as `author`'s upload, if it is a raster image within the
    /// upload limit; any failure leaves the preview without one (and stores nothing).
    async fn store_picture(&self, url: &Url, author: UserId, uploads: UploadTarget<'_>) -> Option<UploadId> {
        let limit = usize::try_from(uploads.limits.max_bytes).unwrap_or(usize::MAX);
        let accept = INLINE_IMAGE_TYPES.join(",");
        let (_, answer) = self.outbound.get(url, &accept, limit, REDIRECTS).await.ok()?;
        let claimed = answer.media_type().filter(|media_type| is_inline_image(media_type))?;
        if !answer.is_success() || answer.truncated || answer.body.is_empty() {
            return None;
        }
        let name = url.path_segments().and_then(|mut segments| segments.next_back()).filter(|name| !name.is_empty());
        let body = futures_util::stream::iter([Ok::<_, std::convert::Infallible>(answer.body)]);
        match receive(uploads, author, None, Some(name.unwrap_or("picture")), Some(&claimed), body).await {
            Ok(received) => Some(received.upload.id),
            Err(error) => {
                tracing::debug!(%error, "a link preview's picture was not stored");
                None
            }
        }
    }
}
