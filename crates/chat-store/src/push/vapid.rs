//! The server's one VAPID key pair, kept in the database so every process signs with it.

use crate::connection::pool::Store;
use crate::connection::prepared::{prepared, statement};
use crate::error::{StoreError, StoreResult};
use diesel::QueryableByName;
use diesel::sql_types::Bytea;
use diesel_async::RunQueryDsl;

statement!(OfferVapidKey, "INSERT INTO vapid_keys (private_key) VALUES ($1) ON CONFLICT DO NOTHING");
statement!(ReadVapidKey, "SELECT private_key FROM vapid_keys");

#[derive(QueryableByName)]
struct KeyRow {
    #[diesel(sql_type = Bytea)]
    private_key: Vec<u8>,
}

impl Store {
    /// The stored VAPID private key (32 bytes); `candidate` becomes it when none is stored yet.
    /// Processes starting together each offer their own, and all read back the one that won.
    pub async fn vapid_private_key(&self, candidate: &[u8]) -> StoreResult<Vec<u8>> {
        let mut conn = self.conn().await?;
        prepared::<OfferVapidKey>().bind::<Bytea, _>(candidate).execute(&mut conn).await?;
        // A statement of its own: its snapshot sees the row whichever process inserted it.
        let row: Option<KeyRow> = prepared::<ReadVapidKey>().load(&mut conn).await?.pop();
        row.map(|row| row.private_key).ok_or_else(|| StoreError::Corrupt("vapid_keys is empty after an insert".into()))
    }
}
