-- `reply_to_id` references messages(id): without an index, deleting a message checks every
-- message for replies to it, so deleting a chat of n messages by hand cost n full scans (a
-- 200,000-message chat ran for minutes). Partial: messages that reply to nothing, nearly all,
-- cost it nothing on insert.
CREATE INDEX messages_reply_to_idx ON messages (reply_to_id) WHERE reply_to_id IS NOT NULL;
