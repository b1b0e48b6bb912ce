-- Webhooks of a chat. Outgoing: the server POSTs the chat's events to `url`, signed with `secret`.
-- The secret is kept as it is, not hashed: signing needs the key itself (an HMAC cannot be made
-- from a hash of it), so it is as sensitive as a password hash's input and is never logged or
-- answered again after creation. Incoming: a secret URL posts as `bot_id`; only its token's
-- SHA-256 is kept (it is only ever verified).
CREATE TABLE webhooks (
    id             BIGSERIAL PRIMARY KEY,
    chat_id        BIGINT NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    kind           TEXT NOT NULL CHECK (kind IN ('outgoing', 'incoming')),
    created_by     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- Outgoing: the bot it acts for (its own messages are not sent to it; its commands are);
    -- incoming: the bot it posts as.
    bot_id         BIGINT REFERENCES users (id) ON DELETE CASCADE,
    name           TEXT,
    url            TEXT,
    secret         TEXT,
    token_hash     BYTEA UNIQUE,
    events         TEXT[] NOT NULL DEFAULT '{}',
    mentions_only  BOOLEAN NOT NULL DEFAULT false,
    commands_only  BOOLEAN NOT NULL DEFAULT false,
    -- `failing`: gave up retrying; nothing is sent until it is enabled again.
    state          TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'failing')),
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    revoked_at     TIMESTAMPTZ,
    CHECK ((kind = 'outgoing') = (url IS NOT NULL AND secret IS NOT NULL)),
    CHECK ((kind = 'incoming') = (token_hash IS NOT NULL AND bot_id IS NOT NULL))
);
CREATE INDEX webhooks_chat_idx ON webhooks (chat_id) WHERE revoked_at IS NULL;

-- One row per (webhook, event): planned from the event log (the `webhooks` log consumer, in the
-- transaction that moves its position), sent by any process. Only the oldest pending row of a
-- webhook is sendable, so a webhook receives its events in order, one request at a time.
CREATE TABLE webhook_deliveries (
    id               BIGSERIAL PRIMARY KEY,
    webhook_id       BIGINT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    seq              BIGINT NOT NULL,
    -- A slash command: the command, its arguments and who called it (from the message).
    command          TEXT,
    arguments        TEXT,
    state            TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- A process sending it holds it until then; a process that died gives it back by expiring.
    claimed_until    TIMESTAMPTZ,
    last_attempt_at  TIMESTAMPTZ,
    -- The last answer's HTTP status, or NULL with `last_error` for no answer (timeout, network).
    last_status      INTEGER,
    last_error       TEXT,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished_at      TIMESTAMPTZ,
    UNIQUE (webhook_id, seq)
);
CREATE INDEX webhook_deliveries_pending_idx ON webhook_deliveries (webhook_id, seq) WHERE state = 'pending';

-- Slash commands a bot answers in a chat: one bot per command name in a chat.
CREATE TABLE bot_commands (
    chat_id  BIGINT NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    command  TEXT NOT NULL,
    bot_id   BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (chat_id, command)
);
CREATE INDEX bot_commands_bot_idx ON bot_commands (bot_id, chat_id);
