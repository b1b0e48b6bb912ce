-- Server roles and the moderation audit log (issue 25).

-- A server-wide role given by an admin (`PUT /moderation/users/{id}/role`). The first registered
-- person, and those named in CHAT_ADMIN_USERNAMES, are admins without it.
ALTER TABLE users ADD COLUMN server_role text CHECK (server_role IN ('admin', 'moderator'));

-- Every moderation action, written in the transaction of the action itself; the API never changes
-- a row. `chat_id`, `target_user_id` and `message_id` say what it was about, as far as it applies.
CREATE TABLE moderation_audit (
    id bigserial PRIMARY KEY,
    actor_id bigint NOT NULL REFERENCES users (id),
    action text NOT NULL,
    chat_id bigint REFERENCES chats (id) ON DELETE SET NULL,
    target_user_id bigint REFERENCES users (id),
    message_id bigint REFERENCES messages (id) ON DELETE SET NULL,
    reason text,
    created_at timestamptz NOT NULL DEFAULT now()
);
