-- Slow mode's seconds on each membership row too (the chat's `slow_mode_secs`, copied when it is
-- set and when someone joins), so the create statement, which reads the author's row anyway,
-- learns whether to write `slow_until` without reading `chats`: in `make bench` the statement's
-- slow-mode UPDATE, which read `chats` twice, cost it about a fifth of its database CPU.
ALTER TABLE chat_members ADD COLUMN slow_mode_secs integer NOT NULL DEFAULT 0;
UPDATE chat_members m SET slow_mode_secs = c.slow_mode_secs FROM chats c WHERE c.id = m.chat_id AND c.slow_mode_secs > 0;
