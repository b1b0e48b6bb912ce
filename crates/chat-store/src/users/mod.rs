//! Users: accounts and tokens, bots (with this process's token cache), the user directory, and
//! presence across server processes, blocks and who may start a direct chat, and suspensions.

pub(crate) mod accounts;
pub(crate) mod bots;
pub(crate) mod directory;
pub(crate) mod presence;
pub(crate) mod privacy;
pub(crate) mod server_processes;
pub(crate) mod suspensions;
pub(crate) mod token_cache;
