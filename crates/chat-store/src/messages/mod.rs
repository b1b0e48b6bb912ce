//! Messages: the aggregate builder every read ends in, creating (one statement), editing,
//! deleting, reactions, history and thread pages, mentions, search and its index.

pub(crate) mod aggregate;
pub(crate) mod create;
pub(crate) mod create_statement;
pub(crate) mod deletes;
pub(crate) mod edits;
pub(crate) mod history;
pub(crate) mod mentions;
pub(crate) mod newest_page;
pub(crate) mod reactions;
pub(crate) mod search;
pub(crate) mod search_index;
pub(crate) mod threads;
