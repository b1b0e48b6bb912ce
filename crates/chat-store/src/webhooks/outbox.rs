//! The deliveries' outbox: claiming what is due (a run of each webhook's oldest pending
//! deliveries, in order), recording the outcomes of a round's attempts together, and listing a
//! webhook's recent deliveries.
//!
//! A claim leases the webhook (`webhooks.claimed_until`, taken with `FOR UPDATE SKIP LOCKED`), so
//! a webhook's deliveries are one process's at a time and a receiver gets its events in order,
//! one request at a time, even across retries and restarts; a killed process's webhooks come back
//! when their lease ends. Then it reads the webhook's run: its oldest pending deliveries, if the
//! oldest is due. Sending happens outside any transaction. A run rather than one delivery a claim:
//! a claim and a record per delivery cost the database three times what the message did (`make
//! bench`).

use crate::connection::pool::Store;
use crate::connection::prepared::{plan_for_values, prepared, statement};
use crate::error::StoreResult;
use crate::events::published::PublishedEvent;
use crate::rows::{EventRow, UserRow};
use crate::schema::{events, messages, users};
use crate::webhooks::access::ensure_manager;
use chat_domain::{CommandCall, DeliveryState, MessageId, User, UserId, WebhookDelivery, WebhookId};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Double, Integer, Nullable, Text, Timestamptz};
use diesel_async::{AsyncConnection, RunQueryDsl};
use std::collections::HashMap;
use std::time::Duration;
use time::OffsetDateTime;

/// What a claimed delivery carries.
#[derive(Debug)]
pub enum DeliveryBody {
    /// The event, sent as the WebSocket sends it.
    Event(PublishedEvent),
    /// A slash command for the webhook's bot.
    Command(CommandCall),
    /// The event is no longer in the log (retention pruned it): nothing to send.
    Gone,
}

/// A delivery this process holds until its lease ends.
pub struct ClaimedDelivery {
    /// The delivery's id: `Chat-Webhook-Id`.
    pub id: i64,
    pub webhook_id: WebhookId,
    /// The webhook's bot, which answers commands.
    pub bot_id: Option<UserId>,
    pub url: String,
    /// The signing key (never logged).
    pub secret: String,
    /// Attempts made once this one is, this one included.
    pub attempts: i32,
    pub body: DeliveryBody,
}

/// Without the URL and the secret, which are credentials and never logged.
impl std::fmt::Debug for ClaimedDelivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClaimedDelivery")
            .field("id", &self.id)
            .field("webhook_id", &self.webhook_id)
            .field("bot_id", &self.bot_id)
            .field("attempts", &self.attempts)
            .field("body", &self.body)
            .finish_non_exhaustive()
    }
}

/// What became of one attempt.
#[derive(Clone, Copy, Debug)]
pub enum DeliveryOutcome<'a> {
    /// 2xx: done.
    Delivered { status: u16 },
    /// A 4xx other than 429 (or a 3xx): the receiver refused it for good; the next one goes.
    Refused { status: u16 },
    /// A 5xx, a 429 or no answer (`error`): tried again after `after`.
    Retry { status: Option<u16>, error: Option<&'a str>, after: Duration },
    /// Nothing could be sent, and trying again will not help (`error`: the event is gone from
    /// the log, the URL is refused now): failed, the next one goes.
    Dropped { error: &'a str },
    /// As `Retry`, but past the retry window: the webhook is marked `failing` and the delivery
    /// waits, in its place, for the webhook to be enabled again.
    GiveUp { status: Option<u16>, error: Option<&'a str> },
    /// Not attempted: its run ended before it (an earlier delivery is to be tried again, or the
    /// lease was running out). Back in its place, as it was.
    Released,
}

/// What to record of one claimed delivery.
#[derive(Clone, Copy, Debug)]
pub struct DeliveryRecord<'a> {
    pub id: i64,
    pub outcome: DeliveryOutcome<'a>,
}

/// A round of sending: the webhooks this process leased, and their runs.
#[derive(Debug, Default)]
pub struct WebhookRound {
    /// To let go of when the round is recorded (some may have no run: their oldest delivery was
    /// no longer due).
    pub leased: Vec<WebhookId>,
    /// Each webhook's run, in seq order, the runs one after the other.
    pub deliveries: Vec<ClaimedDelivery>,
}

#[derive(QueryableByName)]
struct LeasedRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

#[derive(QueryableByName)]
struct ClaimRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = BigInt)]
    webhook_id: i64,
    #[diesel(sql_type = BigInt)]
    seq: i64,
    #[diesel(sql_type = Nullable<Text>)]
    command: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    arguments: Option<String>,
    #[diesel(sql_type = Integer)]
    attempts: i32,
    #[diesel(sql_type = Nullable<BigInt>)]
    bot_id: Option<i64>,
    #[diesel(sql_type = Text)]
    url: String,
    #[diesel(sql_type = Text)]
    secret: String,
}

