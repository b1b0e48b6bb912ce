//! Writing events inside the transaction of the change they describe.

use crate::error::{StoreError, StoreResult};
use crate::schema::events;
use chat_domain::{ChatId, EventKind};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;

/// `data` as the JSON an event row stores.
pub(crate) fn event_data(data: &impl Serialize) -> StoreResult<serde_json::Value> {
    serde_json::to_value(data).map_err(|error| StoreError::Corrupt(format!("event data: {error}")))
}

/// Records an event; call it inside the change's transaction.
pub(crate) async fn record_event(
    conn: &mut AsyncPgConnection,
    chat: ChatId,
    kind: EventKind,
    data: &impl Serialize,
) -> StoreResult<()> {
    diesel::insert_into(events::table)
        .values((events::chat_id.eq(chat.0), events::kind.eq(kind.as_str()), events::data.eq(event_data(data)?)))
        .execute(conn)
        .await?;
    Ok(())
}
