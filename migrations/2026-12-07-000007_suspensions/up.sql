-- Suspensions (issue 25): a moderator suspends a person for a time or until lifted. While
-- suspended they cannot log in, and no token of theirs authenticates (suspending revokes them all).
-- `suspended_at` is set while a suspension holds or held; `suspended_until` is its end (NULL: until
-- lifted); `suspension_reason` the moderator's words (also in the audit log). Lifting clears all three.
ALTER TABLE users
    ADD COLUMN suspended_at timestamptz,
    ADD COLUMN suspended_until timestamptz,
    ADD COLUMN suspension_reason text;
