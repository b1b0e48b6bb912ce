ALTER TABLE chat_members DROP COLUMN may_post;
ALTER TABLE users DROP COLUMN direct_chats;
DROP TABLE user_blocks;
