-- Presence. Every server process registers and beats; it holds a row per user it has WebSockets
-- open for (written when that count leaves or returns to zero, not per socket). A user is online
-- while a row of a live process (one that beat within the timeout) exists and they do not choose
-- to appear offline. A process that dies is swept by the others, and its users go offline.
CREATE TABLE server_processes (
    id       BIGSERIAL PRIMARY KEY,
    beat_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE presence_connections (
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    process_id  BIGINT NOT NULL,
    PRIMARY KEY (user_id, process_id)
);
CREATE INDEX presence_connections_process_idx ON presence_connections (process_id);

ALTER TABLE users ADD COLUMN last_seen_at TIMESTAMPTZ,
                  ADD COLUMN appear_offline BOOLEAN NOT NULL DEFAULT false;
