//! Planning deliveries: every published event of a chat with outgoing webhooks becomes a
//! delivery row per webhook that wants it, in the transaction that moves the `webhooks` log
//! consumer past it (so each event is planned once, whatever the number of processes, and a
//! process that dies mid-plan leaves nothing half done).

use crate::connection::pool::Store;
use crate::error::StoreResult;
use crate::events::consumers::{LogConsumer, LogPlanner};
use crate::events::published::PublishedEvent;
use chat_domain::EventKind;
use chat_domain::webhook::split_command;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Nullable, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use std::collections::{HashMap, HashSet};

#[derive(QueryableByName)]
struct Listener {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = BigInt)]
    chat_id: i64,
    #[diesel(sql_type = Array<Text>)]
    events: Vec<String>,
    #[diesel(sql_type = Nullable<BigInt>)]
    bot_id: Option<i64>,
    #[diesel(sql_type = Bool)]
    mentions_only: bool,
    #[diesel(sql_type = Bool)]
    commands_only: bool,
}

/// What planning needs of a message (read from its row, never from the event's JSON).
#[derive(QueryableByName)]
struct Posted {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = BigInt)]
    author_id: i64,
    #[diesel(sql_type = Nullable<Text>)]
    content: Option<String>,
    #[diesel(sql_type = Array<BigInt>)]
    mentioned: Vec<i64>,
}

#[derive(QueryableByName)]
struct Command {
    #[diesel(sql_type = BigInt)]
    chat_id: i64,
    #[diesel(sql_type = Text)]
    command: String,
    #[diesel(sql_type = BigInt)]
    bot_id: i64,
}

/// One delivery to insert.
struct Planned {
    webhook_id: i64,
    seq: i64,
    command: Option<String>,
    arguments: Option<String>,
}

/// The `webhooks` consumer of the log.
struct WebhookPlanner;

impl LogPlanner for WebhookPlanner {
    fn consumer(&self) -> LogConsumer {
        LogConsumer::Webhooks
    }

    fn plan<'a>(
        &'a self,
        conn: &'a mut AsyncPgConnection,
        events: &'a [PublishedEvent],
    ) -> impl std::future::Future<Output = StoreResult<()>> + Send + 'a {
        plan(conn, events)
    }
}

impl Store {
    /// Plans the deliveries of up to `batch` published events not yet planned; answers how many
    /// events it looked at (0: caught up).
    pub async fn plan_webhook_deliveries(&self, batch: i64) -> StoreResult<usize> {
        self.consume_log(&WebhookPlanner, batch).await
    }
}

