-- Edit history, and the events every change writes in its own transaction.

-- Earlier versions of a message: one row per edit, holding what the edit replaced.
CREATE TABLE message_edits (
    id           BIGSERIAL PRIMARY KEY,
    message_id   BIGINT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    content      TEXT,
    payload      JSONB,
    -- When the replaced version was written (the message's ts, or the previous edit's time).
    written_at   TIMESTAMPTZ NOT NULL,
    replaced_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX message_edits_message_idx ON message_edits (message_id, id);

-- The event log. A change inserts its event in the same transaction, so a committed change always
-- has its event and a rolled-back one never does. `seq` is assigned after commit by the publisher
-- (see docs/ARCHITECTURE.md), so seq order is an order in which events became visible and a
-- reader resuming from a seq can never miss an event that committed late.
CREATE TABLE events (
    id          BIGSERIAL PRIMARY KEY,
    seq         BIGINT UNIQUE,
    chat_id     BIGINT NOT NULL,
    kind        TEXT NOT NULL,
    data        JSONB NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX events_unpublished_idx ON events (id) WHERE seq IS NULL;
CREATE INDEX events_chat_seq_idx ON events (chat_id, seq);
CREATE SEQUENCE event_seq AS BIGINT;
