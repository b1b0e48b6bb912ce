//! Reports of messages and users: filed by members, seen and resolved by the reported chat's owner
//! and admins and by server moderators. A message report keeps the text as it was (`evidence`),
//! erased 90 days after the report is resolved (`prune_report_evidence`, run by retention).

use crate::connection::pool::Store;
use crate::error::{StoreError, StoreResult};
use crate::moderation::{AuditTarget, record_audit};
use crate::schema::{chat_members, messages, reports, users};
use chat_domain::{
    AuditAction, ChatId, DomainError, ErrorCode, MessageId, Report, ReportAction, ReportList, ReportTarget, Resolved,
    Resource, Role, UserId,
};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use std::time::Duration;
use time::OffsetDateTime;

#[derive(Queryable, Selectable)]
#[diesel(table_name = reports, check_for_backend(diesel::pg::Pg))]
struct ReportRow {
    id: i64,
    reporter_id: i64,
    reported_user_id: i64,
    chat_id: Option<i64>,
    message_id: Option<i64>,
    reason: String,
    evidence: Option<String>,
    created_at: OffsetDateTime,
    resolved_at: Option<OffsetDateTime>,
    resolved_by: Option<i64>,
    resolution: Option<String>,
    resolution_note: Option<String>,
}

impl ReportRow {
    fn into_report(self) -> StoreResult<Report> {
        let resolution = match (self.resolved_at, self.resolved_by, self.resolution) {
            (Some(at), Some(by), Some(action)) => Some(Resolved {
                action: action.parse().map_err(|()| StoreError::Corrupt(format!("report action: {action}")))?,
                note: self.resolution_note,
                by: UserId(by),
                at: at.into(),
            }),
            _ => None,
        };
        Ok(Report {
            id: self.id,
            reporter_id: UserId(self.reporter_id),
            user_id: UserId(self.reported_user_id),
            chat_id: self.chat_id.map(ChatId),
            message_id: self.message_id.map(MessageId),
            reason: self.reason,
            evidence: self.evidence,
            created_at: self.created_at.into(),
            resolution,
        })
    }
}

/// The reports `viewer` handles: all of them for a server moderator, else those about chats
/// where they are an owner or admin.
fn handled_by(
    viewer: UserId,
    moderator: bool,
) -> Box<dyn BoxableExpression<reports::table, diesel::pg::Pg, SqlType = diesel::sql_types::Bool>> {
    if moderator {
        return Box::new(diesel::dsl::sql::<diesel::sql_types::Bool>("true"));
    }
    let administered = chat_members::table
        .filter(chat_members::user_id.eq(viewer.0))
        .filter(chat_members::role.eq_any([Role::Owner.as_str(), Role::Admin.as_str()]))
        .select(chat_members::chat_id.nullable());
    Box::new(reports::chat_id.eq_any(administered).assume_not_null())
}

async fn load_report(conn: &mut AsyncPgConnection, id: i64, viewer: UserId, moderator: bool) -> StoreResult<ReportRow> {
    reports::table
        .find(id)
        .filter(handled_by(viewer, moderator))
        .select(ReportRow::as_select())
        .first::<ReportRow>(conn)
        .await
        .optional()?
        .ok_or_else(|| DomainError::NotFound(Resource::Report).into())
}