async fn plan(conn: &mut AsyncPgConnection, events: &[PublishedEvent]) -> StoreResult<()> {
    let chats: Vec<i64> =
        events.iter().map(|event| event.envelope.chat_id.0).collect::<HashSet<_>>().into_iter().collect();
    let listeners = diesel::sql_query(
        "SELECT id, chat_id, events, bot_id, mentions_only, commands_only FROM webhooks
          WHERE kind = 'outgoing' AND revoked_at IS NULL AND chat_id = ANY($1)
            -- A webhook acting for a bot hears only while its bot is a live member of the chat.
            AND (bot_id IS NULL OR EXISTS (
                SELECT 1 FROM chat_members cm JOIN users u ON u.id = cm.user_id
                 WHERE cm.chat_id = webhooks.chat_id AND cm.user_id = webhooks.bot_id AND u.deleted_at IS NULL))
          ORDER BY id",
    )
    .bind::<Array<BigInt>, _>(&chats)
    .load::<Listener>(conn)
    .await?;
    if listeners.is_empty() {
        return Ok(());
    }
    let listening: HashSet<i64> = listeners.iter().map(|listener| listener.chat_id).collect();
    let message_ids: Vec<i64> = events
        .iter()
        .filter(|event| listening.contains(&event.envelope.chat_id.0))
        .filter_map(|event| event.envelope.message_id.map(|id| id.0))
        .collect();
    let posted: HashMap<i64, Posted> = diesel::sql_query(
        "SELECT m.id, m.author_id, m.content,
                ARRAY(SELECT n.user_id FROM mentions n WHERE n.message_id = m.id) AS mentioned
           FROM messages m WHERE m.id = ANY($1)",
    )
    .bind::<Array<BigInt>, _>(&message_ids)
    .load::<Posted>(conn)
    .await?
    .into_iter()
    .map(|message| (message.id, message))
    .collect();
    let listening: Vec<i64> = listening.into_iter().collect();
    let commands: HashMap<(i64, String), i64> =
        diesel::sql_query("SELECT chat_id, command, bot_id FROM bot_commands WHERE chat_id = ANY($1)")
            .bind::<Array<BigInt>, _>(&listening)
            .load::<Command>(conn)
            .await?
            .into_iter()
            .map(|command| ((command.chat_id, command.command), command.bot_id))
            .collect();

    let mut planned = Vec::new();
    for event in events {
        let envelope = &event.envelope;
        let message = envelope.message_id.and_then(|id| posted.get(&id.0));
        for listener in listeners.iter().filter(|listener| listener.chat_id == envelope.chat_id.0) {
            if let Some(delivery) = delivery_for(listener, envelope.kind, envelope.seq, message, &commands) {
                planned.push(delivery);
            }
        }
    }
    insert(conn, &planned).await
}

/// Whether `listener` gets the event, and as what: a command of its bot's, or the event itself.
fn delivery_for(
    listener: &Listener,
    kind: EventKind,
    seq: i64,
    message: Option<&Posted>,
    commands: &HashMap<(i64, String), i64>,
) -> Option<Planned> {
    let event = Planned { webhook_id: listener.id, seq, command: None, arguments: None };
    let Some(bot) = listener.bot_id else {
        return listener.events.iter().any(|wanted| wanted == kind.as_str()).then_some(event);
    };
    if let Some(message) = message {
        // A bot never hears its own messages (nor answers its own commands): no loops.
        if message.author_id == bot {
            return None;
        }
        if kind == EventKind::MessageCreated {
            let command = message.content.as_deref().and_then(split_command);
            if let Some((command, arguments)) = command
                && commands.get(&(listener.chat_id, command.to_owned())) == Some(&bot)
            {
                let (command, arguments) = (Some(command.to_owned()), Some(arguments.to_owned()));
                return Some(Planned { command, arguments, ..event });
            }
        }
    }
    if listener.commands_only || !listener.events.iter().any(|wanted| wanted == kind.as_str()) {
        return None;
    }
    if listener.mentions_only && !message.is_some_and(|message| message.mentioned.contains(&bot)) {
        return None;
    }
    Some(event)
}

async fn insert(conn: &mut AsyncPgConnection, planned: &[Planned]) -> StoreResult<()> {
    if planned.is_empty() {
        return Ok(());
    }
    let webhooks: Vec<i64> = planned.iter().map(|delivery| delivery.webhook_id).collect();
    let seqs: Vec<i64> = planned.iter().map(|delivery| delivery.seq).collect();
    let commands: Vec<Option<&str>> = planned.iter().map(|delivery| delivery.command.as_deref()).collect();
    let arguments: Vec<Option<&str>> = planned.iter().map(|delivery| delivery.arguments.as_deref()).collect();
    diesel::sql_query(
        "INSERT INTO webhook_deliveries (webhook_id, seq, command, arguments)
         SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[])
         ON CONFLICT (webhook_id, seq) DO NOTHING",
    )
    .bind::<Array<BigInt>, _>(&webhooks)
    .bind::<Array<BigInt>, _>(&seqs)
    .bind::<Array<Nullable<Text>>, _>(&commands)
    .bind::<Array<Nullable<Text>>, _>(&arguments)
    .execute(conn)
    .await?;
    Ok(())
}
