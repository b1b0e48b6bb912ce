ALTER TABLE chat_members DROP COLUMN slow_mode_secs;
