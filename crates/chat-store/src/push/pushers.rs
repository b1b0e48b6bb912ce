//! Pushers: each device a user asked to be notified on, tied to the session that registered it.

use crate::connection::pool::Store;
use crate::connection::prepared::{prepared, statement};
use crate::error::StoreResult;
use chat_domain::{DomainError, FieldCode, NewPusher, PusherKind, Resource, UserId, ValidationErrors};
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Bool, Bytea, Nullable, Text, Timestamptz};
use diesel_async::{AsyncConnection, RunQueryDsl};
use time::OffsetDateTime;

// Inserts, or updates the user's pusher of the same URL and pushkey (now the registering
// session's); a new one only while the user has fewer than `$8`. No row: the cap is reached.
statement!(
    RegisterPusher,
    "INSERT INTO pushers (user_id, token_hash, kind, url, pushkey, p256dh, auth)
     SELECT $1, $2, $3, $4, $5, $6, $7
     WHERE EXISTS (SELECT 1 FROM pushers WHERE user_id = $1 AND url = $4 AND pushkey = $5)
        OR (SELECT count(*) FROM pushers WHERE user_id = $1) < $8
     ON CONFLICT (user_id, url, pushkey) DO UPDATE
        SET token_hash = EXCLUDED.token_hash, kind = EXCLUDED.kind, p256dh = EXCLUDED.p256dh, auth = EXCLUDED.auth
     RETURNING id, xmax = 0 AS created"
);

// Takes the user's row (in a mode that blocks no insert naming the user), so that two
// registrations of one user count their pushers one after the other.
statement!(LockUser, "SELECT id FROM users WHERE id = $1 FOR NO KEY UPDATE");

statement!(
    ListPushers,
    "SELECT id, kind, url, token_hash = $2 AS this_session, created_at FROM pushers WHERE user_id = $1 ORDER BY id"
);

statement!(DeletePusher, "DELETE FROM pushers WHERE id = $1 AND user_id = $2");

/// What a pusher's registration stores.
#[derive(Debug)]
pub struct PusherRecord<'a> {
    pub user: UserId,
    /// The registering session's token hash: revoking it deletes the pusher.
    pub token_hash: &'a [u8],
    pub pusher: &'a NewPusher,
    /// The most pushers a user may have.
    pub cap: i64,
}

/// A pusher as its owner lists it (the API shows the URL's origin only).
#[derive(Debug, QueryableByName)]
pub struct PusherSummary {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = Text)]
    pub url: String,
    #[diesel(sql_type = Bool)]
    pub this_session: bool,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: OffsetDateTime,
}

/// A registration's pusher, and whether it is new (not an update of the same endpoint).
#[derive(Debug, QueryableByName)]
pub struct PusherRegistered {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Bool)]
    pub created: bool,
}

impl Store {
    /// Registers a pusher, or updates the user's pusher with the same URL (and pushkey).
    pub async fn register_pusher(&self, record: PusherRecord<'_>) -> StoreResult<PusherRegistered> {
        let (kind, url, pushkey, p256dh, auth) = match record.pusher {
            NewPusher::WebPush { endpoint, keys } => {
                (PusherKind::Webpush, endpoint.as_str(), "", Some(keys.p256dh.as_str()), Some(keys.auth.as_str()))
            }
            NewPusher::Gateway { url, pushkey } => (PusherKind::Http, url.as_str(), pushkey.as_str(), None, None),
        };
        let mut conn = self.conn().await?;
        let inserted: Vec<PusherRegistered> = conn
            .transaction(async |conn| {
                prepared::<LockUser>().bind::<BigInt, _>(record.user.0).execute(conn).await?;
                prepared::<RegisterPusher>()
                    .bind::<BigInt, _>(record.user.0)
                    .bind::<Bytea, _>(record.token_hash)
                    .bind::<Text, _>(kind.as_str())
                    .bind::<Text, _>(url)
                    .bind::<Text, _>(pushkey)
                    .bind::<Nullable<Text>, _>(p256dh)
                    .bind::<Nullable<Text>, _>(auth)
                    .bind::<BigInt, _>(record.cap)
                    .load(conn)
                    .await
            })
            .await?;
        match inserted.into_iter().next() {
            Some(registered) => Ok(registered),
            None => {
                let why = format!("a user may have at most {} pushers; delete one first", record.cap);
                let errors = ValidationErrors::single(record.pusher.url_field(), FieldCode::TooMany, why);
                Err(DomainError::from(errors).into())
            }
        }
    }

    /// The user's pushers, oldest first; `token_hash` tells which the asking session registered.
    pub async fn pushers(&self, user: UserId, token_hash: &[u8]) -> StoreResult<Vec<PusherSummary>> {
        let mut conn = self.conn().await?;
        Ok(prepared::<ListPushers>().bind::<BigInt, _>(user.0).bind::<Bytea, _>(token_hash).load(&mut conn).await?)
    }

    /// Deletes one of the user's pushers (and what was still to be sent to it).
    pub async fn delete_pusher(&self, user: UserId, pusher: i64) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        let deleted =
            prepared::<DeletePusher>().bind::<BigInt, _>(pusher).bind::<BigInt, _>(user.0).execute(&mut conn).await?;
        if deleted == 0 {
            return Err(DomainError::NotFound(Resource::Pusher).into());
        }
        Ok(())
    }
}
