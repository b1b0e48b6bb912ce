-- A chat whose markers moved since its last `receipt.updated` is `dirty`; the receipt publisher
-- sends one event per dirty chat at most once a second, and only when its two lowest delivery
-- or read markers (`sent`: as last sent) changed.
CREATE TABLE receipt_frontiers (
    chat_id  BIGINT PRIMARY KEY REFERENCES chats (id) ON DELETE CASCADE,
    dirty    BOOLEAN NOT NULL,
    sent     JSONB
);
CREATE INDEX receipt_frontiers_dirty_idx ON receipt_frontiers (chat_id) WHERE dirty;
