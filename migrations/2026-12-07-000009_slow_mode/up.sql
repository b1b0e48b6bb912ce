-- Slow mode (issue 25): a group's owners and admins let each plain member post once every
-- `slow_mode_secs` seconds (0: off). A member's next allowed post is kept on their membership row,
-- which the create statement reads anyway; it is written only in chats with slow mode on.
ALTER TABLE chats ADD COLUMN slow_mode_secs integer NOT NULL DEFAULT 0 CHECK (slow_mode_secs BETWEEN 0 AND 86400);
ALTER TABLE chat_members ADD COLUMN slow_until timestamptz;
