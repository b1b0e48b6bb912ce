DROP TRIGGER events_written ON events;
DROP FUNCTION notify_events_written();
DROP SEQUENCE event_seq;
DROP TABLE events;
DROP TABLE message_edits;
