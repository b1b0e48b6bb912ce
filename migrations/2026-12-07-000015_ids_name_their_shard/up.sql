-- Chat and message ids name their logical shard in their low six bits from now on (docs/
-- ARCHITECTURE.md, "Spreading chats over several clusters"): id = counter * 64 + shard, the
-- counter from the table's own sequence, so a request naming only a message finds its cluster.
-- Older chat ids already do under the same rule (id % 64); older message ids do not, so the first
-- id that does is kept: a lookup by an older one knows to ask every cluster. Every other cluster
-- makes its ids past both points, so an older id is never made again on another cluster.
CREATE TABLE shard_layout (
    singleton                BOOLEAN PRIMARY KEY DEFAULT true CHECK (singleton),
    logical_shards           INTEGER NOT NULL,
    sharded_chat_ids_from    BIGINT NOT NULL,
    sharded_message_ids_from BIGINT NOT NULL
);
INSERT INTO shard_layout (logical_shards, sharded_chat_ids_from, sharded_message_ids_from)
SELECT 64,
       (SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END FROM chats_id_seq) * 64,
       (SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END FROM messages_id_seq) * 64;
