//! The event feed over plain HTTP: the WebSocket's frames, polled. For where a socket cannot stay
//! open; `event_stream` is the live way.

use crate::client::{Call, Client};
use crate::error::ClientResult;
use chat_domain::{EventFeed, Since};
use reqwest::Method;

impl Client {
    /// Up to `limit` (1 to 1000, default 100) of the caller's events after `since` (0: from the
    /// log's start, a resync once events were pruned); continue from the answer's `resume` (`text.parse()` makes a `Since` of a
    /// token kept as text). If `resync_required`, reload over REST first.
    pub async fn events(&self, since: impl Into<Since>, limit: Option<u32>) -> ClientResult<EventFeed> {
        let since = since.into();
        let limit = limit.map(|limit| format!("&limit={limit}")).unwrap_or_default();
        self.fetch(Call::repeatable(Method::GET, format!("/events?since={since}{limit}"))).await
    }
}