// Leases, for `$2` seconds, up to `$1` webhooks that are not leased and whose oldest pending
// delivery is due, oldest such delivery first. Each head is one probe of
// `webhook_deliveries_pending_idx` (sorting every pending delivery to find the heads cost 20 ms a
// claim with 16,000 waiting in `make bench`). The lease is checked again on the locked row: a
// webhook another process leased since this statement's snapshot is skipped.
statement!(
    LeaseWebhooks,
    "
WITH due AS (
    SELECT w.id
      FROM webhooks w
      CROSS JOIN LATERAL (
          SELECT d.seq, d.next_attempt_at FROM webhook_deliveries d
           WHERE d.webhook_id = w.id AND d.state = 'pending'
           ORDER BY d.seq LIMIT 1
      ) head
     WHERE w.revoked_at IS NULL AND w.state = 'active' AND w.kind = 'outgoing'
       AND (w.claimed_until IS NULL OR w.claimed_until < now()) AND head.next_attempt_at <= now()
     ORDER BY head.seq LIMIT $1
       FOR UPDATE OF w SKIP LOCKED
)
UPDATE webhooks w SET claimed_until = now() + make_interval(secs => $2)
  FROM due
 WHERE w.id = due.id AND (w.claimed_until IS NULL OR w.claimed_until < now())
RETURNING w.id"
);

// The runs of the webhooks this process just leased (`$1`): each one's oldest pending deliveries,
// up to `$2`, in seq order, if the oldest is (still) due. Read in a statement of its own, after the
// lease: its snapshot sees what the previous holder recorded before letting go.
statement!(
    ReadRuns,
    "
SELECT run.id, w.id AS webhook_id, run.seq, run.command, run.arguments, run.attempts + 1 AS attempts,
       w.bot_id, w.url, w.secret
  FROM webhooks w
  CROSS JOIN LATERAL (
      SELECT d.id, d.seq, d.command, d.arguments, d.attempts, d.next_attempt_at FROM webhook_deliveries d
       WHERE d.webhook_id = w.id AND d.state = 'pending'
       ORDER BY d.seq LIMIT $2
  ) run
 WHERE w.id = ANY($1)
   AND (SELECT d.next_attempt_at FROM webhook_deliveries d WHERE d.webhook_id = w.id AND d.state = 'pending'
         ORDER BY d.seq LIMIT 1) <= now()
 ORDER BY w.id, run.seq"
);

// Records a round's outcomes (`$1` ids; `$2` states; `$3` statuses; `$4` errors; `$5` seconds
// until the next attempt; `$6` whether it was attempted, or only released; `$7` whether the
// webhook gave up), marks the webhooks that gave up `failing`, and lets go of the leases of the
// webhooks `$8`. The rows are found by primary key: with `state = 'pending'` the planner took the
// pending index (its statistics a few rows, though dead entries fill it between vacuums) and
// walked 13,000 entries, 4 ms a round in `make bench`; so the finished states are excluded
// instead, which no partial index matches.
statement!(
    RecordOutcomes,
    "
WITH outcome AS (
    SELECT * FROM unnest($1::bigint[], $2::text[], $3::int[], $4::text[], $5::float8[], $6::bool[], $7::bool[])
        AS o(id, state, status, error, retry_secs, attempted, gave_up)
), recorded AS (
    UPDATE webhook_deliveries d
       SET state = o.state,
           attempts = d.attempts + o.attempted::int,
           last_status = CASE WHEN o.attempted THEN o.status ELSE d.last_status END,
           last_error = CASE WHEN o.attempted THEN o.error ELSE d.last_error END,
           last_attempt_at = CASE WHEN o.attempted THEN now() ELSE d.last_attempt_at END,
           next_attempt_at = CASE WHEN o.attempted THEN now() + make_interval(secs => o.retry_secs)
                                  ELSE d.next_attempt_at END,
           finished_at = CASE WHEN o.state = 'pending' THEN NULL ELSE now() END
      FROM outcome o
     WHERE d.id = ANY($1) AND d.id = o.id AND d.state NOT IN ('delivered', 'failed')
 RETURNING d.webhook_id, o.gave_up
)
UPDATE webhooks
   SET claimed_until = NULL,
       state = CASE WHEN id IN (SELECT webhook_id FROM recorded WHERE gave_up) THEN 'failing' ELSE state END
 WHERE id = ANY($8)"
);

/// A round's outcomes as the columns `RecordOutcomes` unnests.
#[derive(Default)]
struct RecordColumns<'a> {
    ids: Vec<i64>,
    states: Vec<&'static str>,
    statuses: Vec<Option<i32>>,
    errors: Vec<Option<&'a str>>,
    retry_secs: Vec<f64>,
    attempted: Vec<bool>,
    gave_up: Vec<bool>,
}

