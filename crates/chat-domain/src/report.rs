//! Reports: any member reports a message of their chat, or anyone reports a user, with a reason.
//! A chat's owner and admins see the reports about its messages; server moderators see them all,
//! and resolve them with an action and a note.

use crate::field_code::FieldCode;
use crate::ids::{ChatId, MessageId, UserId};
use crate::text_enums::text_enum;
use crate::timestamp::Timestamp;
use crate::validation::{ValidationErrors, check_length};
use serde::{Deserialize, Serialize};

/// The longest reason or note kept, in characters.
pub const MAX_REPORT_TEXT_CHARS: usize = 1000;

/// The body of `POST /reports`: a message or a user, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReportDraft {
    /// The message reported (its author is the user reported); or give `user_id`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub message_id: Option<MessageId>,
    /// The user reported; or give `message_id`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub user_id: Option<UserId>,
    /// Why: 1 to 1000 characters.
    pub reason: String,
}

/// What a report is about, once its draft is valid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportTarget {
    /// A message of a chat the reporter is in.
    Message(MessageId),
    /// A user.
    User(UserId),
}

impl ReportDraft {
    /// The target (exactly one of `message_id` and `user_id`) and the reason, trimmed.
    pub fn validate(self) -> Result<(ReportTarget, String), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let reason = self.reason.trim().to_owned();
        check_length(&mut errors, "reason", &reason, 1, MAX_REPORT_TEXT_CHARS);
        let target = match (self.message_id, self.user_id) {
            (Some(message), None) => Some(ReportTarget::Message(message)),
            (None, Some(user)) => Some(ReportTarget::User(user)),
            _ => {
                errors.add("message_id", FieldCode::Invalid, "give exactly one of message_id and user_id");
                None
            }
        };
        errors.finish(())?;
        target.map(|target| (target, reason)).ok_or_else(ValidationErrors::default)
    }
}

/// How a report was resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReportAction {
    /// Nothing to act on.
    Dismissed,
    /// The message was deleted.
    MessageDeleted,
    /// The user was removed from the chat.
    UserRemoved,
    /// The user was banned from the chat.
    UserBanned,
    /// The user was warned.
    UserWarned,
}

text_enum!(ReportAction {
    Dismissed => "dismissed",
    MessageDeleted => "message_deleted",
    UserRemoved => "user_removed",
    UserBanned => "user_banned",
    UserWarned => "user_warned"
});

/// The body of `POST /reports/{report_id}/resolve`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReportResolution {
    /// What was done.
    pub action: ReportAction,
    /// A note for the record: at most 1000 characters.
    #[serde(default)]
    pub note: Option<String>,
}

impl ReportResolution {
    /// The action and the note, trimmed (none when blank).
    pub fn validate(self) -> Result<(ReportAction, Option<String>), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let note = self.note.map(|note| note.trim().to_owned()).filter(|note| !note.is_empty());
        if let Some(note) = &note {
            check_length(&mut errors, "note", note, 1, MAX_REPORT_TEXT_CHARS);
        }
        errors.finish((self.action, note))
    }
}

/// How and by whom a report was resolved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Resolved {
    /// What was done.
    pub action: ReportAction,
    /// The note, if any.
    pub note: Option<String>,
    /// Who resolved it.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub by: UserId,
    /// When.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: Timestamp,
}

/// A report, as those who handle it see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Report {
    /// The report's id.
    pub id: i64,
    /// Who reported.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub reporter_id: UserId,
    /// The user reported (a message's author).
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub user_id: UserId,
    /// The chat of the message reported; null for a report of a user.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub chat_id: Option<ChatId>,
    /// The message reported; null for a report of a user.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub message_id: Option<MessageId>,
    /// Why.
    pub reason: String,
    /// The message's text when it was reported, kept though its author delete it (erased 90
    /// days after the report is resolved); null for a report of a user.
    pub evidence: Option<String>,
    /// When it was filed.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
    /// Null while open.
    pub resolution: Option<Resolved>,
}

/// A page of `GET /reports`: newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportList {
    /// The reports, newest first.
    pub reports: Vec<Report>,
    /// The `before` of the next page; null on the last.
    pub next_before: Option<i64>,
}
