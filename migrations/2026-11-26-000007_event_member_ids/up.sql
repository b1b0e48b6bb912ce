-- The users whose membership an event changes, typed: those `chat.created` and `member.added`
-- add, the one `member.removed` removes (empty for every other event). Resuming reads this column,
-- never the event's JSON by field name. The backfill reads the JSON once, here.
ALTER TABLE events ADD COLUMN member_ids BIGINT[] NOT NULL DEFAULT '{}';
UPDATE events
   SET member_ids = ARRAY(SELECT (member->>'user_id')::bigint FROM jsonb_array_elements(data->'members') member)
 WHERE kind IN ('chat.created', 'member.added');
UPDATE events SET member_ids = ARRAY[(data->>'user_id')::bigint] WHERE kind = 'member.removed';
-- Partial: the messages' events, nearly all, cost it nothing on insert.
CREATE INDEX events_member_ids_idx ON events USING gin (member_ids) WHERE cardinality(member_ids) > 0;
