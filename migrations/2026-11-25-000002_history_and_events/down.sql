DROP SEQUENCE event_seq;
DROP TABLE events;
DROP TABLE message_edits;
