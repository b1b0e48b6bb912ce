//! Link previews (issue 24): the worker that follows the event log and previews the first link of
//! each message posted or edited (`worker`), the fetch of a page and its picture through the one
//! outbound client (`fetch`), and the reading of what a page says about itself (`page`). The store
//! keeps the jobs, the fetches and which message shows which (`chat-store`'s `previews/`).

mod fetch;
mod page;
pub mod worker;
