//! Link previews: the `previews` consumer of the log queues a job where a message's first link
//! and the preview it shows differ (`planning`); workers claim the jobs, and the store keeps what
//! each fetch found and attaches it (`jobs`). The aggregate builder reads a message's preview with
//! the rest of it (`messages/aggregate.rs`). Fetching the page is the server's part, not this
//! crate's.

pub(crate) mod jobs;
pub(crate) mod planning;

use crate::connection::pool::Store;
use crate::error::StoreResult;

impl Store {
    /// Queues preview jobs for the messages of up to `batch` published events; answers how many
    /// events it looked at (0: caught up, or another process is planning).
    pub async fn plan_link_previews(&self, batch: i64) -> StoreResult<usize> {
        self.consume_log(&planning::PreviewPlanner, batch).await
    }
}
