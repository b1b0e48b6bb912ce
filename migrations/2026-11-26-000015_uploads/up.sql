-- Uploads: the metadata of files whose bytes live in object storage (never in the database).
-- A row is written `pending` before any byte is stored, so every stored object has a row that
-- names it: a process dying mid-upload leaves a pending row, and the pruner erases what it names.
-- `erasing` rows (a deleted message's files, unattached uploads past their day) have their bytes
-- erased, then go.
CREATE TABLE uploads (
    id               UUID PRIMARY KEY,
    uploader_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    state            TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'ready', 'erasing')),
    name             TEXT NOT NULL,
    content_type     TEXT,
    size             BIGINT,
    sha256           BYTEA,
    width            INTEGER,
    height           INTEGER,
    idempotency_key  TEXT,
    message_id       BIGINT REFERENCES messages (id) ON DELETE SET NULL,
    position         SMALLINT,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (state = 'pending' OR (content_type IS NOT NULL AND size > 0 AND sha256 IS NOT NULL))
);
CREATE UNIQUE INDEX uploads_idempotency_idx ON uploads (uploader_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
CREATE INDEX uploads_message_idx ON uploads (message_id, position) WHERE message_id IS NOT NULL;
-- What the pruner looks for: unattached and unfinished uploads by age, and anything erasing.
CREATE INDEX uploads_prune_idx ON uploads (created_at) WHERE message_id IS NULL OR state <> 'ready';
