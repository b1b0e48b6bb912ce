//! Uploads' metadata: a row claimed `pending` before any byte is stored, finished once the bytes
//! are, read back for those allowed to see it, and marked `erasing` when its bytes must go.
//! (The bytes themselves live in object storage, which this crate never touches.)

use crate::connection::pool::Store;
use crate::connection::prepared::{plan_for_values, prepared, statement};
use crate::error::{StoreError, StoreResult};
use crate::rows::UploadRow;
use crate::schema::{link_previews, uploads};
use chat_domain::{
    AttachmentCandidate, DomainError, ErrorCode, IdempotencyKey, MessageId, Resource, Upload, UploadId, UserId,
};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Uuid};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use std::time::Duration;
use time::OffsetDateTime;

/// What `begin_upload` found: a new upload to store, or an earlier one with the same key (one
/// still arriving is 409 `upload_in_progress`).
#[derive(Debug)]
pub enum UploadStart {
    /// The row is claimed; store the bytes, then `finish_upload`.
    Started,
    /// The key's upload is stored: answer it again.
    Replay(Upload),
}

/// An upload's `state`: its row is claimed before any byte is stored, `ready` once they all are,
/// `erasing` while its bytes are to go (the SQL of the delete and create statements says the same).
const PENDING: &str = "pending";
pub(crate) const READY: &str = "ready";
pub(crate) const ERASING: &str = "erasing";

/// The key's upload is still arriving (on another connection), or being erased.
fn in_progress() -> DomainError {
    DomainError::Conflict(ErrorCode::UploadInProgress)
}

