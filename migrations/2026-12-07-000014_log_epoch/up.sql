-- The log's epoch, named by every resume token (docs/EVENTS.md, "Resuming"). It starts random, so
-- a token from another database (one recreated, or another deployment's) is not taken for this
-- one's; restoring the database from a backup moves it on (docs/OPERATIONS.md), so a token from
-- before the restore answers resync_required instead of naming seqs that now belong to other events.
ALTER TABLE event_head ADD COLUMN epoch BIGINT NOT NULL DEFAULT (1 + floor(random() * 2147483646))::bigint
    CHECK (epoch > 0);
ALTER TABLE event_head ALTER COLUMN epoch DROP DEFAULT;
