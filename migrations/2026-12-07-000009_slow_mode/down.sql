ALTER TABLE chat_members DROP COLUMN slow_until;
ALTER TABLE chats DROP COLUMN slow_mode_secs;
