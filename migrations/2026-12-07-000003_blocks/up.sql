-- Blocking and who may start a direct chat (issue 25).

-- `blocker_id` blocks `blocked_id`: the blocked user cannot start a direct chat with the blocker,
-- nor post in the one they share.
CREATE TABLE user_blocks (
    blocker_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    blocked_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (blocker_id, blocked_id),
    CHECK (blocker_id <> blocked_id)
);
CREATE INDEX user_blocks_by_blocked ON user_blocks (blocked_id);

-- Who may start a direct chat with the user.
ALTER TABLE users ADD COLUMN direct_chats text NOT NULL DEFAULT 'everyone'
    CHECK (direct_chats IN ('everyone', 'shared', 'nobody'));

-- False for the blocked member of a direct chat whose other member blocks them: the create
-- statement reads this row anyway (its membership check), so a block costs a post nothing to
-- enforce. Kept by blocking and unblocking, and set when a direct chat is created.
ALTER TABLE chat_members ADD COLUMN may_post boolean NOT NULL DEFAULT true;
