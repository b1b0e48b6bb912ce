//! Real time: the event log fanned out to WebSocket connections, across server processes.
//!
//! The events table is the truth; LISTEN/NOTIFY only wakes processes up. See docs/EVENTS.md.

mod acks;
mod client_frames;
pub mod connection;
pub mod dispatcher;
pub mod feed;
pub mod frames;
pub mod hub;
pub mod hubs;
mod presence;
mod pump;
mod replay;
mod sending;
pub mod socket;

pub use connection::{ConnectionSettings, Peer};
pub use dispatcher::DispatchSettings;
pub use hub::Hub;
pub use hubs::Hubs;
pub use presence::{PresenceSettings, PresenceTracker};
