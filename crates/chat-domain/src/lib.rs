//! The chat's domain: the types every other crate speaks, and the rules over them.
//!
//! Nothing here performs I/O. The store builds these aggregates whole; the API serialises them as
//! they are. Other services reuse this crate without pulling in a database driver or a web server.

#![warn(missing_docs)]

pub mod answers;
pub mod attachment;
pub mod ban;
pub mod bot;
pub mod chat;
pub mod delivery;
pub mod edit;
pub mod error;
pub mod error_code;
pub mod event;
pub mod field_code;
pub mod frame;
pub mod idempotency;
pub mod ids;
pub mod json;
pub mod link_preview;
pub mod membership;
pub mod mention;
pub mod message;
mod message_kind;
mod message_status;
pub mod moderation;
pub mod new_message;
pub mod policy;
pub mod presence;
pub mod privacy;
pub mod push;
pub mod reaction;
pub mod read_state;
pub mod receipt;
pub mod report;
pub mod resume;
pub mod search;
pub mod shard;
mod text_enums;
pub mod thread;
pub mod thumbnail;
pub mod timestamp;
pub mod upload;
pub mod user;
pub mod validation;
pub mod webhook;

pub use answers::{
    ChatList, EditList, EventFeed, HistoryPage, MemberList, MentionList, ReadState, SearchHit, SearchResults, Session,
    ThreadPage, UserList,
};
pub use attachment::{AttachmentCandidate, MAX_ATTACHMENTS};
pub use ban::{BanDraft, BanList, ChatBan};
pub use bot::{BotDraft, BotList, BotSession, ChatScope, NewBot, TokenDraft};
pub use chat::{Chat, ChatDraft, ChatKind, ChatPatch, ChatSummary, NewChat, SlowMode};
pub use delivery::{DeliveredMarks, EventEnvelope, Subscription};
pub use edit::{EditedBody, MessagePatch, MessageVersion};
pub use error::{DomainError, Resource};
pub use error_code::{ErrorCode, Problem};
pub use event::{Event, EventKind, MemberRemoval, MembershipChange, ReactionChange, ReadChange};
pub use field_code::FieldCode;
pub use frame::{ClientFrame, ControlFrame, ServerFrame, StoredEvent};
pub use idempotency::IdempotencyKey;
pub use ids::{ChatId, MessageId, UserId};
pub use json::{JsonObject, JsonValue};
pub use link_preview::LinkPreview;
pub use membership::{ChatMember, MemberDraft, Membership, Role, RolePatch};
pub use mention::MentionChange;
pub use message::{Deletion, DeliveryStatus, Message, MessageKind, MessageRecord, MessageStatus};
pub use moderation::{AuditAction, AuditEntry, AuditPage, ServerRole, ServerRolePatch, Suspension, SuspensionDraft};
pub use new_message::{MessageDraft, NewMessage};
pub use presence::{Presence, PresenceChoice, PresenceStatus};
pub use privacy::{Block, BlockList, DirectChats, Privacy};
pub use push::{
    NewPusher, NotificationLevel, NotificationSetting, PushKeys, PushPayload, PushType, Pusher, PusherCreated,
    PusherKind, PusherList, PusherRegistration, VapidKey,
};
pub use reaction::{Emoji, MAX_DISTINCT_EMOJI, Reaction, ReactionSummary};
pub use read_state::{Marker, MarkerFrontier, ReadFrontier, ReadMarkerMove, UNREAD_COUNTED_UP_TO};
pub use receipt::{Receipt, ReceiptChange, ReceiptList};
pub use report::{Report, ReportAction, ReportDraft, ReportList, ReportResolution, ReportTarget, Resolved};
pub use resume::{LogId, LogPosition, ResumeToken, ResumeTokenError, Since};
pub use search::SearchQuery;
pub use shard::{LOGICAL_SHARDS, LogicalShard};
pub use thread::{ThreadChange, ThreadSummary};
pub use timestamp::Timestamp;
pub use upload::{Upload, UploadId};
pub use user::{Credentials, User, UserPatch};
pub use validation::{FieldError, ValidationErrors};
pub use webhook::{
    ChatCommand, CommandAnswer, CommandCall, CommandList, CommandSet, CreatedWebhook, DeliveryList, DeliveryState,
    IncomingPost, NewWebhook, Webhook, WebhookDelivery, WebhookDraft, WebhookId, WebhookKind, WebhookList,
    WebhookPatch, WebhookState,
};
