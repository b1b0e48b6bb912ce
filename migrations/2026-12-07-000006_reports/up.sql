-- Reports of messages and users (issue 25). A message report keeps the message's content as it was
-- when reported (`evidence`), so moderators read it even if the author deletes the message; it is
-- erased once the report has been resolved for 90 days (the retention worker).
CREATE TABLE reports (
    id bigserial PRIMARY KEY,
    reporter_id bigint NOT NULL REFERENCES users (id),
    reported_user_id bigint NOT NULL REFERENCES users (id),
    chat_id bigint REFERENCES chats (id) ON DELETE SET NULL,
    message_id bigint REFERENCES messages (id) ON DELETE SET NULL,
    reason text NOT NULL,
    evidence text,
    created_at timestamptz NOT NULL DEFAULT now(),
    resolved_at timestamptz,
    resolved_by bigint REFERENCES users (id),
    resolution text,
    resolution_note text
);
CREATE INDEX reports_by_chat ON reports (chat_id, id);
