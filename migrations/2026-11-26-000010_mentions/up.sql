-- Who a message mentions: members of its chat only, never its author. Written with the message
-- (and again on an edit); a delete removes them. Unread mentions are those after the member's
-- read marker: `(user_id, chat_id, message_id)` counts them per chat and lists them newest first.
CREATE TABLE mentions (
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    chat_id     BIGINT NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    message_id  BIGINT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, chat_id, message_id)
);
CREATE INDEX mentions_message_idx ON mentions (message_id);
CREATE INDEX mentions_user_message_idx ON mentions (user_id, message_id);
