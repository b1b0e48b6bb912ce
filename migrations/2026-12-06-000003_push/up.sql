-- Push notifications (issue 20): the server's VAPID key, each device's pusher, each member's
-- notification level per chat, and the outbox the push worker plans into and sends from.

-- One row: the VAPID key pair's private scalar (P-256, 32 bytes). Processes starting together each
-- insert a fresh key with ON CONFLICT DO NOTHING and then read, so all of them end with one key.
CREATE TABLE vapid_keys (
    singleton    BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (singleton),
    private_key  BYTEA NOT NULL CHECK (octet_length(private_key) = 32),
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- A device to notify: a Web Push subscription (`url` is its endpoint, with the browser's keys) or
-- an HTTP gateway pusher (Matrix push-gateway shaped, `pushkey` names the device to the gateway).
-- It belongs to the session that registered it: revoking the token deletes it (the revoking
-- statement does; the foreign key covers a token row deleted by hand). One row per user, URL and
-- pushkey: registering again updates it.
CREATE TABLE pushers (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash  BYTEA NOT NULL REFERENCES auth_tokens (token_hash) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('webpush', 'http')),
    url         TEXT NOT NULL,
    pushkey     TEXT NOT NULL DEFAULT '',
    p256dh      TEXT,
    auth        TEXT,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK ((kind = 'webpush') = (p256dh IS NOT NULL AND auth IS NOT NULL)),
    UNIQUE (user_id, url, pushkey)
);
CREATE INDEX pushers_token_idx ON pushers (token_hash);

-- A member's choice per chat: NULL is the chat kind's default (direct: all, group: mentions).
ALTER TABLE chat_members
    ADD COLUMN notification_level TEXT CHECK (notification_level IN ('all', 'mentions', 'none')),
    ADD COLUMN muted_until TIMESTAMPTZ;

-- The newest message a member was pushed for in a chat, until their read marker passes it: what a
-- read must clear from their devices.
CREATE TABLE push_badges (
    user_id     BIGINT NOT NULL,
    chat_id     BIGINT NOT NULL,
    message_id  BIGINT NOT NULL,
    PRIMARY KEY (user_id, chat_id),
    FOREIGN KEY (chat_id, user_id) REFERENCES chat_members (chat_id, user_id) ON DELETE CASCADE
);

-- The push outbox: one row per notification and pusher, planned from the event log, sent by any
-- process. `claimed_until` is a sender's lease (a killed sender's rows come back after it);
-- `attempts` and `due_at` pace retries. Finished rows stay a day as the record of what was sent.
CREATE TABLE push_deliveries (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    pusher_id      BIGINT NOT NULL REFERENCES pushers (id) ON DELETE CASCADE,
    kind           TEXT NOT NULL CHECK (kind IN ('message', 'clear')),
    chat_id        BIGINT NOT NULL,
    message_id     BIGINT NOT NULL,
    due_at         TIMESTAMPTZ NOT NULL,
    claimed_until  TIMESTAMPTZ,
    attempts       INTEGER NOT NULL DEFAULT 0,
    state          TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'skipped', 'failed')),
    finished_at    TIMESTAMPTZ,
    UNIQUE (pusher_id, kind, message_id)
);
CREATE INDEX push_deliveries_due_idx ON push_deliveries (due_at) WHERE state = 'pending';
CREATE INDEX push_deliveries_finished_idx ON push_deliveries (finished_at) WHERE state <> 'pending';
