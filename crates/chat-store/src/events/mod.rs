//! The event log: writing an event in its change's transaction (`record`), sequencing committed
//! events and reading them in order (`publish`, what a reader gets: `published`), reading them
//! back for one user (`replay`), following them with a durable position for work that must
//! happen once per event (`consumers`); and what processes tell each other (`notice`) over the
//! LISTEN connection (`listen`).

pub(crate) mod consumers;
pub(crate) mod listen;
pub(crate) mod notice;
pub(crate) mod publish;
pub(crate) mod published;
pub(crate) mod record;
pub(crate) mod replay;
