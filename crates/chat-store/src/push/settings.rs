//! A member's notification level and mute per chat (`NULL` in the row: the chat kind's default).

use crate::connection::pool::Store;
use crate::connection::prepared::{prepared, statement};
use crate::error::{StoreError, StoreResult};
use chat_domain::{ChatId, DomainError, NotificationLevel, NotificationSetting, Resource, Timestamp, UserId};
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamptz};
use diesel_async::RunQueryDsl;
use time::OffsetDateTime;

/// The level in force when a member chose none: every message in a direct chat, mentions in a
/// group. The planner's statement (`planning.rs`) spells the same rule in SQL.
macro_rules! effective_level {
    ($member:literal, $chat:literal) => {
        concat!(
            "COALESCE(",
            $member,
            ".notification_level, CASE ",
            $chat,
            ".kind WHEN 'direct' THEN 'all' ELSE 'mentions' END)"
        )
    };
}
pub(crate) use effective_level;

statement!(
    ReadSetting,
    concat!(
        "SELECT ",
        effective_level!("m", "c"),
        " AS level, m.muted_until FROM chat_members m JOIN chats c ON c.id = m.chat_id
         WHERE m.chat_id = $1 AND m.user_id = $2"
    )
);

statement!(
    WriteSetting,
    concat!(
        "UPDATE chat_members m SET notification_level = $3, muted_until = $4 FROM chats c
         WHERE c.id = m.chat_id AND m.chat_id = $1 AND m.user_id = $2
         RETURNING ",
        effective_level!("m", "c"),
        " AS level, m.muted_until"
    )
);

#[derive(QueryableByName)]
struct SettingRow {
    #[diesel(sql_type = Text)]
    level: String,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    muted_until: Option<OffsetDateTime>,
}

impl SettingRow {
    fn into_setting(self) -> StoreResult<NotificationSetting> {
        let level: NotificationLevel =
            self.level.parse().map_err(|()| StoreError::Corrupt(format!("notification level {:?}", self.level)))?;
        Ok(NotificationSetting { level, muted_until: self.muted_until.map(Timestamp) })
    }
}

impl Store {
    /// `user`'s notification setting in `chat`; a chat they are not in is not found.
    pub async fn notification_setting(&self, chat: ChatId, user: UserId) -> StoreResult<NotificationSetting> {
        let mut conn = self.conn().await?;
        let rows: Vec<SettingRow> =
            prepared::<ReadSetting>().bind::<BigInt, _>(chat.0).bind::<BigInt, _>(user.0).load(&mut conn).await?;
        rows.into_iter().next().ok_or(DomainError::NotFound(Resource::Chat))?.into_setting()
    }

    /// Sets `user`'s notification setting in `chat` (a member only), and answers it.
    pub async fn set_notification_setting(
        &self,
        chat: ChatId,
        user: UserId,
        setting: NotificationSetting,
    ) -> StoreResult<NotificationSetting> {
        let mut conn = self.conn().await?;
        // `load` reads up to the statement's ReadyForQuery, so the answer follows the commit.
        let rows: Vec<SettingRow> = prepared::<WriteSetting>()
            .bind::<BigInt, _>(chat.0)
            .bind::<BigInt, _>(user.0)
            .bind::<Text, _>(setting.level.as_str())
            .bind::<Nullable<Timestamptz>, _>(setting.muted_until.map(|at| at.0))
            .load(&mut conn)
            .await?;
        rows.into_iter().next().ok_or(DomainError::NotFound(Resource::Chat))?.into_setting()
    }
}
