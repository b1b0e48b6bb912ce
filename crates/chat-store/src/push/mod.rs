//! Push notifications: the VAPID key, pushers, members' notification levels, and the outbox the
//! push worker plans from the event log (`planning.rs`) and sends from (`deliveries.rs`).

pub(crate) mod deliveries;
pub(crate) mod planning;
pub(crate) mod pushers;
pub(crate) mod settings;
pub(crate) mod vapid;
