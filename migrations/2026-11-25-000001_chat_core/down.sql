DROP TABLE idempotency_keys;
DROP TABLE reactions;
DROP TABLE messages;
DROP TABLE chat_members;
DROP TABLE chats;
DROP TABLE auth_tokens;
DROP TABLE users;