impl Store {
    /// `reporter` reports a message of a chat they are in (404 `message_not_found` otherwise), or
    /// a user (404 `user_not_found` for none), with `reason`. In a transaction, so the answer
    /// follows the confirmed commit (an auto-committed insert sends its row before that).
    pub async fn file_report(&self, reporter: UserId, target: ReportTarget, reason: &str) -> StoreResult<Report> {
        self.write(async |conn| {
            let (reported, chat, message, evidence) = match target {
                ReportTarget::Message(id) => {
                    let (chat, author, content) = messages::table
                        .inner_join(chat_members::table.on(chat_members::chat_id.eq(messages::chat_id)))
                        .filter(messages::id.eq(id.0))
                        .filter(chat_members::user_id.eq(reporter.0))
                        .select((messages::chat_id, messages::author_id, messages::content))
                        .first::<(i64, i64, Option<String>)>(conn)
                        .await
                        .optional()?
                        .ok_or(DomainError::NotFound(Resource::Message))?;
                    (author, Some(chat), Some(id.0), content)
                }
                ReportTarget::User(user) => {
                    let exists =
                        diesel::select(diesel::dsl::exists(users::table.find(user.0))).get_result::<bool>(conn).await?;
                    if !exists {
                        return Err(DomainError::NotFound(Resource::User).into());
                    }
                    (user.0, None, None, None)
                }
            };
            let row = diesel::insert_into(reports::table)
                .values((
                    reports::reporter_id.eq(reporter.0),
                    reports::reported_user_id.eq(reported),
                    reports::chat_id.eq(chat),
                    reports::message_id.eq(message),
                    reports::reason.eq(reason),
                    reports::evidence.eq(evidence),
                ))
                .returning(ReportRow::as_returning())
                .get_result::<ReportRow>(conn)
                .await?;
            row.into_report()
        })
        .await
    }

    /// The reports `viewer` handles (see `handled_by`), newest first: `limit` before `before`.
    pub async fn reports(
        &self,
        viewer: UserId,
        moderator: bool,
        before: Option<i64>,
        limit: i64,
    ) -> StoreResult<ReportList> {
        let mut conn = self.conn().await?;
        let rows = reports::table
            .filter(handled_by(viewer, moderator))
            .filter(reports::id.lt(before.unwrap_or(i64::MAX)))
            .order(reports::id.desc())
            .limit(limit + 1)
            .select(ReportRow::as_select())
            .load::<ReportRow>(&mut conn)
            .await?;
        let more = rows.len() > usize::try_from(limit).unwrap_or(usize::MAX);
        let reports = rows
            .into_iter()
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .map(ReportRow::into_report)
            .collect::<StoreResult<Vec<_>>>()?;
        let next_before = if more { reports.last().map(|report| report.id) } else { None };
        Ok(ReportList { reports, next_before })
    }

    /// `actor` resolves report `id` with `action` and `note`; recorded in the audit log. 409
    /// `report_resolved` if it was resolved already.
    pub async fn resolve_report(
        &self,
        actor: UserId,
        moderator: bool,
        id: i64,
        action: ReportAction,
        note: Option<&str>,
    ) -> StoreResult<Report> {
        self.write(async |conn| {
            let current = load_report(conn, id, actor, moderator).await?;
            if current.resolved_at.is_some() {
                return Err(DomainError::Conflict(ErrorCode::ReportResolved).into());
            }
            let row = diesel::update(reports::table.find(id))
                .set((
                    reports::resolved_at.eq(OffsetDateTime::now_utc()),
                    reports::resolved_by.eq(actor.0),
                    reports::resolution.eq(action.as_str()),
                    reports::resolution_note.eq(note),
                ))
                .returning(ReportRow::as_returning())
                .get_result::<ReportRow>(conn)
                .await?;
            let target = AuditTarget {
                chat: row.chat_id.map(ChatId),
                user: Some(UserId(row.reported_user_id)),
                message: row.message_id.map(MessageId),
                reason: Some(action.as_str()),
            };
            record_audit(conn, actor, AuditAction::ReportResolved, target).await?;
            row.into_report()
        })
        .await
    }

    /// Erases the evidence of reports resolved more than `kept` ago; answers how many.
    pub async fn prune_report_evidence(&self, kept: Duration) -> StoreResult<usize> {
        let mut conn = self.conn().await?;
        let cutoff = OffsetDateTime::now_utc() - kept;
        Ok(diesel::update(
            reports::table.filter(reports::resolved_at.lt(cutoff)).filter(reports::evidence.is_not_null()),
        )
        .set(reports::evidence.eq(None::<String>))
        .execute(&mut conn)
        .await?)
    }
}
