ALTER TABLE chats DROP COLUMN last_message_at;
