//! Writing events inside the transaction of the change they describe, from the domain's typed
//! `Event`: its kind, its data and the users whose membership it changes. (The message events,
//! whose data is the message itself, are written by their one-statement writes in `messages.rs`
//! and `edits.rs`, with the kind bound from `EventKind` and the data serialised from the message.)

use crate::error::{StoreError, StoreResult};
use crate::schema::events;
use chat_domain::{ChatId, Event};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;

/// An event as its row stores it.
pub(crate) struct EventRecord {
    pub kind: &'static str,
    pub data: serde_json::Value,
    /// See `Event::membership_subjects`.
    pub member_ids: Vec<i64>,
}

/// `data` as the JSON an event row stores.
pub(crate) fn event_data(data: &impl Serialize) -> StoreResult<serde_json::Value> {
    serde_json::to_value(data).map_err(|error| StoreError::Corrupt(format!("event data: {error}")))
}

impl EventRecord {
    pub fn of(event: &Event) -> StoreResult<Self> {
        // `Event` is adjacently tagged: `{"type": kind, "data": data}`; the row keeps them apart.
        let mut tagged = event_data(event)?;
        let data = tagged.get_mut("data").map(serde_json::Value::take).unwrap_or_default();
        let member_ids = event.membership_subjects().into_iter().map(|user| user.0).collect();
        Ok(Self { kind: event.kind().as_str(), data, member_ids })
    }
}

/// Records an event; call it inside the change's transaction.
pub(crate) async fn record_event(conn: &mut AsyncPgConnection, chat: ChatId, event: &Event) -> StoreResult<()> {
    let record = EventRecord::of(event)?;
    diesel::insert_into(events::table)
        .values((
            events::chat_id.eq(chat.0),
            events::kind.eq(record.kind),
            events::data.eq(record.data),
            events::member_ids.eq(record.member_ids),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Records events of several chats in as few statements as the bind limit allows; call it inside
/// the change's transaction (a change that every chat of a user hears of).
pub(crate) async fn record_events(conn: &mut AsyncPgConnection, chat_events: &[(ChatId, Event)]) -> StoreResult<()> {
    // Four binds a row, under PostgreSQL's 65,535 a statement.
    const ROWS_A_STATEMENT: usize = 10_000;
    for chunk in chat_events.chunks(ROWS_A_STATEMENT) {
        let rows = chunk
            .iter()
            .map(|(chat, event)| {
                let record = EventRecord::of(event)?;
                Ok((
                    events::chat_id.eq(chat.0),
                    events::kind.eq(record.kind),
                    events::data.eq(record.data),
                    events::member_ids.eq(record.member_ids),
                ))
            })
            .collect::<StoreResult<Vec<_>>>()?;
        diesel::insert_into(events::table).values(&rows).execute(conn).await?;
    }
    Ok(())
}
