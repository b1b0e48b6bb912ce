//! Chats: creating one, the chat aggregate (list and one chat), renaming, members and bans, and the
//! read and delivery markers with their receipts; which chat a message or an upload is in.

pub(crate) mod bans;
pub(crate) mod creation;
pub(crate) mod members;
pub(crate) mod read_markers;
pub(crate) mod receipts;
pub(crate) mod scope;
pub(crate) mod settings;
pub(crate) mod summaries;
