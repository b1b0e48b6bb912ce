//! Following the published log with a durable position, for work that must happen once per
//! event whatever the number of server processes, and survive a crash: push, webhooks, the
//! search index, link previews.
//!
//! A consumer's step is one transaction: lock the consumer's row, read the events after its
//! position, let its planner record what they call for (outbox rows, with the same connection),
//! move the position past them, commit. Processes take turns on the row lock, and the plan and the
//! position commit together or not at all, so no event is planned twice or skipped. A process
//! that finds the row locked skips its step instead of waiting: the other is planning. Sending what
//! was planned happens later, outside any transaction, from the outbox.

use crate::connection::pool::Store;
use crate::connection::prepared::{prepared, statement};
use crate::error::StoreResult;
use crate::events::publish::published_after;
use crate::events::published::PublishedEvent;
use crate::schema::log_consumers;
use diesel::prelude::*;
use diesel::sql_types::Text;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use std::future::Future;

statement!(
    StartAtHead,
    "INSERT INTO log_consumers (name, position) SELECT $1, seq FROM event_head ON CONFLICT (name) DO NOTHING"
);

/// The workers that follow the log with a position of their own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LogConsumer {
    Push,
    Webhooks,
    Search,
    Previews,
}

impl LogConsumer {
    /// Its row in `log_consumers`: fixed, as processes of two versions may run side by side.
    fn name(self) -> &'static str {
        match self {
            LogConsumer::Push => "push",
            LogConsumer::Webhooks => "webhooks",
            LogConsumer::Search => "search",
            LogConsumer::Previews => "previews",
        }
    }
}

/// What a consumer does with the events it passes: records the work they call for on the
/// step's connection, inside its transaction. An error rolls the step back and leaves the
/// position where it was, so the planner must not fail on one bad event forever (skip what it
/// cannot plan, and say so in the log); database errors are the ones to return.
pub(crate) trait LogPlanner: Sync {
    fn consumer(&self) -> LogConsumer;

    fn plan<'a>(
        &'a self,
        conn: &'a mut AsyncPgConnection,
        events: &'a [PublishedEvent],
    ) -> impl Future<Output = StoreResult<()>> + Send + 'a;
}

impl Store {
    /// One step of `planner`'s consumer: plans up to `batch` events after its position and moves
    /// past them. Returns how many events it looked at; 0 means it has caught up with the head,
    /// or that another process is stepping it right now.
    /// A consumer's first step starts at the head: it does not act on history from before it
    /// existed. (The search index's row is written by its migration, which indexed that history.)
    pub(crate) async fn consume_log(&self, planner: &impl LogPlanner, batch: i64) -> StoreResult<usize> {
        let name = planner.consumer().name();
        let mut conn = self.conn().await?;
        conn.transaction(async |conn| {
            let position = match locked_position(conn, name).await? {
                Position::Held(position) => position,
                // Another process is stepping this consumer: it plans what there is, and every
                // process is woken again by what is published after.
                Position::Busy => return Ok(0),
                Position::Missing => {
                    // The first step ever: start at the head. A second process doing the same
                    // meanwhile inserts nothing, and only one of them then locks the one row.
                    prepared::<StartAtHead>().bind::<Text, _>(name).execute(conn).await?;
                    match locked_position(conn, name).await? {
                        Position::Held(position) => position,
                        Position::Busy | Position::Missing => return Ok(0),
                    }
                }
            };
            let events = published_after(conn, position, batch).await?;
            let Some(last) = events.last().map(|event| event.envelope.seq) else { return Ok(0) };
            if <[_]>::first(&events).is_some_and(|first| first.envelope.seq > position + 1) {
                tracing::warn!(
                    consumer = name,
                    from = position + 1,
                    to = last,
                    "events were pruned before this consumer acted on them"
                );
            }
            planner.plan(conn, &events).await?;
            diesel::update(log_consumers::table.find(name)).set(log_consumers::position.eq(last)).execute(conn).await?;
            Ok(events.len())
        })
        .await
    }
}

/// A consumer's row, as a step finds it.
enum Position {
    /// Locked by this step until the end of its transaction.
    Held(i64),
    /// Locked by another process's step: this one skips rather than queue behind it (holding a
    /// connection to wait for a plan that the other is making anyway).
    Busy,
    /// Not there yet: the consumer's first step.
    Missing,
}

async fn locked_position(conn: &mut AsyncPgConnection, name: &str) -> StoreResult<Position> {
    let locked = log_consumers::table
        .find(name)
        .select(log_consumers::position)
        .for_update()
        .skip_locked()
        .first(conn)
        .await
        .optional()?;
    if let Some(position) = locked {
        return Ok(Position::Held(position));
    }
    let exists = diesel::select(diesel::dsl::exists(log_consumers::table.find(name))).get_result(conn).await?;
    Ok(if exists { Position::Busy } else { Position::Missing })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::{NewAccount, PoolSettings};
    use chat_domain::{ChatDraft, ChatKind, MessageDraft, UserId};
    use chat_test_db::TestDatabase;
    use std::sync::Mutex;

    /// Notes every seq it is handed, and by which step.
    #[derive(Default)]
    struct Recorder {
        seen: Mutex<Vec<i64>>,
    }

    impl LogPlanner for Recorder {
        fn consumer(&self) -> LogConsumer {
            LogConsumer::Webhooks
        }

        async fn plan(&self, _conn: &mut AsyncPgConnection, events: &[PublishedEvent]) -> StoreResult<()> {
            // Hold the step open a moment, so that a second process's step really waits.
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            self.seen.lock().unwrap().extend(events.iter().map(|event| event.envelope.seq));
            Ok(())
        }
    }

    async fn user(store: &Store, name: &str) -> UserId {
        let account = NewAccount {
            username: name,
            display_name: name,
            password_hash: "x",
            token_hash: name.as_bytes(),
            token_ttl: time::Duration::hours(1),
        };
        store.register(account).await.unwrap().id
    }

    async fn post_and_publish(store: &Store, author: UserId, chat: chat_domain::ChatId, count: usize) {
        for n in 0..count {
            let draft = MessageDraft::text(chat, format!("m{n}"));
            store.create_message(author, &draft.validate().unwrap(), None).await.unwrap();
        }
        while !store.publish_pending(100).await.unwrap().is_empty() {}
    }

    #[tokio::test]
    async fn two_processes_plan_every_event_once_in_order_starting_at_the_head() {
        let db = TestDatabase::new().await;
        let settings = PoolSettings { max_size: 2, ..PoolSettings::default() };
        let (one, two) =
            (Store::connect(db.url(), &settings).await.unwrap(), Store::connect(db.url(), &settings).await.unwrap());
        let author = user(&one, "ann").await;
        let draft = ChatDraft { kind: ChatKind::Group, title: Some("t".into()), member_ids: Vec::new() };
        let chat = one.create_chat(&draft.validate(author).unwrap(), None).await.unwrap().chat.id;
        post_and_publish(&one, author, chat, 3).await;
        let before = one.event_head().await.unwrap();

        let recorder = Recorder::default();
        assert_eq!(one.consume_log(&recorder, 10).await.unwrap(), 0, "history before the first step is not planned");
        post_and_publish(&one, author, chat, 25).await;
        let head = one.event_head().await.unwrap();

        let drain = |store: Store| {
            let recorder = &recorder;
            async move { while store.consume_log(recorder, 4).await.unwrap() > 0 {} }
        };
        tokio::join!(drain(one.clone()), drain(two.clone()));
        let seen = recorder.seen.lock().unwrap().clone();
        assert_eq!(seen, ((before + 1)..=head).collect::<Vec<_>>());
    }
}