impl<'a> RecordColumns<'a> {
    fn push(&mut self, record: &DeliveryRecord<'a>) {
        let (state, status, error, retry_in) = match record.outcome {
            DeliveryOutcome::Delivered { status } => (DeliveryState::Delivered, Some(status), None, 0.0),
            DeliveryOutcome::Refused { status } => (DeliveryState::Failed, Some(status), None, 0.0),
            DeliveryOutcome::Dropped { error } => (DeliveryState::Failed, None, Some(error), 0.0),
            DeliveryOutcome::Retry { status, error, after } => {
                (DeliveryState::Pending, status, error, after.as_secs_f64())
            }
            DeliveryOutcome::GiveUp { status, error } => (DeliveryState::Pending, status, error, 0.0),
            DeliveryOutcome::Released => (DeliveryState::Pending, None, None, 0.0),
        };
        self.ids.push(record.id);
        self.states.push(state.as_str());
        self.statuses.push(status.map(i32::from));
        self.errors.push(error);
        self.retry_secs.push(retry_in);
        self.attempted.push(!matches!(record.outcome, DeliveryOutcome::Released));
        self.gave_up.push(matches!(record.outcome, DeliveryOutcome::GiveUp { .. }));
    }
}

impl Store {
    /// Leases up to `webhooks` webhooks with a due delivery for `lease` (longer than a run's
    /// requests can take), and reads each one's run: up to `run` of its oldest pending
    /// deliveries, in seq order, with what each must send. The leases are let go of by
    /// `record_webhook_deliveries`, or lapse.
    pub async fn claim_webhook_deliveries(
        &self,
        webhooks: i64,
        run: i64,
        lease: Duration,
    ) -> StoreResult<WebhookRound> {
        let mut conn = self.conn().await?;
        // The lease commits before anything is sent; the runs are read after it, in a statement
        // of their own.
        let (leased, claimed) = conn
            .transaction(async |conn| {
                let leased: Vec<i64> = prepared::<LeaseWebhooks>()
                    .bind::<BigInt, _>(webhooks)
                    .bind::<Double, _>(lease.as_secs_f64())
                    .load::<LeasedRow>(conn)
                    .await?
                    .into_iter()
                    .map(|row| row.id)
                    .collect();
                if leased.is_empty() {
                    return Ok::<_, diesel::result::Error>((leased, Vec::new()));
                }
                let claimed = prepared::<ReadRuns>()
                    .bind::<Array<BigInt>, _>(&leased)
                    .bind::<BigInt, _>(run)
                    .load::<ClaimRow>(conn)
                    .await?;
                Ok((leased, claimed))
            })
            .await?;
        let leased = leased.into_iter().map(WebhookId).collect();
        if claimed.is_empty() {
            return Ok(WebhookRound { leased, deliveries: Vec::new() });
        }
        let seqs: Vec<i64> = claimed.iter().map(|row| row.seq).collect();
        let mut logged: HashMap<i64, PublishedEvent> = HashMap::new();
        let rows = events::table
            .filter(events::seq.eq_any(&seqs))
            .select(EventRow::as_select())
            .load::<EventRow>(&mut conn)
            .await?;
        for row in rows {
            let event = row.into_published()?;
            logged.insert(event.envelope.seq, event);
        }
        let commanded: Vec<i64> = claimed
            .iter()
            .filter(|row| row.command.is_some())
            .filter_map(|row| logged.get(&row.seq).and_then(|event| event.envelope.message_id).map(|id| id.0))
            .collect();
        let callers: HashMap<i64, User> = if commanded.is_empty() {
            HashMap::new()
        } else {
            messages::table
                .inner_join(users::table.on(users::id.eq(messages::author_id)))
                .filter(messages::id.eq_any(&commanded))
                .select((messages::id, UserRow::as_select()))
                .load::<(i64, UserRow)>(&mut conn)
                .await?
                .into_iter()
                .map(|(message, author)| (message, User::from(author)))
                .collect()
        };
        let deliveries = claimed
            .into_iter()
            .map(|row| {
                // Not `remove`: webhooks of one chat share the event, each gets its own copy.
                let event = logged.get(&row.seq).cloned();
                let body = match (event, row.command) {
                    (None, _) => DeliveryBody::Gone,
                    (Some(event), None) => DeliveryBody::Event(event),
                    (Some(event), Some(command)) => {
                        let message = event.envelope.message_id.unwrap_or(MessageId(0));
                        match callers.get(&message.0) {
                            Some(caller) => DeliveryBody::Command(CommandCall {
                                command,
                                arguments: row.arguments.unwrap_or_default(),
                                caller: caller.clone(),
                                chat_id: event.envelope.chat_id,
                                message_id: message,
                            }),
                            None => DeliveryBody::Gone,
                        }
                    }
                };
                ClaimedDelivery {
                    id: row.id,
                    webhook_id: WebhookId(row.webhook_id),
                    bot_id: row.bot_id.map(UserId),
                    url: row.url,
                    secret: row.secret,
                    attempts: row.attempts,
                    body,
                }
            })
            .collect();
        Ok(WebhookRound { leased, deliveries })
    }

