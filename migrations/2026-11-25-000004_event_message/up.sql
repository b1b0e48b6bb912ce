-- The message an event is about, so deleting a message can redact its earlier events too.
ALTER TABLE events ADD COLUMN message_id BIGINT;
CREATE INDEX events_message_idx ON events (message_id) WHERE message_id IS NOT NULL;
