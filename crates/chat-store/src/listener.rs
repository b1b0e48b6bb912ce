//! A dedicated connection that LISTENs for the server processes' wake-ups. Notifications are only
//! wake-ups: the events table is the truth, so a dropped listener loses nothing once it catches up.

use crate::error::{StoreError, StoreResult};
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use futures_util::{Stream, StreamExt};

/// Channel for "new seqs were published"; the payload is the newest seq.
pub const EVENTS_PUBLISHED: &str = "chat_events_published";
/// Channel for typing indicators, which are never stored.
pub const TYPING: &str = "chat_typing";
/// Channel for presence changes (`{"user_id", "status", "last_seen_at"}`), which are never stored.
pub const PRESENCE: &str = "chat_presence";
/// Channel for revoked tokens (the payload is the token hash in hex), which every process forgets.
pub const TOKENS_REVOKED: &str = "chat_tokens_revoked";

/// A notification received by the listener.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notification {
    pub channel: String,
    pub payload: String,
}

/// Connects and subscribes to every channel above. The stream ends when the connection drops;
/// the caller reconnects and catches up.
pub async fn listen(database_url: &str) -> StoreResult<impl Stream<Item = Notification>> {
    let mut conn =
        AsyncPgConnection::establish(database_url).await.map_err(|e| StoreError::Unavailable(e.to_string()))?;
    let channels = format!("LISTEN {EVENTS_PUBLISHED}; LISTEN {TYPING}; LISTEN {PRESENCE}; LISTEN {TOKENS_REVOKED};");
    conn.batch_execute(&channels).await?;
    let stream = futures_util::stream::unfold(conn, |mut conn| async move {
        let next = std::pin::pin!(conn.notifications_stream()).next().await;
        match next {
            Some(Ok(notification)) => {
                let item = Notification { channel: notification.channel, payload: notification.payload };
                Some((item, conn))
            }
            _ => None,
        }
    });
    Ok(stream)
}
