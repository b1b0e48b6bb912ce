-- When each chat last had a message (its creation until then), so that the chat list orders a
-- member's chats by reading one narrow row per chat instead of probing each chat's newest message:
-- a member of 1,000 chats paid 1,000 probes of the messages index for a page of 20 (`make bench`:
-- 6.5 times a member of 20's cost). The list probes the newest message of the page's chats only.
--
-- A table of its own, not a column of `chats`: the create statement moves it, and every message
-- inserted takes a FOR KEY SHARE lock on its chat's row (the foreign key). Updating that row on
-- each post made the posts to one chat share multixacts and walk its update chain: in pgbench, 16
-- clients posting to one chat ran at 1,726-1,770 creates a second with deadlocks, against
-- 2,143-2,211 with this table and 2,058-2,409 with no activity kept at all.
CREATE TABLE chat_activity (
    chat_id bigint PRIMARY KEY REFERENCES chats (id) ON DELETE CASCADE,
    last_message_at timestamptz NOT NULL
);

-- Every chat has its row, however it is inserted (the store, or an operator's SQL).
CREATE FUNCTION chat_activity_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO chat_activity (chat_id, last_message_at) VALUES (NEW.id, NEW.created_at);
    RETURN NULL;
END $$;
CREATE TRIGGER chat_activity_row AFTER INSERT ON chats FOR EACH ROW EXECUTE FUNCTION chat_activity_row();

INSERT INTO chat_activity (chat_id, last_message_at)
SELECT c.id, GREATEST(c.created_at, newest.ts)
  FROM chats c
  LEFT JOIN (SELECT chat_id, max(ts) AS ts FROM messages GROUP BY chat_id) newest ON newest.chat_id = c.id;
