//! Server processes as presence sees them: each registers and beats; one that stops beating is
//! swept by the others, and its users go offline.

use crate::connection::pool::Store;
use crate::connection::prepared::{prepared, statement};
use crate::error::StoreResult;
use crate::users::presence::{Change, Flag, seconds, seen_change};
use chat_domain::{Presence, UserId};
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Double};
use diesel_async::RunQueryDsl;
use std::time::Duration;

const REGISTER_SQL: &str = "INSERT INTO server_processes DEFAULT VALUES RETURNING id";
statement!(RegisterProcess, REGISTER_SQL);

/// Beats for process `$1`; registers it again (same id) if it was swept meanwhile.
const BEAT_SQL: &str = "
INSERT INTO server_processes (id) VALUES ($1) ON CONFLICT (id) DO UPDATE SET beat_at = now()
RETURNING (xmax = 0) AS yes";
statement!(Beat, BEAT_SQL);

/// Sweeps processes silent for `$1` s: their rows go, and their users who are left without a row
/// on a live process go offline, last seen when their process last beat.
const SWEEP_SQL: &str = "
WITH dead AS (
    DELETE FROM server_processes WHERE beat_at < now() - make_interval(secs => $1) RETURNING id, beat_at
), gone AS (
    DELETE FROM presence_connections pc USING dead WHERE pc.process_id = dead.id RETURNING pc.user_id, dead.beat_at
), offline AS (
    UPDATE users u SET last_seen_at = CASE WHEN u.appear_offline THEN u.last_seen_at ELSE g.at END
      FROM (SELECT user_id, max(beat_at) AS at FROM gone GROUP BY user_id) g
     WHERE u.id = g.user_id
       AND NOT EXISTS (SELECT 1 FROM presence_connections pc JOIN server_processes sp ON sp.id = pc.process_id
                        WHERE pc.user_id = g.user_id AND sp.id NOT IN (SELECT id FROM dead)
                          AND sp.beat_at >= now() - make_interval(secs => $1))
    RETURNING u.id, u.appear_offline, u.last_seen_at
)
SELECT id AS user_id, true AS changed, appear_offline, last_seen_at FROM offline";
statement!(Sweep, SWEEP_SQL);

#[derive(QueryableByName)]
struct ProcessRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

#[derive(QueryableByName)]
struct SweptRow {
    #[diesel(sql_type = BigInt)]
    user_id: i64,
    #[diesel(embed)]
    change: Change,
}

impl Store {
    /// Registers this server process; answers its id.
    pub async fn register_process(&self) -> StoreResult<i64> {
        let mut conn = self.conn().await?;
        Ok(prepared::<RegisterProcess>().get_committed::<ProcessRow>(&mut conn).await?.id)
    }

    /// Beats for `process`; `true` when it had been swept (its presence rows are gone).
    pub async fn beat(&self, process: i64) -> StoreResult<bool> {
        let mut conn = self.conn().await?;
        Ok(prepared::<Beat>().bind::<BigInt, _>(process).get_committed::<Flag>(&mut conn).await?.yes)
    }

    /// Sweeps the processes silent for longer than `live`; answers who went offline.
    pub async fn sweep_processes(&self, live: Duration) -> StoreResult<Vec<(UserId, Presence)>> {
        let mut conn = self.conn().await?;
        let rows: Vec<SweptRow> = prepared::<Sweep>().bind::<Double, _>(seconds(live)).load(&mut conn).await?;
        Ok(rows.into_iter().filter_map(|row| Some((UserId(row.user_id), seen_change(row.change, false)?))).collect())
    }
}
