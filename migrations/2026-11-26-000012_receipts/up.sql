-- Delivery receipts. A member's delivery marker says every message of the chat up to it reached
-- one of their devices (an acknowledged WebSocket frame, a history page, a feed page). Every
-- advance of a delivery or read marker is kept in `receipt_marks` with its time, so a message's
-- receipt is the first advance at or past it: one row per advance, never one per message and
-- member (advances of one connection are batched, at most one a second).
ALTER TABLE chat_members ADD COLUMN last_delivered_message_id BIGINT;

CREATE TABLE receipt_marks (
    chat_id     BIGINT NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('delivered', 'read')),
    message_id  BIGINT NOT NULL,
    at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (chat_id, user_id, kind, message_id)
);

-- Read markers set before receipts existed: when they moved is unknown, so they date from now.
INSERT INTO receipt_marks (chat_id, user_id, kind, message_id)
SELECT chat_id, user_id, 'read', last_read_message_id FROM chat_members WHERE last_read_message_id IS NOT NULL;
