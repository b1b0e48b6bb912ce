-- Threads. A reply in a thread names its root; the root's summary (replies not deleted, the
-- newest one's time, its latest repliers) is kept in `threads`, written with each reply and
-- each reply's delete, so reading a page never counts replies. `(thread_root_id, id)` pages a
-- thread and serves the foreign-key check when a message is deleted by hand.
-- Adding a nullable column takes no rewrite; its foreign key is checked by one scan of
-- `messages` under a lock that blocks writes for that scan (documented in ARCHITECTURE.md).
ALTER TABLE messages ADD COLUMN thread_root_id BIGINT REFERENCES messages (id);
CREATE INDEX messages_thread_idx ON messages (thread_root_id, id) WHERE thread_root_id IS NOT NULL;

CREATE TABLE threads (
    root_id          BIGINT PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
    reply_count      INTEGER NOT NULL CHECK (reply_count >= 0),
    last_reply_at    TIMESTAMPTZ,
    participant_ids  BIGINT[] NOT NULL
);
