//! Users' rows on the clusters whose chats name them (docs/ARCHITECTURE.md, "Spreading chats over
//! several clusters"): a shard's statements read `users` inside their one statement (the
//! membership's foreign key, names, a direct chat's setting), so the rows of the users a chat
//! names are copied there from the directory before the chat is made or the member added. A
//! copy never holds a password hash: nobody logs in on a copy.

use super::Clusters;
use crate::chats::members::MemberAddition;
use crate::connection::pool::Store;
use crate::error::StoreResult;
use chat_domain::{ChatId, Role, UserId};
use diesel::sql_types::{Array, BigInt, Jsonb};
use diesel_async::RunQueryDsl;

/// The users `$1` and the owners of any bots among them, as one JSON array of rows, without
/// their password hashes.
const READ_SQL: &str = "
SELECT COALESCE(jsonb_agg(to_jsonb(u) || jsonb_build_object('password_hash', '')), '[]'::jsonb) AS rows
  FROM users u
 WHERE u.id = ANY($1) OR u.id IN (SELECT bot_owner_id FROM users WHERE id = ANY($1))";

/// Upserts the rows `$1` (as `READ_SQL` gave them). What a shard's statements read is brought up
/// to the directory's; a bot's owner, in the same statement, satisfies its foreign key.
const COPY_SQL: &str = "
INSERT INTO users SELECT * FROM jsonb_populate_recordset(NULL::users, $1)
ON CONFLICT (id) DO UPDATE
   SET username = EXCLUDED.username, display_name = EXCLUDED.display_name, is_bot = EXCLUDED.is_bot,
       bot_owner_id = EXCLUDED.bot_owner_id, deleted_at = EXCLUDED.deleted_at, direct_chats = EXCLUDED.direct_chats";

#[derive(diesel::QueryableByName)]
struct Rows {
    #[diesel(sql_type = Jsonb)]
    rows: serde_json::Value,
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
        let cluster = self.of_chat(chat);
        self.copy_users_to(cluster, &[user]).await?;
        cluster.add_member(chat, actor, user, role).await
    }

    /// Copies `users` (and their bots' owners) from the directory to `cluster`, unless it is the
    /// directory.
    pub(super) async fn copy_users_to(&self, cluster: &Store, users: &[UserId]) -> StoreResult<()> {
        if std::ptr::eq(cluster, self.directory()) {
            return Ok(());
        }
        let ids: Vec<i64> = users.iter().map(|user| user.0).collect();
        let mut from = self.directory().conn().await?;
        let Rows { rows } = diesel::sql_query(READ_SQL).bind::<Array<BigInt>, _>(&ids).get_result(&mut from).await?;
        drop(from);
        let mut to = cluster.conn().await?;
        diesel::sql_query(COPY_SQL).bind::<Jsonb, _>(&rows).execute(&mut to).await?;
        Ok(())
    }
}
