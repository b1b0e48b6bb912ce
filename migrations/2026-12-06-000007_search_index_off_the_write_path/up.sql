-- Search indexing leaves the create statement: a message's words were a generated column of
-- `messages` with a GIN index, paid for by every create on its answer's path (about a quarter of
-- the statement's database CPU). They now live in a table of their own, written by the `search`
-- consumer of the event log in batches after the message committed (`chat-store`'s
-- `search_index.rs`), so a message is found a moment after it is posted (the lag is in
-- docs/ARCHITECTURE.md). Only live messages with words have a row; a delete removes it.
--
-- The consumer's position is taken first: every event published after it is indexed by the
-- consumer, and every message committed before the copy below is copied, so a message or edit
-- that commits while this runs is one or the other (or both, which is harmless).
INSERT INTO log_consumers (name, position) SELECT 'search', seq FROM event_head ON CONFLICT (name) DO NOTHING;
CREATE TABLE message_search (
    message_id BIGINT PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
    chat_id BIGINT NOT NULL,
    words tsvector NOT NULL
);
INSERT INTO message_search (message_id, chat_id, words)
SELECT id, chat_id, search FROM messages WHERE deleted_at IS NULL AND search <> ''::tsvector;
CREATE INDEX message_search_words_idx ON message_search USING gin (words);
DROP INDEX messages_search_idx;
ALTER TABLE messages DROP COLUMN search;
