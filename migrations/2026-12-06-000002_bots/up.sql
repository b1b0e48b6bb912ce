-- Bot accounts: a user with `is_bot`, owned by the user who created it, without a password (it
-- signs in only with the tokens its owner is given). A deleted bot keeps its row, so the messages
-- it wrote keep their author (messages.author_id has no cascade), and its username stays taken,
-- so no one else can take the name its old messages were shown under.
ALTER TABLE users
    ADD COLUMN is_bot BOOLEAN NOT NULL DEFAULT false,
    ADD COLUMN bot_owner_id BIGINT REFERENCES users (id),
    ADD COLUMN deleted_at TIMESTAMPTZ,
    ADD CONSTRAINT users_bot_has_owner CHECK (is_bot = (bot_owner_id IS NOT NULL)),
    -- Login looks bots up as unknown usernames; an empty hash also never verifies.
    ADD CONSTRAINT users_bot_has_no_password CHECK (NOT is_bot OR password_hash = '');

-- "The caller's bots", newest last.
CREATE INDEX users_bot_owner_idx ON users (bot_owner_id, id) WHERE bot_owner_id IS NOT NULL;

-- A token limited to these chats (NULL: every chat its user is in).
ALTER TABLE auth_tokens ADD COLUMN chat_scope BIGINT[];
