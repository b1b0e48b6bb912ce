DROP TABLE threads;
DROP INDEX messages_thread_idx;
ALTER TABLE messages DROP COLUMN thread_root_id;
