//! A dedicated connection that LISTENs for the server processes' notices (`notice.rs`). They are
//! only wake-ups and ephemera: the events table is the truth, so a dropped listener loses nothing
//! once it catches up.

use crate::connection::pool::Store;
use crate::error::{StoreError, StoreResult};
use crate::events::notice::{CHANNELS, Notice};
use diesel::sql_types::Text;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use futures_util::{Stream, StreamExt};

impl Store {
    /// Connects a connection of its own (outside the pool) and subscribes to every notice. The
    /// stream ends when the connection drops; the caller reconnects and catches up.
    pub async fn listen(&self) -> StoreResult<impl Stream<Item = Notice> + use<>> {
        let mut conn = AsyncPgConnection::establish(self.database_url())
            .await
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        let subscribe: String = CHANNELS.iter().map(|channel| format!("LISTEN {channel};")).collect();
        conn.batch_execute(&subscribe).await?;
        let stream = futures_util::stream::unfold(conn, |mut conn| async move {
            loop {
                let next = std::pin::pin!(conn.notifications_stream()).next().await;
                match next {
                    Some(Ok(heard)) => {
                        if let Some(notice) = Notice::decode(&heard.channel, &heard.payload) {
                            return Some((notice, conn));
                        }
                    }
                    _ => return None,
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
