//! Registering, listing, re-enabling and revoking webhooks, and finding an incoming one by its
//! token's hash.

use crate::chats::members::add_member_in;
use crate::connection::pool::Store;
use crate::error::{StoreError, StoreResult};
use crate::users::bots::insert_bot;
use crate::webhooks::access::{ensure_admin, ensure_bot_of, ensure_manager};
use chat_domain::{ChatId, EventKind, Role, Timestamp, UserId, Webhook, WebhookId, WebhookKind, WebhookState};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Bytea, Nullable, Text, Timestamptz};
use diesel_async::{AsyncConnection, RunQueryDsl};
use time::OffsetDateTime;

/// An outgoing webhook to register: its URL already checked by the outbound client, its secret
/// made by the caller (the store keeps it to sign with; see the migration).
#[derive(Debug)]
pub struct OutgoingRegistration {
    pub url: String,
    pub secret: String,
    pub events: Vec<EventKind>,
    pub bot_id: Option<UserId>,
    pub mentions_only: bool,
    pub commands_only: bool,
    pub name: Option<String>,
}

/// An incoming webhook to create: the bot it will post as (made for it, owned by its creator,
/// a member of the chat), and its URL token's SHA-256.
#[derive(Debug)]
pub struct IncomingRegistration {
    pub bot_username: String,
    pub bot_display_name: String,
    pub token_hash: Vec<u8>,
    pub name: Option<String>,
}

/// An incoming webhook found by its token: where it posts and as whom.
#[derive(Clone, Copy, Debug)]
pub struct IncomingHook {
    pub id: WebhookId,
    pub chat_id: ChatId,
    pub bot_id: UserId,
}

#[derive(QueryableByName)]
pub(crate) struct WebhookRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = BigInt)]
    chat_id: i64,
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Nullable<Text>)]
    name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    url: Option<String>,
    #[diesel(sql_type = Array<Text>)]
    events: Vec<String>,
    #[diesel(sql_type = Nullable<BigInt>)]
    bot_id: Option<i64>,
    #[diesel(sql_type = Bool)]
    mentions_only: bool,
    #[diesel(sql_type = Bool)]
    commands_only: bool,
    #[diesel(sql_type = Text)]
    state: String,
    #[diesel(sql_type = BigInt)]
    created_by: i64,
    #[diesel(sql_type = Timestamptz)]
    created_at: OffsetDateTime,
}

/// The columns `WebhookRow` reads, for `RETURNING` and `SELECT` alike.
const COLUMNS: &str =
    "id, chat_id, kind, name, url, events, bot_id, mentions_only, commands_only, state, created_by, created_at";

impl WebhookRow {
    fn into_webhook(self) -> StoreResult<Webhook> {
        let corrupt = |what: &str, value: &str| StoreError::Corrupt(format!("webhook {what}: {value:?}"));
        Ok(Webhook {
            id: WebhookId(self.id),
            chat_id: ChatId(self.chat_id),
            kind: self.kind.parse::<WebhookKind>().map_err(|()| corrupt("kind", &self.kind))?,
            name: self.name,
            url: self.url,
            events: self.events,
            bot_id: self.bot_id.map(UserId),
            mentions_only: self.mentions_only,
            commands_only: self.commands_only,
            state: self.state.parse::<WebhookState>().map_err(|()| corrupt("state", &self.state))?,
            created_by: UserId(self.created_by),
            created_at: Timestamp::from(self.created_at),
        })
    }
}

