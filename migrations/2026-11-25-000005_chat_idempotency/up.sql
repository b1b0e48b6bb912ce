-- Idempotency-Key for POST /chats too: a key now names either a message or a chat. The chat
-- reference is checked at commit, because the key is claimed before the chat row is written.
ALTER TABLE idempotency_keys ALTER COLUMN message_id DROP NOT NULL;
ALTER TABLE idempotency_keys
    ADD COLUMN chat_id BIGINT REFERENCES chats (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE idempotency_keys
    ADD CONSTRAINT idempotency_keys_one_target CHECK ((message_id IS NULL) <> (chat_id IS NULL));
