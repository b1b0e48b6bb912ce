DROP TRIGGER chat_activity_row ON chats;
DROP FUNCTION chat_activity_row();
DROP TABLE chat_activity;