impl Store {
    /// Registers an outgoing webhook in `chat`: by an admin, or (with `bot_id`) by the bot or its
    /// owner while the bot is in the chat.
    pub async fn register_outgoing_webhook(
        &self,
        chat: ChatId,
        actor: UserId,
        registration: OutgoingRegistration,
    ) -> StoreResult<Webhook> {
        let mut conn = self.conn().await?;
        conn.transaction(async |conn| {
            match registration.bot_id {
                Some(bot) => ensure_bot_of(conn, chat, actor, bot).await?,
                None => ensure_admin(conn, chat, actor).await?,
            }
            let events: Vec<&str> = registration.events.iter().map(|kind| kind.as_str()).collect();
            let row = diesel::sql_query(format!(
                "INSERT INTO webhooks (chat_id, kind, created_by, bot_id, name, url, secret, events, mentions_only,
                                       commands_only)
                 VALUES ($1, 'outgoing', $2, $3, $4, $5, $6, $7, $8, $9) RETURNING {COLUMNS}"
            ))
            .bind::<BigInt, _>(chat.0)
            .bind::<BigInt, _>(actor.0)
            .bind::<Nullable<BigInt>, _>(registration.bot_id.map(|bot| bot.0))
            .bind::<Nullable<Text>, _>(registration.name.as_deref())
            .bind::<Text, _>(&registration.url)
            .bind::<Text, _>(&registration.secret)
            .bind::<Array<Text>, _>(&events)
            .bind::<Bool, _>(registration.mentions_only)
            .bind::<Bool, _>(registration.commands_only)
            .get_result::<WebhookRow>(conn)
            .await?;
            row.into_webhook()
        })
        .await
    }

    /// Creates an incoming webhook in `chat` (by an admin) with its bot, and adds the bot to the
    /// chat: one transaction, so a refusal or a failure leaves no bot behind.
    pub async fn create_incoming_webhook(
        &self,
        chat: ChatId,
        actor: UserId,
        registration: IncomingRegistration,
    ) -> StoreResult<Webhook> {
        self.write(async |conn| {
            ensure_admin(conn, chat, actor).await?;
            let bot = insert_bot(conn, actor, &registration.bot_username, &registration.bot_display_name).await?;
            add_member_in(conn, chat, actor, bot.id, Role::Member).await?;
            let row = diesel::sql_query(format!(
                "INSERT INTO webhooks (chat_id, kind, created_by, bot_id, name, token_hash)
                 VALUES ($1, 'incoming', $2, $3, $4, $5) RETURNING {COLUMNS}"
            ))
            .bind::<BigInt, _>(chat.0)
            .bind::<BigInt, _>(actor.0)
            .bind::<BigInt, _>(bot.id.0)
            .bind::<Nullable<Text>, _>(registration.name.as_deref())
            .bind::<Bytea, _>(&registration.token_hash)
            .get_result::<WebhookRow>(conn)
            .await?;
            row.into_webhook()
        })
        .await
    }

    /// The chat's webhooks that are not revoked, oldest first (admins only).
    pub async fn chat_webhooks(&self, chat: ChatId, actor: UserId) -> StoreResult<Vec<Webhook>> {
        let mut conn = self.conn().await?;
        ensure_admin(&mut conn, chat, actor).await?;
        let rows = diesel::sql_query(format!(
            "SELECT {COLUMNS} FROM webhooks WHERE chat_id = $1 AND revoked_at IS NULL ORDER BY id"
        ))
        .bind::<BigInt, _>(chat.0)
        .load::<WebhookRow>(&mut conn)
        .await?;
        rows.into_iter().map(WebhookRow::into_webhook).collect()
    }

    /// Revokes a webhook: nothing more is sent to it, its URL answers 404. Revoking it again is
    /// 404, like any webhook the actor cannot see.
    pub async fn revoke_webhook(&self, id: WebhookId, actor: UserId) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        conn.transaction(async |conn| {
            ensure_manager(conn, id.0, actor).await?;
            diesel::sql_query("UPDATE webhooks SET revoked_at = now() WHERE id = $1")
                .bind::<BigInt, _>(id.0)
                .execute(conn)
                .await?;
            Ok(())
        })
        .await
    }

    /// Sends to a `failing` webhook again (`enabled: true`), from its oldest waiting delivery,
    /// with a fresh round of retries; `enabled: false` stops sending, as failing does.
    pub async fn enable_webhook(&self, id: WebhookId, actor: UserId, enabled: bool) -> StoreResult<Webhook> {
        let mut conn = self.conn().await?;
        conn.transaction(async |conn| {
            ensure_manager(conn, id.0, actor).await?;
            if enabled {
                diesel::sql_query(
                    "UPDATE webhook_deliveries SET attempts = 0, next_attempt_at = now()
                      WHERE webhook_id = $1 AND state = 'pending'",
                )
                .bind::<BigInt, _>(id.0)
                .execute(conn)
                .await?;
            }
            let state = if enabled { WebhookState::Active } else { WebhookState::Failing };
            let row = diesel::sql_query(format!("UPDATE webhooks SET state = $2 WHERE id = $1 RETURNING {COLUMNS}"))
                .bind::<BigInt, _>(id.0)
                .bind::<Text, _>(state.as_str())
                .get_result::<WebhookRow>(conn)
                .await?;
            row.into_webhook()
        })
        .await
    }

    /// The incoming webhook whose token hashes to `token_hash`, unless revoked.
    pub async fn incoming_webhook(&self, token_hash: &[u8]) -> StoreResult<Option<IncomingHook>> {
        #[derive(QueryableByName)]
        struct Found {
            #[diesel(sql_type = BigInt)]
            id: i64,
            #[diesel(sql_type = BigInt)]
            chat_id: i64,
            #[diesel(sql_type = BigInt)]
            bot_id: i64,
        }
        let mut conn = self.conn().await?;
        let found = diesel::sql_query(
            "SELECT id, chat_id, bot_id FROM webhooks
              WHERE token_hash = $1 AND kind = 'incoming' AND revoked_at IS NULL
                AND EXISTS (SELECT 1 FROM users u WHERE u.id = webhooks.bot_id AND u.deleted_at IS NULL)",
        )
        .bind::<Bytea, _>(token_hash)
        .get_result::<Found>(&mut conn)
        .await
        .optional()?;
        Ok(found.map(|found| IncomingHook {
            id: WebhookId(found.id),
            chat_id: ChatId(found.chat_id),
            bot_id: UserId(found.bot_id),
        }))
    }
}
