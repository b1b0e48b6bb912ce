ALTER TABLE event_head DROP COLUMN epoch;
