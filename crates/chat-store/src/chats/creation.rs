//! Starting a chat: the chat, its first members and its `chat.created` event in one transaction,
//! honouring `Idempotency-Key` and the one-direct-chat-per-pair rule under concurrency.

use crate::chats::members::load_members;
use crate::connection::pool::Store;
use crate::error::{StoreError, StoreResult, unknown_user_on};
use crate::events::record::record_event;
use crate::idempotency::{EarlierAnswer, earlier_answer, ensure_still_member, request_fingerprint};
use crate::rows::{ChatRow, MemberRow};
use crate::schema::{chat_members, chats, idempotency_keys};
use crate::users::privacy::{direct_key, ensure_direct_chat_allowed, mark_blocked_members};
use chat_domain::{Chat, ChatKind, Event, IdempotencyKey, LogicalShard, MembershipChange, NewChat, Role, UserId};
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use time::OffsetDateTime;

/// What `create_chat` did.
#[derive(Debug)]
pub struct ChatCreation {
    pub chat: Chat,
    /// False when the pair's direct chat existed, or the request replays an earlier one.
    pub created: bool,
    /// The same `Idempotency-Key` and request came before; this is that chat.
    pub replayed: bool,
}

enum Outcome {
    Created(Chat),
    ExistingDirect(Chat),
    KeyTaken,
}

impl Store {
    /// Creates a chat with its members in one transaction. A key is claimed first, under its
    /// primary key, so concurrent retries create one chat; the pair's unique `direct_key` does the
    /// same for direct chats asked for from both sides. A replay answers the chat only while the
    /// creator is still in it (else `NotAMember`); chats are never deleted, and if one were, its
    /// keys would go with it (`ON DELETE CASCADE`), so a retry would create the chat afresh.
    ///
    /// The chat goes to a logical shard of this cluster's: a direct chat to its pair's, a group
    /// to the shards in turn (a deployment of one cluster holds them all; `Clusters::create_chat`
    /// places chats over several).
    pub async fn create_chat(&self, new: &NewChat, key: Option<&IdempotencyKey>) -> StoreResult<ChatCreation> {
        self.create_chat_in(None, new, key).await
    }

    /// `create_chat`, a group going to logical shard `group_shard`, which this cluster must hold
    /// (a direct chat still goes to its pair's shard, wherever it is asked for).
    pub async fn create_chat_on(
        &self,
        group_shard: LogicalShard,
        new: &NewChat,
        key: Option<&IdempotencyKey>,
    ) -> StoreResult<ChatCreation> {
        self.create_chat_in(Some(group_shard), new, key).await
    }

