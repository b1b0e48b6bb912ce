-- When each chat last had a message, kept by the create statement, so that the chat list orders a
-- member's chats by reading their rows instead of probing each chat's newest message: a member of
-- 1,000 chats paid 1,000 probes of the messages index for a page of 20 (`make bench`: 6.5 times a
-- member of 20's cost). The list then probes the newest message of the page's chats only.
ALTER TABLE chats ADD COLUMN last_message_at timestamptz;
UPDATE chats c SET last_message_at = newest.ts
  FROM (SELECT chat_id, max(ts) AS ts FROM messages GROUP BY chat_id) newest
 WHERE newest.chat_id = c.id;
