//! A dedicated connection that LISTENs for the server processes' notices (`notice.rs`). They are
//! only wake-ups and ephemera: the events table is the truth, so a dropped listener loses nothing
//! once it catches up. A connection that hears nothing for the bounded wait sends a `SELECT 1`
//! that must be answered within it: a listener on a hung node would otherwise wait forever.

use crate::connection::pool::Store;
use crate::error::{StoreError, StoreResult};
use crate::events::notice::{CHANNELS, Notice};
use diesel::sql_types::Text;
use diesel_async::{RunQueryDsl, SimpleAsyncConnection};
use futures_util::{Stream, StreamExt};

impl Store {
    /// Connects a connection of its own (outside the pool) and subscribes to every notice. The
    /// stream ends when the connection drops or stops answering; the caller reconnects and
    /// catches up.
    pub async fn listen(&self) -> StoreResult<impl Stream<Item = Notice> + use<>> {
        let wait = self.connector().wait();
        let mut conn = self.connector().unbounded().await.map_err(|e| StoreError::Unavailable(e.to_string()))?;
        let subscribe: String = CHANNELS.iter().map(|channel| format!("LISTEN {channel};")).collect();
        match tokio::time::timeout(wait, conn.batch_execute(&subscribe)).await {
            Ok(subscribed) => subscribed?,
            Err(_) => return Err(StoreError::Unavailable(format!("LISTEN got no answer within {wait:?}"))),
        }
        let stream = futures_util::stream::unfold(conn, move |mut conn| async move {
            loop {
                let next = tokio::time::timeout(wait, std::pin::pin!(conn.notifications_stream()).next()).await;
                match next {
                    Ok(Some(Ok(heard))) => {
                        if let Some(notice) = Notice::decode(&heard.channel, &heard.payload) {
                            return Some((notice, conn));
                        }
                    }
                    // Quiet: is the node still there? (Dropping the connection closes it.)
                    Err(_) => {
                        let answered = tokio::time::timeout(wait, conn.batch_execute("SELECT 1")).await;
                        if !matches!(answered, Ok(Ok(()))) {
                            tracing::warn!(?wait, "the event listener's database stopped answering");
                            return None;
                        }
                    }
                    Ok(_) => return None,
                }
            }
        });
        Ok(stream)
    }

    /// Sends `notice` to every server process (this one included).
    pub async fn notify(&self, notice: &Notice) -> StoreResult<()> {
        let (channel, payload) = notice.encode();
        let mut conn = self.conn().await?;
        diesel::sql_query("SELECT pg_notify($1, $2)")
            .bind::<Text, _>(channel)
            .bind::<Text, _>(payload)
            .execute(&mut conn)
            .await?;
        Ok(())
    }
}