    async fn create_chat_in(
        &self,
        group_shard: Option<LogicalShard>,
        new: &NewChat,
        key: Option<&IdempotencyKey>,
    ) -> StoreResult<ChatCreation> {
        let direct_key = match new.kind {
            ChatKind::Direct => new.member_ids.as_slice().first().map(|other| direct_key(new.creator, *other)),
            ChatKind::Group => None,
        };
        let claim = key.map(|key| Ok::<_, StoreError>((key, request_fingerprint("POST /chats", new)?))).transpose()?;
        let mut conn = self.conn().await?;
        let outcome = conn
            .transaction(async |conn| {
                let counter: i64 =
                    diesel::select(diesel::dsl::sql::<BigInt>("nextval(pg_get_serial_sequence('chats', 'id'))"))
                        .get_result(conn)
                        .await?;
                let id = chat_id_from(counter, group_shard, new)?;
                if let Some((key, fingerprint)) = &claim {
                    let claimed = diesel::insert_into(idempotency_keys::table)
                        .values((
                            idempotency_keys::user_id.eq(new.creator.0),
                            idempotency_keys::key.eq(key.as_str()),
                            idempotency_keys::request_hash.eq(fingerprint),
                            idempotency_keys::chat_id.eq(id),
                        ))
                        .on_conflict_do_nothing()
                        .execute(conn)
                        .await?;
                    if claimed == 0 {
                        return Ok(Outcome::KeyTaken);
                    }
                }
                let row: Option<ChatRow> = diesel::insert_into(chats::table)
                    .values((
                        chats::id.eq(id),
                        chats::kind.eq(new.kind.as_str()),
                        chats::title.eq(&new.title),
                        chats::created_by.eq(new.creator.0),
                        chats::direct_key.eq(&direct_key),
                    ))
                    .on_conflict_do_nothing()
                    .returning(ChatRow::as_returning())
                    .get_result(conn)
                    .await
                    .optional()?;
                let Some(row) = row else {
                    let existing = existing_direct(conn, direct_key.as_deref()).await?;
                    if let Some((key, _)) = &claim {
                        diesel::update(idempotency_keys::table.find((new.creator.0, key.as_str())))
                            .set(idempotency_keys::chat_id.eq(existing.id.0))
                            .execute(conn)
                            .await?;
                    }
                    return Ok(Outcome::ExistingDirect(existing));
                };
                if let (ChatKind::Direct, Some(other)) = (new.kind, new.member_ids.as_slice().first()) {
                    // A direct chat that exists stays (above); a new one asks the other person.
                    ensure_direct_chat_allowed(conn, new.creator, *other).await?;
                }
                insert_members(conn, row.id, new).await?;
                if new.kind == ChatKind::Direct {
                    mark_blocked_members(conn, row.id).await?;
                }
                let chat = row.into_chat()?;
                let members = load_members(conn, chat.id, None).await?;
                let created = MembershipChange { chat: chat.clone(), members };
                record_event(conn, chat.id, &Event::ChatCreated(created)).await?;
                Ok::<_, StoreError>(Outcome::Created(chat))
            })
            .await;
        match self.after_write(outcome)? {
            Outcome::Created(chat) => Ok(ChatCreation { chat, created: true, replayed: false }),
            Outcome::ExistingDirect(chat) => Ok(ChatCreation { chat, created: false, replayed: false }),
            Outcome::KeyTaken => {
                let (key, fingerprint) =
                    claim.as_ref().ok_or_else(|| StoreError::Corrupt("key taken without a key".into()))?;
                let chat_id = match earlier_answer(&mut conn, new.creator, key, fingerprint).await? {
                    Some(EarlierAnswer::Chat(id)) => id,
                    Some(EarlierAnswer::Message(_)) => return Err(StoreError::IdempotencyKeyReused),
                    None => return Err(StoreError::Corrupt("a taken key that no committed request holds".into())),
                };
                ensure_still_member(&mut conn, chat_id, new.creator).await?;
                let row = chats::table.find(chat_id.0).select(ChatRow::as_select()).first::<ChatRow>(&mut conn).await?;
                Ok(ChatCreation { chat: row.into_chat()?, created: false, replayed: true })
            }
        }
    }
}

/// The pair's direct chat, committed by the request that won the race.
async fn existing_direct(conn: &mut AsyncPgConnection, direct_key: Option<&str>) -> StoreResult<Chat> {
    let row = chats::table
        .filter(chats::direct_key.eq(direct_key))
        .select(ChatRow::as_select())
        .first::<ChatRow>(conn)
        .await?;
    row.into_chat()
}

async fn insert_members(conn: &mut AsyncPgConnection, chat_id: i64, new: &NewChat) -> StoreResult<()> {
    let now = OffsetDateTime::now_utc();
    let (creator_role, others_role) = match new.kind {
        ChatKind::Group => (Role::Owner, Role::Member),
        ChatKind::Direct => (Role::Member, Role::Member),
    };
    let member = |user: UserId, role: Role| MemberRow {
        chat_id,
        user_id: user.0,
        role: role.as_str().to_owned(),
        joined_at: now,
        last_read_message_id: None,
        last_delivered_message_id: None,
    };
    let rows: Vec<MemberRow> = std::iter::once(member(new.creator, creator_role))
        .chain(new.member_ids.iter().map(|&user| member(user, others_role)))
        .collect();
    diesel::insert_into(chat_members::table)
        .values(&rows)
        .execute(conn)
        .await
        .map_err(unknown_user_on("member_ids"))?;
    Ok(())
}

/// The new chat's id: the counter's value with the chat's logical shard in its low bits. A direct
/// chat goes to its pair's shard, so the one chat two people share stays unique on one cluster;
/// a group to `group_shard`, else to the shards in turn.
fn chat_id_from(counter: i64, group_shard: Option<LogicalShard>, new: &NewChat) -> StoreResult<i64> {
    let shard = match (new.kind, new.member_ids.as_slice().first()) {
        (ChatKind::Direct, Some(other)) => LogicalShard::for_direct_chat(new.creator, *other),
        _ => group_shard.unwrap_or_else(|| LogicalShard::for_group_chat(counter)),
    };
    shard.id(counter).ok_or_else(|| StoreError::Corrupt("the chats' id counter is past the largest id".into()))
}