    /// Records what became of a round's deliveries, and lets go of the webhooks it leased; in
    /// one statement.
    pub async fn record_webhook_deliveries(
        &self,
        leased: &[WebhookId],
        records: &[DeliveryRecord<'_>],
    ) -> StoreResult<()> {
        if leased.is_empty() {
            return Ok(());
        }
        let mut columns = RecordColumns::default();
        for record in records {
            columns.push(record);
        }
        let mut conn = self.conn().await?;
        prepared::<RecordOutcomes>()
            .bind::<Array<BigInt>, _>(columns.ids)
            .bind::<Array<Text>, _>(columns.states)
            .bind::<Array<Nullable<Integer>>, _>(columns.statuses)
            .bind::<Array<Nullable<Text>>, _>(columns.errors)
            .bind::<Array<Double>, _>(columns.retry_secs)
            .bind::<Array<Bool>, _>(columns.attempted)
            .bind::<Array<Bool>, _>(columns.gave_up)
            .bind::<Array<BigInt>, _>(leased.iter().map(|webhook| webhook.0).collect::<Vec<_>>())
            .execute(&mut conn)
            .await?;
        Ok(())
    }

    /// Forgets deliveries finished more than `kept` ago, and every delivery of a webhook revoked
    /// that long ago (its pending ones will never be sent); how many.
    pub async fn prune_webhook_deliveries(&self, kept: Duration) -> StoreResult<usize> {
        let mut conn = self.conn().await?;
        let prune = diesel::sql_query(
            "DELETE FROM webhook_deliveries d USING webhooks w
              WHERE w.id = d.webhook_id
                AND ((d.state <> 'pending' AND d.finished_at < now() - make_interval(secs => $1))
                     OR w.revoked_at < now() - make_interval(secs => $1))",
        )
        .bind::<Double, _>(kept.as_secs_f64());
        conn.transaction(async |conn| {
            plan_for_values(conn).await?;
            Ok(prune.execute(conn).await?)
        })
        .await
    }

    /// Webhook `id`'s newest deliveries (at most 100), for whoever may manage it.
    pub async fn webhook_deliveries(&self, id: WebhookId, actor: UserId) -> StoreResult<Vec<WebhookDelivery>> {
        #[derive(QueryableByName)]
        struct Row {
            #[diesel(sql_type = BigInt)]
            id: i64,
            #[diesel(sql_type = BigInt)]
            seq: i64,
            #[diesel(sql_type = Nullable<Text>)]
            command: Option<String>,
            #[diesel(sql_type = Text)]
            state: String,
            #[diesel(sql_type = Integer)]
            attempts: i32,
            #[diesel(sql_type = Nullable<Integer>)]
            last_status: Option<i32>,
            #[diesel(sql_type = Nullable<Text>)]
            last_error: Option<String>,
            #[diesel(sql_type = Timestamptz)]
            created_at: OffsetDateTime,
            #[diesel(sql_type = Nullable<Timestamptz>)]
            last_attempt_at: Option<OffsetDateTime>,
            #[diesel(sql_type = Nullable<Timestamptz>)]
            finished_at: Option<OffsetDateTime>,
        }
        let mut conn = self.conn().await?;
        ensure_manager(&mut conn, id.0, actor).await?;
        let rows = diesel::sql_query(
            "SELECT id, seq, command, state, attempts, last_status, last_error, created_at, last_attempt_at, finished_at
               FROM webhook_deliveries WHERE webhook_id = $1 ORDER BY seq DESC LIMIT 100",
        )
        .bind::<BigInt, _>(id.0)
        .load::<Row>(&mut conn)
        .await?;
        rows.into_iter()
            .map(|row| {
                let state = row
                    .state
                    .parse::<DeliveryState>()
                    .map_err(|()| crate::error::StoreError::Corrupt(format!("delivery state: {:?}", row.state)))?;
                Ok(WebhookDelivery {
                    id: row.id,
                    seq: row.seq,
                    command: row.command,
                    state,
                    attempts: row.attempts,
                    last_status: row.last_status,
                    last_error: row.last_error,
                    created_at: row.created_at.into(),
                    last_attempt_at: row.last_attempt_at.map(Into::into),
                    finished_at: row.finished_at.map(Into::into),
                })
            })
            .collect()
    }
}
