//! Webhooks: registering them (`registry`), the slash commands bots answer (`commands`), planning
//! deliveries from the event log (`planning`) and the outbox the senders claim from (`outbox`).

pub(crate) mod access;
pub(crate) mod commands;
pub(crate) mod outbox;
pub(crate) mod planning;
pub(crate) mod registry;
