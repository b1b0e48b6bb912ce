DELETE FROM log_consumers WHERE name = 'search';
ALTER TABLE messages
    ADD COLUMN search tsvector GENERATED ALWAYS AS (to_tsvector('russian'::regconfig, coalesce(content, ''))) STORED;
CREATE INDEX messages_search_idx ON messages USING gin (search) WHERE deleted_at IS NULL;
DROP TABLE message_search;
