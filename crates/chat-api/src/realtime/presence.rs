//! This process's side of presence: how many sockets each user has open here, written to the
//! database only when that count leaves zero or returns to it (after a grace period, so a
//! reconnect does not flicker), a beat that keeps this process counted as alive, the sweep of
//! processes that stopped beating, and `presence.updated` to every process (NOTIFY), at most one
//! per user every `coalesce`.

use crate::workers::Worker;
use chat_domain::{ChatScope, Presence, UserId};
use chat_store::{Notice, Store};
use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

/// How presence is paced.
#[derive(Clone, Debug)]
pub struct PresenceSettings {
    /// How often this process beats (and sweeps the others).
    pub beat: Duration,
    /// A process silent this long is dead: its users go offline.
    pub timeout: Duration,
    /// How long a user's last socket here may be gone before they count as gone from here.
    pub grace: Duration,
    /// At most one `presence.updated` per user this often.
    pub coalesce: Duration,
}

impl Default for PresenceSettings {
    fn default() -> Self {
        let seconds = Duration::from_secs;
        Self { beat: seconds(5), timeout: seconds(15), grace: seconds(3), coalesce: seconds(3) }
    }
}

#[derive(Debug)]
pub struct PresenceTracker {
    store: Store,
    process: i64,
    settings: PresenceSettings,
    sockets: Mutex<HashMap<UserId, usize>>,
    /// Joins and leaves of this process, one at a time: each rechecks the count it acts on.
    writes: tokio::sync::Mutex<()>,
    /// When each user's last notice went out, and whether a later one is already scheduled.
    notices: Mutex<HashMap<UserId, (Instant, bool)>>,
}

impl PresenceTracker {
    /// Registers this process; `beat_worker` then keeps it counted as alive.
    pub async fn register(store: Store, settings: PresenceSettings) -> chat_store::StoreResult<Arc<Self>> {
        let process = store.register_process().await?;
        let tracker = Arc::new(Self {
            store,
            process,
            settings,
            sockets: Mutex::default(),
            writes: tokio::sync::Mutex::default(),
            notices: Mutex::default(),
        });
        Ok(tracker)
    }

    /// The beat of this process and the sweep of the others, every `beat`, for as long as the
    /// process.
    pub fn beat_worker(self: &Arc<Self>) -> Worker {
        Worker::new("presence beat", self.clone().beat_forever())
    }

    pub fn live(&self) -> Duration {
        self.settings.timeout
    }

    fn count(&self, user: UserId) -> usize {
        self.sockets.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get(&user).copied().unwrap_or(0)
    }

    fn adjust(&self, user: UserId, opened: bool) -> usize {
        let mut sockets = self.sockets.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let count = sockets.entry(user).or_default();
        *count = if opened { *count + 1 } else { count.saturating_sub(1) };
        let now = *count;
        if now == 0 {
            sockets.remove(&user);
        }
        now
    }

    /// A socket of `user` opened here (the write, if any, happens in the background).
    pub fn connected(self: &Arc<Self>, user: UserId) {
        if self.adjust(user, true) != 1 {
            return;
        }
        let tracker = self.clone();
        tokio::spawn(async move {
            let _one_at_a_time = tracker.writes.lock().await;
            if tracker.count(user) == 0 {
                return;
            }
            match tracker.store.presence_join(tracker.process, user, tracker.settings.timeout).await {
                Ok(Some(presence)) => tracker.announce(user, presence),
                Ok(None) => {}
                Err(error) => tracing::warn!(%error, "recording a user online failed"),
            }
        });
    }

    /// A socket of `user` closed here.
    pub fn disconnected(self: &Arc<Self>, user: UserId) {
        if self.adjust(user, false) != 0 {
            return;
        }
        let tracker = self.clone();
        tokio::spawn(async move {
            tokio::time::sleep(tracker.settings.grace).await;
            let _one_at_a_time = tracker.writes.lock().await;
            if tracker.count(user) > 0 {
                return; // back within the grace period
            }
            match tracker.store.presence_leave(tracker.process, user, tracker.settings.timeout).await {
                Ok(Some(presence)) => tracker.announce(user, presence),
                Ok(None) => {}
                Err(error) => tracing::warn!(%error, "recording a user offline failed"),
            }
        });
    }

    /// Sends `presence.updated` now, or, within `coalesce` of the last one, once that has passed
    /// (with the presence as it is then).
    pub fn announce(self: &Arc<Self>, user: UserId, presence: Presence) {
        let now = Instant::now();
        let mut notices = self.notices.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let wait = match notices.get(&user) {
            Some(&(_, true)) => return, // a later notice is scheduled and will read the state then
            Some(&(at, false)) if now < at + self.settings.coalesce => Some(at + self.settings.coalesce - now),
            _ => None,
        };
        let tracker = self.clone();
        match wait {
            None => {
                notices.insert(user, (now, false));
                drop(notices);
                tokio::spawn(async move { tracker.notify(user, presence).await });
            }
            Some(wait) => {
                notices.insert(user, (now, true));
                drop(notices);
                tokio::spawn(async move {
                    tokio::time::sleep(wait).await;
                    tracker
                        .notices
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .insert(user, (Instant::now(), false));
                    let live = tracker.settings.timeout;
                    match tracker
                        .store
                        .presence_of(user, &ChatScope::Every, &[user], live)
                        .await
                        .map(|found| found.get(&user).copied())
                    {
                        Ok(Some(current)) => tracker.notify(user, current).await,
                        Ok(None) => {}
                        Err(error) => tracing::warn!(%error, "reading presence failed"),
                    }
                });
            }
        }
    }

    async fn notify(&self, user: UserId, presence: Presence) {
        if let Err(error) = self.store.notify(&Notice::Presence { user_id: user, presence }).await {
            tracing::warn!(%error, "presence notification failed");
        }
    }

    async fn beat_forever(self: Arc<Self>) -> Infallible {
        let mut every = tokio::time::interval(self.settings.beat);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            match self.store.beat(self.process).await {
                // Swept while it could not beat: its users' rows are gone; write them again.
                Ok(true) => {
                    let users: Vec<UserId> = self
                        .sockets
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .keys()
                        .copied()
                        .collect();
                    for user in users {
                        if let Ok(Some(presence)) =
                            self.store.presence_join(self.process, user, self.settings.timeout).await
                        {
                            self.announce(user, presence);
                        }
                    }
                }
                Ok(false) => {}
                Err(error) => tracing::warn!(%error, "presence beat failed"),
            }
            match self.store.sweep_processes(self.settings.timeout).await {
                Ok(gone) => gone.into_iter().for_each(|(user, presence)| self.announce(user, presence)),
                Err(error) => tracing::warn!(%error, "sweeping dead processes failed"),
            }
        }
    }
}
