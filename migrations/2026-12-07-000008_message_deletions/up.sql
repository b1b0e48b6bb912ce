-- Who deleted a message, and why (issue 25): a tombstone says so. A table of its own rather than
-- columns on messages, so the statements that read and write live messages stay as they are; the
-- aggregate builder reads it only for the tombstones of a page. Deletions from before this table
-- have no row (their tombstones say nothing of who).
CREATE TABLE message_deletions (
    message_id bigint PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
    deleted_by bigint NOT NULL,
    reason text
);
