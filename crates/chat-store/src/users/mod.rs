//! Users: accounts and tokens, bots (with this process's token cache), the user directory, and
//! presence across server processes.

pub(crate) mod accounts;
pub(crate) mod bots;
pub(crate) mod directory;
pub(crate) mod presence;
pub(crate) mod server_processes;
pub(crate) mod token_cache;
