DROP INDEX events_message_idx;
ALTER TABLE events DROP COLUMN message_id;
