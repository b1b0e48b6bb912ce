-- The chat's core tables. Text enums are checked here so no other value can ever be stored.

CREATE TABLE users (
    id            BIGSERIAL PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Bearer tokens, stored only as SHA-256 of the random secret the client holds.
CREATE TABLE auth_tokens (
    token_hash  BYTEA PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at  TIMESTAMPTZ NOT NULL,
    revoked_at  TIMESTAMPTZ
);
CREATE INDEX auth_tokens_user_idx ON auth_tokens (user_id);

CREATE TABLE chats (
    id          BIGSERIAL PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('direct', 'group')),
    title       TEXT,
    created_by  BIGINT NOT NULL REFERENCES users (id),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- "low:high" user ids of a direct chat: one direct chat per pair, enforced by the database.
    direct_key  TEXT UNIQUE,
    CHECK ((kind = 'direct') = (direct_key IS NOT NULL))
);

CREATE TABLE chat_members (
    chat_id               BIGINT NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    user_id               BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role                  TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    joined_at             TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_read_message_id  BIGINT,
    PRIMARY KEY (chat_id, user_id)
);
-- "Which chats is this user in" without scanning every chat.
CREATE INDEX chat_members_user_idx ON chat_members (user_id, chat_id);

CREATE TABLE messages (
    id           BIGSERIAL PRIMARY KEY,
    chat_id      BIGINT NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    author_id    BIGINT NOT NULL REFERENCES users (id),
    kind         TEXT NOT NULL CHECK (kind IN ('text', 'image', 'file', 'system')),
    content      TEXT,
    payload      JSONB CHECK (payload IS NULL OR jsonb_typeof(payload) = 'object'),
    ts           TIMESTAMPTZ NOT NULL DEFAULT now(),
    reply_to_id  BIGINT REFERENCES messages (id),
    deleted_at   TIMESTAMPTZ,
    updated_at   TIMESTAMPTZ
);
-- A page of history is one range scan of this index.
CREATE INDEX messages_chat_id_idx ON messages (chat_id, id);

CREATE TABLE reactions (
    message_id  BIGINT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    emoji       TEXT NOT NULL CHECK (octet_length(emoji) BETWEEN 1 AND 64),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    -- A user reacts with an emoji at most once.
    PRIMARY KEY (message_id, user_id, emoji)
);
-- The reactions of a page of messages, already in order of first use.
CREATE INDEX reactions_message_order_idx ON reactions (message_id, created_at, user_id);

-- Idempotency-Key records, scoped to the caller. The primary key is what makes concurrent
-- requests with one key create exactly one message, across any number of server processes.
CREATE TABLE idempotency_keys (
    user_id       BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key           TEXT NOT NULL,
    request_hash  BYTEA NOT NULL,
    message_id    BIGINT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
