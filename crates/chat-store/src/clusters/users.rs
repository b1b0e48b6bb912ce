//! Users' rows on the clusters whose chats name them (docs/ARCHITECTURE.md, "Spreading chats over
//! several clusters"): a shard's statements read `users` and `user_blocks` inside their one
//! statement (the membership's foreign key, names, a direct chat's setting, blocks), so the rows of
//! the users a chat names are copied there from the directory before the chat is made or the
//! member added, and kept current after. A copy never holds a password hash: nobody logs in on a
//! copy.
//!
//! What a copy holds is versioned on the directory (`users.version`, counted by triggers on the
//! copied columns and on the user's blocks), and the directory records which cluster holds which
//! user at which version (`user_copies`). Copying is at least once and idempotent: a copy is
//! applied only over an older one, so two copies racing, or a late retry, never bring back an
//! older name or block; a cluster that was down is brought up to date when it answers again.

use super::Clusters;
use crate::chats::members::MemberAddition;
use crate::connection::advisory_locks::take_user_copy_locks;
use crate::error::{StoreError, StoreResult};
use chat_domain::{ChatBan, ChatId, Message, MessageId, Role, UserId};
use diesel::sql_types::{Array, BigInt, Jsonb, SmallInt};
use diesel_async::{AsyncConnection as _, RunQueryDsl, SimpleAsyncConnection as _};

/// The users of `copied` as one JSON array of rows, without their password hashes, each with the
/// ids of the users it blocks (`blocks`), all of them: the cluster keeps those it holds.
macro_rules! rows_of {
    ($copied:literal) => {
        concat!(
            "WITH copied AS (",
            $copied,
            ")
SELECT COALESCE(jsonb_agg(to_jsonb(u) || jsonb_build_object(
           'password_hash', '',
           'blocks', (SELECT COALESCE(jsonb_agg(b.blocked_id), '[]'::jsonb) FROM user_blocks b WHERE b.blocker_id = u.id))
           ORDER BY u.id),
       '[]'::jsonb) AS rows
  FROM users u
 WHERE u.id IN (SELECT id FROM copied)"
        )
    };
}

/// Records that cluster `$2` holds the users `$1` and their bots' owners (a row it already has is
/// kept: its versions say what it holds). The rows are locked for a moment, so that a change in
/// flight commits first and is counted into `wanted_version`, or comes after and finds the record.
const RECORD_SQL: &str = "
INSERT INTO user_copies (user_id, cluster, wanted_version)
SELECT u.id, $2, u.version FROM users u
 WHERE u.id = ANY($1) OR u.id IN (SELECT bot_owner_id FROM users WHERE id = ANY($1))
   FOR SHARE
ON CONFLICT (user_id, cluster) DO NOTHING";

/// New copies of `$1` on cluster `$2`: the users and their bots' owners.
const NEW_COPIES_SQL: &str = rows_of!(
    "SELECT id FROM users WHERE id = ANY($1)
     UNION SELECT bot_owner_id FROM users WHERE id = ANY($1) AND bot_owner_id IS NOT NULL"
);

/// The users with a copy on cluster `$2` who block one of `$1`: their blocks of a user the cluster
/// did not hold were left out there. Read once `$1` are applied, so that a blocker recorded
/// meanwhile, whose own copy left the block out, is found here.
const BLOCKERS_SQL: &str = rows_of!(
    "SELECT b.blocker_id FROM user_blocks b
       JOIN user_copies held ON held.user_id = b.blocker_id AND held.cluster = $2
      WHERE b.blocked_id = ANY($1)"
);

/// Up to `$2` users whose copies on cluster `$1` are older than the directory's.
const STALE_COPIES_SQL: &str = rows_of!(
    "SELECT user_id AS id FROM user_copies
      WHERE cluster = $1 AND copied_version < wanted_version
      ORDER BY user_id LIMIT $2"
);

/// Applies the rows `$1` (as `rows_of!` gives them) on a cluster, each only over an older copy
/// (or none); its blocks replace the copy's when newer, and are added to them when of the same
/// version (what was left out for want of the blocked user's row, and is there now). A bot's
/// owner, and a blocked user copied in the same rows, satisfy their foreign keys: those are
/// checked at the statement's end.
const APPLY_SQL: &str = "
WITH incoming AS (SELECT * FROM jsonb_populate_recordset(NULL::users, $1)),
     blocks AS (
         SELECT (r->>'id')::bigint AS blocker_id, (b #>> '{}')::bigint AS blocked_id
           FROM jsonb_array_elements($1) r, jsonb_array_elements(r->'blocks') b),
     compared AS (
         SELECT i.id, i.version AS version, held.version AS held
           FROM incoming i LEFT JOIN users held ON held.id = i.id),
     upserted AS (
         INSERT INTO users SELECT * FROM incoming
          WHERE id IN (SELECT id FROM compared WHERE held IS NULL OR held < version)
         ON CONFLICT (id) DO UPDATE
            SET username = EXCLUDED.username, display_name = EXCLUDED.display_name, is_bot = EXCLUDED.is_bot,
                bot_owner_id = EXCLUDED.bot_owner_id, deleted_at = EXCLUDED.deleted_at,
                direct_chats = EXCLUDED.direct_chats, version = EXCLUDED.version
          WHERE users.version < EXCLUDED.version
         RETURNING id),
     unblocked AS (
         DELETE FROM user_blocks gone USING compared c
          WHERE gone.blocker_id = c.id AND c.held < c.version
            AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.blocker_id = gone.blocker_id AND b.blocked_id = gone.blocked_id)
         RETURNING 1),
     blocked AS (
         INSERT INTO user_blocks (blocker_id, blocked_id)
         SELECT b.blocker_id, b.blocked_id FROM blocks b JOIN compared c ON c.id = b.blocker_id
          WHERE (c.held IS NULL OR c.held <= c.version)
            AND (EXISTS (SELECT 1 FROM users WHERE id = b.blocked_id) OR b.blocked_id IN (SELECT id FROM incoming))
         ON CONFLICT DO NOTHING
         RETURNING 1)
