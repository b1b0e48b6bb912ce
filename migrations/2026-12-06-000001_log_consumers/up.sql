-- Workers that act on every published event (push, webhooks) each keep their place in the log
-- here, moved in the same transaction as the work they record for the events they passed.
CREATE TABLE log_consumers (
    name TEXT PRIMARY KEY,
    position BIGINT NOT NULL
);
