-- A group's bans (issue 25): who is kept out, by whom and why. Adding a banned user is refused.
CREATE TABLE chat_bans (
    chat_id bigint NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    banned_by bigint NOT NULL REFERENCES users (id),
    reason text,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (chat_id, user_id)
);
