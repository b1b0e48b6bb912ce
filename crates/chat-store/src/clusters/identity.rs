//! Which cluster of the deployment a database is (`cluster_identity`): recorded the first time a
//! server opens it as that cluster, and checked on every start after. URLs listed in another
//! order, or one database named twice, would otherwise route chats to the wrong cluster, and
//! ids counted on one would be made again on another.

use crate::connection::pool::Store;
use crate::error::{StoreError, StoreResult};
use diesel::sql_types::SmallInt;
use diesel_async::RunQueryDsl;

/// Records `$1` unless a number is recorded, and answers the number recorded.
const CLAIM_SQL: &str = "
WITH claimed AS (
    INSERT INTO cluster_identity (number) VALUES ($1) ON CONFLICT (only_row) DO NOTHING RETURNING number
)
SELECT number FROM claimed UNION ALL SELECT number FROM cluster_identity";

#[derive(diesel::QueryableByName)]
struct Recorded {
    #[diesel(sql_type = SmallInt)]
    number: i16,
}

impl Store {
    /// Claims cluster number `number` for this database, or refuses if it is recorded as another.
    pub(crate) async fn claim_cluster_number(&self, number: usize) -> StoreResult<()> {
        let wanted = i16::try_from(number).map_err(|_| StoreError::Corrupt(format!("cluster {number} is too many")))?;
        let mut conn = self.conn().await?;
        let recorded: Vec<Recorded> = diesel::sql_query(CLAIM_SQL).bind::<SmallInt, _>(wanted).load(&mut conn).await?;
        match recorded.into_iter().next() {
            Some(Recorded { number: found }) if found != wanted => Err(StoreError::Corrupt(format!(
                "the database configured as cluster {number} is cluster {found} of this deployment: \
                 list DATABASE_URL and CHAT_CLUSTER_URLS in the order the clusters were first opened, each once"
            ))),
            _ => Ok(()),
        }
    }
}
