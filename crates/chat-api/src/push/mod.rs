//! Push notifications (issue 20): the VAPID identity (`vapid.rs`), checking what a pusher's
//! registration names (`registration.rs`), the requests a delivery becomes (`request.rs`: Web Push
//! or a Matrix-shaped gateway notification), sending one and recording what came of it
//! (`sender.rs`), and the two workers that plan from the event log and send from the outbox
//! (`worker.rs`). The store holds the pushers, the levels and the outbox (`chat-store/src/push/`).

pub mod registration;
pub mod request;
pub mod sender;
pub mod vapid;
pub mod worker;

use crate::config::PushConfig;
use chat_outbound::{Outbound, OutboundPolicy};
use std::sync::Arc;
use vapid::Vapid;

/// What the push routes and workers share: the one outbound client for pushers' URLs (with the
/// operator's allow-list) and the VAPID identity.
#[derive(Clone, Debug)]
pub struct Push {
    pub outbound: Outbound,
    pub vapid: Arc<Vapid>,
}

impl Push {
    pub fn new(config: &PushConfig, vapid: Vapid) -> Result<Self, chat_outbound::OutboundError> {
        let policy = OutboundPolicy {
            allowed_hosts: config.allowed_hosts.clone(),
            timeout: config.timeout,
            ..OutboundPolicy::default()
        };
        Ok(Self { outbound: Outbound::new(policy)?, vapid: Arc::new(vapid) })
    }
}
