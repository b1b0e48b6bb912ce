//! Presence across server processes: each holds a row per user it has WebSockets open for (the
//! processes themselves: `server_processes.rs`). Joins and leaves of one user take that user's
//! advisory lock, so two processes never both see themselves as first or last.

use crate::connection::advisory_locks::AdvisoryLock;
use crate::connection::pool::Store;
use crate::connection::prepared::{Bind, Prepared, StatementText, prepared, statement};
use crate::error::StoreResult;
use chat_domain::{ChatId, ChatScope, Presence, Timestamp, UserId};
use diesel::sql_types::{Array, BigInt, Bool, Double, Nullable, Timestamptz};
use diesel::{OptionalExtension, QueryableByName};
use diesel_async::methods::LoadQuery;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use std::collections::HashMap;
use std::time::Duration;
use time::OffsetDateTime;

/// Whether user `$1` has a row on a live process other than `$2` (live: beat within `$3` s).
macro_rules! elsewhere {
    () => {
        "EXISTS (SELECT 1 FROM presence_connections pc JOIN server_processes sp ON sp.id = pc.process_id
                  WHERE pc.user_id = $1 AND pc.process_id <> $2 AND sp.beat_at > now() - make_interval(secs => $3))"
    };
}

const JOIN_SQL: &str = concat!(
    "
WITH inserted AS (
    INSERT INTO presence_connections (user_id, process_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM inserted) AND NOT ",
    elsewhere!(),
    " AS changed, appear_offline, last_seen_at FROM users WHERE id = $1"
);
statement!(Join, JOIN_SQL);

const LEAVE_SQL: &str = concat!(
    "
WITH deleted AS (
    DELETE FROM presence_connections WHERE user_id = $1 AND process_id = $2 RETURNING 1
), last AS (
    SELECT EXISTS (SELECT 1 FROM deleted) AND NOT ",
    elsewhere!(),
    " AS went
), seen AS (
    UPDATE users SET last_seen_at = now() WHERE id = $1 AND (SELECT went FROM last) AND NOT appear_offline
    RETURNING last_seen_at
)
SELECT (SELECT went FROM last) AS changed, appear_offline,
       COALESCE((SELECT last_seen_at FROM seen), last_seen_at) AS last_seen_at FROM users WHERE id = $1"
);
statement!(Leave, LEAVE_SQL);

/// Users `$1` as `$3` sees them (live: beat within `$2` s): only themself and those sharing a
/// chat with `$3`, the one place this rule is.
///
/// A process counts as dead as soon as it has been silent for `$2` s, but its sweep (which writes
/// its users' `last_seen_at`) waits for another process's next beat. Until then a user whose rows
/// are only on dead processes reads as the sweep will leave them: last seen when the newest of
/// those last beat.
const PRESENCE_SQL: &str = "
SELECT u.id AS user_id, false AS changed, u.appear_offline,
       CASE WHEN rows.online OR u.appear_offline OR rows.dead_beat IS NULL THEN u.last_seen_at
            ELSE rows.dead_beat END AS last_seen_at,
       rows.online
  FROM users u
 CROSS JOIN LATERAL (
       SELECT COALESCE(bool_or(sp.beat_at > now() - make_interval(secs => $2)), false) AS online,
              max(sp.beat_at) FILTER (WHERE sp.beat_at <= now() - make_interval(secs => $2)) AS dead_beat
         FROM presence_connections pc JOIN server_processes sp ON sp.id = pc.process_id
        WHERE pc.user_id = u.id) rows
 WHERE u.id = ANY($1)
   AND (u.id = $3 OR EXISTS (SELECT 1 FROM chat_members a JOIN chat_members b ON b.chat_id = a.chat_id
                              WHERE a.user_id = $3 AND b.user_id = u.id
                                AND ($4::bigint[] IS NULL OR a.chat_id = ANY($4))))";
statement!(PresenceOf, PRESENCE_SQL);

/// Sets whether user `$1` appears offline; answers whether that changed.
const APPEAR_SQL: &str = "
UPDATE users SET appear_offline = $2 WHERE id = $1 AND appear_offline <> $2 RETURNING true AS yes";
statement!(AppearOffline, APPEAR_SQL);

/// The chats of user `$1` with at most `$2` members (each counted no further than `$2` + 1).
const CHATS_SQL: &str = "
SELECT cm.chat_id AS id FROM chat_members cm
 WHERE cm.user_id = $1
   AND (SELECT count(*) FROM (SELECT 1 FROM chat_members x WHERE x.chat_id = cm.chat_id LIMIT $2 + 1) m) <= $2";
statement!(ChatsOf, CHATS_SQL);

/// The one boolean a statement answers (`AS yes`).
#[derive(QueryableByName)]
pub(crate) struct Flag {
    #[diesel(sql_type = Bool)]
    pub yes: bool,
}

#[derive(QueryableByName)]
struct ChatRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

#[derive(QueryableByName)]
pub(crate) struct Change {
    #[diesel(sql_type = Bool)]
    changed: bool,
    #[diesel(sql_type = Bool)]
    appear_offline: bool,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    last_seen_at: Option<OffsetDateTime>,
}

#[derive(QueryableByName)]
struct PresenceRow {
    #[diesel(sql_type = BigInt)]
    user_id: i64,
    #[diesel(embed)]
    change: Change,
    #[diesel(sql_type = Bool)]
    online: bool,
}

pub(crate) fn seconds(duration: Duration) -> f64 {
    duration.as_secs_f64()
}

/// A transition of one user: their presence as others now see it, if it changed for them.
pub(crate) fn seen_change(change: Change, online: bool) -> Option<Presence> {
    let last_seen = change.last_seen_at.map(Timestamp::from);
    (change.changed && !change.appear_offline).then(|| Presence::seen(online, false, last_seen))
}

impl Store {
    /// `user` has a WebSocket open on `process` (its first there); answers their presence if they
    /// came online for others.
    pub async fn presence_join(&self, process: i64, user: UserId, live: Duration) -> StoreResult<Option<Presence>> {
        Ok(seen_change(self.transition::<Join>(process, user, live).await?, true))
    }

    /// `user` has no WebSocket open on `process` any more; answers their presence if they went
    /// offline for others.
    pub async fn presence_leave(&self, process: i64, user: UserId, live: Duration) -> StoreResult<Option<Presence>> {
        Ok(seen_change(self.transition::<Leave>(process, user, live).await?, false))
    }

    /// Runs a join or leave statement under `user`'s lock.
    async fn transition<S: StatementText>(&self, process: i64, user: UserId, live: Duration) -> StoreResult<Change>
    where
        for<'a> Prepared<S, Bind<Double, f64, Bind<BigInt, i64, Bind<BigInt, i64, ()>>>>:
            LoadQuery<'a, AsyncPgConnection, Change>,
    {
        let mut conn = self.conn().await?;
        conn.transaction(async |conn| {
            AdvisoryLock::Presence { user: user.0 }.take(conn).await?;
            let statement = prepared::<S>().bind::<BigInt, _>(user.0).bind::<BigInt, _>(process);
            Ok(statement.bind::<Double, _>(seconds(live)).get_result::<Change>(conn).await?)
        })
        .await
    }

    /// Sets whether `user` appears offline; answers whether that changed anything.
    pub async fn set_appear_offline(&self, user: UserId, appear_offline: bool) -> StoreResult<bool> {
        let mut conn = self.conn().await?;
        let set = prepared::<AppearOffline>().bind::<BigInt, _>(user.0).bind::<Bool, _>(appear_offline);
        Ok(set.get_committed::<Flag>(&mut conn).await.optional()?.is_some())
    }

    /// The chats `user` is in that have at most `members` members: those whose members are told
    /// when their presence changes.
    pub async fn small_chats_of(&self, user: UserId, members: i64) -> StoreResult<Vec<ChatId>> {
        let mut conn = self.conn().await?;
        let chats = prepared::<ChatsOf>().bind::<BigInt, _>(user.0).bind::<BigInt, _>(members);
        let rows: Vec<ChatRow> = chats.load(&mut conn).await?;
        Ok(rows.into_iter().map(|row| ChatId(row.id)).collect())
    }

    /// `users` as `viewer` sees them through a token reaching `scope`: only `viewer` and those
    /// who share a chat of the scope with them are in the answer (a token limited to one chat
    /// learns nothing of the people of the viewer's other chats).
    pub async fn presence_of(
        &self,
        viewer: UserId,
        scope: &ChatScope,
        users: &[UserId],
        live: Duration,
    ) -> StoreResult<HashMap<UserId, Presence>> {
        let ids: Vec<i64> = users.iter().map(|user| user.0).collect();
        let chats: Option<Vec<i64>> = scope.chats().map(|chats| chats.into_iter().map(|chat| chat.0).collect());
        let mut conn = self.conn().await?;
        let query = prepared::<PresenceOf>().bind::<Array<BigInt>, _>(&ids).bind::<Double, _>(seconds(live));
        let query = query.bind::<BigInt, _>(viewer.0).bind::<Nullable<Array<BigInt>>, _>(chats);
        let rows: Vec<PresenceRow> = query.load(&mut conn).await?;
        Ok(rows
            .into_iter()
            .map(|row| {
                let last_seen = row.change.last_seen_at.map(Timestamp::from);
                (UserId(row.user_id), Presence::seen(row.online, row.change.appear_offline, last_seen))
            })
            .collect())
    }
}
