ALTER TABLE auth_tokens DROP COLUMN chat_scope;
DROP INDEX users_bot_owner_idx;
ALTER TABLE users
    DROP CONSTRAINT users_bot_has_no_password,
    DROP CONSTRAINT users_bot_has_owner,
    DROP COLUMN deleted_at,
    DROP COLUMN bot_owner_id,
    DROP COLUMN is_bot;