const BEGIN_SQL: &str = "
    INSERT INTO uploads (id, uploader_id, name, idempotency_key) VALUES ($1, $2, $3, $4)
    ON CONFLICT (uploader_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
    RETURNING id";
statement!(BeginUpload, BEGIN_SQL);

#[derive(QueryableByName)]
struct Claimed {
    #[diesel(sql_type = Uuid)]
    #[allow(dead_code)] // read only to count the row
    id: uuid::Uuid,
}

impl Store {
    /// Claims `id` for `uploader`'s upload named `name`; with a `key` already used, answers that
    /// upload instead. The claim is committed before it answers: no byte is stored unrecorded.
    pub async fn begin_upload(
        &self,
        id: UploadId,
        uploader: UserId,
        name: &str,
        key: Option<&IdempotencyKey>,
    ) -> StoreResult<UploadStart> {
        let mut conn = self.conn().await?;
        let claimed: Vec<Claimed> = prepared::<BeginUpload>()
            .bind::<Uuid, _>(id.0)
            .bind::<BigInt, _>(uploader.0)
            .bind::<Text, _>(name)
            .bind::<Nullable<Text>, _>(key.map(IdempotencyKey::as_str))
            .load(&mut conn)
            .await?;
        if !claimed.is_empty() {
            return Ok(UploadStart::Started);
        }
        let key = key.ok_or_else(|| StoreError::Corrupt("upload claim returned no row".into()))?;
        let (state, row) = uploads::table
            .filter(uploads::uploader_id.eq(uploader.0).and(uploads::idempotency_key.eq(key.as_str())))
            .select((uploads::state, UploadRow::as_select()))
            .first::<(String, UploadRow)>(&mut conn)
            .await
            .optional()?
            .ok_or_else(in_progress)?;
        match state.as_str() {
            READY => Ok(UploadStart::Replay(row.into_upload()?)),
            _ => Err(in_progress().into()),
        }
    }

    /// Records the stored bytes' metadata: the upload is ready to download and attach.
    pub async fn finish_upload(&self, upload: &Upload) -> StoreResult<Upload> {
        let sha256 = hex::decode(&upload.sha256).map_err(|e| StoreError::Corrupt(format!("sha256: {e}")))?;
        let size = i64::try_from(upload.size).map_err(|e| StoreError::Corrupt(format!("size: {e}")))?;
        let dimension = |pixels: Option<u32>| pixels.and_then(|pixels| i32::try_from(pixels).ok());
        let mut conn = self.conn().await?;
        conn.transaction(async |conn| {
            diesel::update(uploads::table.find(upload.id.0).filter(uploads::state.eq(PENDING)))
                .set((
                    uploads::state.eq(READY),
                    uploads::content_type.eq(&upload.content_type),
                    uploads::size.eq(size),
                    uploads::sha256.eq(sha256),
                    uploads::width.eq(dimension(upload.width)),
                    uploads::height.eq(dimension(upload.height)),
                ))
                .returning(UploadRow::as_returning())
                .get_result::<UploadRow>(conn)
                .await
                .optional()?
                .ok_or(StoreError::Domain(DomainError::NotFound(Resource::Upload)))?
                .into_upload()
        })
        .await
    }

    /// Forgets an upload that was refused or never finished; answers whether its row was still
    /// pending (and is gone now). `false` means it is not: its finish may have committed after all
    /// (an unconfirmed commit), so its bytes must stay.
    pub async fn abandon_upload(&self, id: UploadId) -> StoreResult<bool> {
        let mut conn = self.conn().await?;
        let pending = uploads::table.find(id.0).filter(uploads::state.eq(PENDING));
        Ok(diesel::delete(pending).execute(&mut conn).await? == 1)
    }

    /// The upload, if `viewer` uploaded it or is a member of a chat where a live message carries
    /// it or shows it as its link preview's picture.
    pub async fn upload_for_viewer(&self, id: UploadId, viewer: UserId) -> StoreResult<Upload> {
        let mut conn = self.conn().await?;
        let visible = diesel::dsl::sql::<diesel::sql_types::Bool>("(uploads.uploader_id = ")
            .bind::<BigInt, _>(viewer.0)
            .sql(
                " OR EXISTS (SELECT 1 FROM messages m JOIN chat_members cm ON cm.chat_id = m.chat_id
                  WHERE m.id = uploads.message_id AND m.deleted_at IS NULL AND cm.user_id = ",
            )
            .bind::<BigInt, _>(viewer.0)
            .sql(
                ") OR EXISTS (SELECT 1 FROM link_previews lp
                  JOIN message_link_previews mp ON mp.preview_id = lp.id
                  JOIN messages m ON m.id = mp.message_id AND m.deleted_at IS NULL
                  JOIN chat_members cm ON cm.chat_id = m.chat_id
                  WHERE lp.image_upload_id = uploads.id AND cm.user_id = ",
            )
            .bind::<BigInt, _>(viewer.0)
            .sql("))");
        uploads::table
            .find(id.0)
            .filter(uploads::state.eq(READY))
            .filter(visible)
            .select(UploadRow::as_select())
            .first::<UploadRow>(&mut conn)
            .await
            .optional()?
            .ok_or(StoreError::Domain(DomainError::NotFound(Resource::Upload)))?
            .into_upload()
    }

    /// Marks for erasing the uploads never attached within `unattached_for` (a link preview's
    /// picture is attached to its fetch, and goes when that is pruned), and those still pending
    /// after `pending_for` (their process died mid-upload); answers how many.
    pub async fn expire_uploads(&self, unattached_for: Duration, pending_for: Duration) -> StoreResult<usize> {
        let now = OffsetDateTime::now_utc();
        let mut conn = self.conn().await?;
        let stale = uploads::table.filter(
            (uploads::state
                .eq(READY)
                .and(uploads::message_id.is_null())
                .and(uploads::created_at.lt(now - unattached_for))
                .and(diesel::dsl::not(diesel::dsl::exists(
                    link_previews::table.filter(link_previews::image_upload_id.eq(uploads::id.nullable())),
                ))))
            .or(uploads::state.eq(PENDING).and(uploads::created_at.lt(now - pending_for))),
        );
        conn.transaction(async |conn| {
            plan_for_values(conn).await?;
            Ok(diesel::update(stale).set(uploads::state.eq(ERASING)).execute(conn).await?)
        })
        .await
    }

    /// Up to `limit` uploads whose bytes are to be erased, oldest first, but for those in `skip`
    /// (which failed to erase in this run).
    pub async fn erasable_uploads(&self, limit: i64, skip: &[UploadId]) -> StoreResult<Vec<UploadId>> {
        let skip: Vec<uuid::Uuid> = skip.iter().map(|id| id.0).collect();
        let mut conn = self.conn().await?;
        let ids = uploads::table
            .filter(uploads::state.eq(ERASING).and(uploads::id.ne_all(&skip)))
            .order(uploads::created_at)
            .limit(limit)
            .select(uploads::id)
            .load::<uuid::Uuid>(&mut conn)
            .await?;
        Ok(ids.into_iter().map(UploadId).collect())
    }

    /// The uploads of deleted message `message` whose bytes are still to be erased.
    pub async fn erasable_uploads_of(&self, message: MessageId) -> StoreResult<Vec<UploadId>> {
        let mut conn = self.conn().await?;
        let ids = uploads::table
            .filter(uploads::message_id.eq(message.0).and(uploads::state.eq(ERASING)))
            .select(uploads::id)
            .load::<uuid::Uuid>(&mut conn)
            .await?;
        Ok(ids.into_iter().map(UploadId).collect())
    }

    /// Drops the rows of uploads whose bytes are erased.
    pub async fn forget_uploads(&self, ids: &[UploadId]) -> StoreResult<()> {
        let ids: Vec<uuid::Uuid> = ids.iter().map(|id| id.0).collect();
        let mut conn = self.conn().await?;
        diesel::delete(uploads::table.filter(uploads::id.eq_any(&ids).and(uploads::state.eq(ERASING))))
            .execute(&mut conn)
            .await?;
        Ok(())
    }
}

/// The finished uploads among `ids`, with who uploaded them and whether they are attached.
pub(crate) async fn attachment_candidates(
    conn: &mut AsyncPgConnection,
    ids: &[UploadId],
) -> StoreResult<Vec<AttachmentCandidate>> {
    let ids: Vec<uuid::Uuid> = ids.iter().map(|id| id.0).collect();
    uploads::table
        .filter(uploads::id.eq_any(&ids).and(uploads::state.eq(READY)))
        .select(UploadRow::as_select())
        .load::<UploadRow>(conn)
        .await?
        .into_iter()
        .map(|row| {
            let (uploader_id, attached) = (UserId(row.uploader_id), row.message_id.is_some());
            Ok(AttachmentCandidate { upload: row.into_upload()?, uploader_id, attached })
        })
        .collect()
}