SELECT (SELECT count(*) FROM upserted) + (SELECT count(*) FROM unblocked) + (SELECT count(*) FROM blocked) AS changed";

/// In the direct chats of the users `$1` on a cluster, a member the other member blocks may not
/// post (what `block_user` keeps on the directory, kept here from the copied blocks).
const MAY_POST_SQL: &str = "
UPDATE chat_members member SET may_post = NOT should.blocked
  FROM (SELECT m.chat_id, m.user_id,
               EXISTS (SELECT 1 FROM user_blocks b
                         JOIN chat_members other ON other.chat_id = m.chat_id AND other.user_id = b.blocker_id
                        WHERE b.blocked_id = m.user_id) AS blocked
          FROM chat_members m JOIN chats c ON c.id = m.chat_id AND c.kind = 'direct'
         WHERE m.chat_id IN (SELECT chat_id FROM chat_members WHERE user_id = ANY($1))) should
 WHERE member.chat_id = should.chat_id AND member.user_id = should.user_id AND member.may_post = should.blocked";

/// Records on the directory the versions cluster `$2` now holds of the rows `$1`.
const COPIED_SQL: &str = "
UPDATE user_copies held SET copied_version = r.version
  FROM (SELECT (r->>'id')::bigint AS id, (r->>'version')::bigint AS version FROM jsonb_array_elements($1) r) r
 WHERE held.user_id = r.id AND held.cluster = $2 AND held.copied_version < r.version";

#[derive(diesel::QueryableByName)]
struct Rows {
    #[diesel(sql_type = Jsonb)]
    rows: serde_json::Value,
}

/// What bringing the copies up to date did.
#[derive(Debug, Default)]
pub struct CopiesBrought {
    /// Users whose copies were brought up to date, over every cluster.
    pub users: usize,
    /// The clusters that could not be brought up to date this time, by number, and why.
    pub failed: Vec<(usize, StoreError)>,
}

impl Clusters {
    /// `Store::add_member` on the chat's cluster, `user`'s row copied there first.
    pub async fn add_member(
        &self,
        chat: ChatId,
        actor: UserId,
        user: UserId,
        role: Role,
    ) -> StoreResult<MemberAddition> {
        let cluster = self.cluster_number_of_chat(chat);
        self.copy_users_to(cluster, &[user]).await?;
        self.of_chat(chat).add_member(chat, actor, user, role).await
    }

    /// `Store::ban_member` on the chat's cluster, `user`'s row copied there first: one may ban
    /// someone before they are ever added, who the cluster may not hold yet.
    pub async fn ban_member(
        &self,
        chat: ChatId,
        actor: UserId,
        user: UserId,
        reason: Option<String>,
    ) -> StoreResult<ChatBan> {
        self.copy_users_to(self.cluster_number_of_chat(chat), &[user]).await?;
        self.of_chat(chat).ban_member(chat, actor, user, reason).await
    }

    /// `Store::delete_message` by a server moderator on the message's cluster, the moderator's
    /// row copied there first (the deletion's audit row names them; a moderator is often in none
    /// of that cluster's chats). A message made before ids named their shard is on the directory.
    pub async fn delete_message_as_moderator(
        &self,
        message: MessageId,
        moderator: UserId,
        reason: Option<&str>,
    ) -> StoreResult<Message> {
        let cluster = self.layout.shard_of_message(message).map_or(0, |shard| usize::from(self.map.cluster_of(shard)));
        self.copy_users_to(cluster, &[moderator]).await?;
        self.stores[cluster].delete_message(message, moderator, true, reason).await
    }

    /// Brings every copy older than the directory's up to date, on every other cluster, `batch`
    /// users at a time; a cluster that fails is named and the others go on. At least once and
    /// idempotent, so several processes may run it at once (they then do the same work twice).
    pub async fn bring_copies_up_to_date(&self, batch: i64) -> CopiesBrought {
        let mut brought = CopiesBrought::default();
        for cluster in 1..self.stores.len() {
            // One not prepared yet is brought up to date once it is.
            if !self.is_prepared(cluster) {
                continue;
            }
            loop {
                match self.bring_stale_copies(cluster, batch).await {
                    Ok(count) => {
                        brought.users += count;
                        if count < usize::try_from(batch).unwrap_or(usize::MAX) {
                            break;
                        }
                    }
                    Err(error) => {
                        brought.failed.push((cluster, error));
                        break;
                    }
                }
            }
        }
        brought
    }

