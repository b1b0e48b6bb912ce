-- Full-text search over message text (`GET /search`). PostgreSQL's `russian` configuration stems
-- Russian words with the Russian stemmer and ASCII words with the English one, so one column
-- serves both languages (and other words match as they are). Generated, so an edit re-indexes a
-- message and a delete (content set to NULL) empties it; the partial index leaves tombstones out.
ALTER TABLE messages
    ADD COLUMN search tsvector GENERATED ALWAYS AS (to_tsvector('russian'::regconfig, coalesce(content, ''))) STORED;
CREATE INDEX messages_search_idx ON messages USING gin (search) WHERE deleted_at IS NULL;