    /// Copies `users` (their bots' owners, and the blocks between them and the users already
    /// there) from the directory to cluster `cluster`, unless it is the directory.
    pub(super) async fn copy_users_to(&self, cluster: usize, users: &[UserId]) -> StoreResult<()> {
        if cluster == 0 {
            return Ok(());
        }
        let ids: Vec<i64> = users.iter().map(|user| user.0).collect();
        let number = cluster_number(cluster)?;
        let mut directory = self.directory().conn().await?;
        diesel::sql_query(RECORD_SQL)
            .bind::<Array<BigInt>, _>(&ids)
            .bind::<SmallInt, _>(number)
            .execute(&mut directory)
            .await?;
        drop(directory);
        self.apply_copies(cluster, self.rows_for(NEW_COPIES_SQL, &ids, number).await?).await?;
        let blockers = self.rows_for(BLOCKERS_SQL, &ids, number).await?;
        if blockers.as_array().is_some_and(|rows| !rows.is_empty()) {
            self.apply_copies(cluster, blockers).await?;
        }
        Ok(())
    }

    /// The rows `sql` (one of `rows_of!`'s, over users `$1` and cluster `$2`) reads on the
    /// directory.
    async fn rows_for(&self, sql: &str, ids: &[i64], number: i16) -> StoreResult<serde_json::Value> {
        let mut directory = self.directory().conn().await?;
        let Rows { rows } = diesel::sql_query(sql)
            .bind::<Array<BigInt>, _>(ids)
            .bind::<SmallInt, _>(number)
            .get_result(&mut directory)
            .await?;
        Ok(rows)
    }

    /// One batch of stale copies on `cluster`; answers how many users it held.
    async fn bring_stale_copies(&self, cluster: usize, batch: i64) -> StoreResult<usize> {
        let number = cluster_number(cluster)?;
        let mut directory = self.directory().conn().await?;
        let Rows { rows } = diesel::sql_query(STALE_COPIES_SQL)
            .bind::<SmallInt, _>(number)
            .bind::<BigInt, _>(batch)
            .get_result(&mut directory)
            .await?;
        drop(directory);
        let count = rows.as_array().map_or(0, Vec::len);
        if count > 0 {
            self.apply_copies(cluster, rows).await?;
        }
        Ok(count)
    }

    /// Applies `rows` on `cluster` in one transaction, then records on the directory what it holds.
    /// The transaction first takes the users' copy locks, in order: an apply of the same user by
    /// another process finishes first, and `APPLY_SQL`, a statement of its own, then compares
    /// with what that one wrote (in one statement with the locks, it would compare with what its
    /// snapshot held, and could write an older copy's blocks beside a newer copy's row). A
    /// deadlock with other writes on the cluster is tried again.
    async fn apply_copies(&self, cluster: usize, rows: serde_json::Value) -> StoreResult<()> {
        let mut ids: Vec<i64> = rows
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|row| row.get("id").and_then(serde_json::Value::as_i64))
            .collect();
        ids.sort_unstable();
        let mut conn = self.stores[cluster].conn().await?;
        let mut attempts = 0;
        loop {
            attempts += 1;
            let applied = conn
                .transaction::<_, StoreError, _>(async |conn| {
                    conn.batch_execute("SET LOCAL chat.applying_copies = 'on'").await?;
                    take_user_copy_locks(conn, &ids).await?;
                    diesel::sql_query(APPLY_SQL).bind::<Jsonb, _>(&rows).execute(conn).await?;
                    diesel::sql_query(MAY_POST_SQL).bind::<Array<BigInt>, _>(&ids).execute(conn).await?;
                    Ok(())
                })
                .await;
            match applied {
                Err(error) if attempts < 3 && is_contention(&error) => continue,
                applied => break applied?,
            }
        }
        drop(conn);
        let mut directory = self.directory().conn().await?;
        diesel::sql_query(COPIED_SQL)
            .bind::<Jsonb, _>(&rows)
            .bind::<SmallInt, _>(cluster_number(cluster)?)
            .execute(&mut directory)
            .await?;
        Ok(())
    }
}

fn cluster_number(cluster: usize) -> StoreResult<i16> {
    i16::try_from(cluster).map_err(|_| StoreError::Corrupt(format!("cluster {cluster} is past the map's numbers")))
}

/// A deadlock or a serialization failure: the transaction rolled back, and may be tried again.
fn is_contention(error: &StoreError) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    match error {
        StoreError::Database(Error::DatabaseError(DatabaseErrorKind::SerializationFailure, _)) => true,
        StoreError::Database(Error::DatabaseError(_, info)) => info.message().starts_with("deadlock detected"),
        _ => false,
    }
}
