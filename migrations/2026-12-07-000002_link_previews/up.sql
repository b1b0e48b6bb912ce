-- Link previews: what the page of a message's first web address shows, fetched after the message
-- is posted by the `previews` consumer of the event log (never on the request's path).

-- What a page showed when it was fetched: one row per fetch, so a message keeps the preview it was
-- given while newer messages naming the address get a fresh one once this is older than the cache's
-- lifetime. `found` is false for a page that offered nothing to show (or could not be fetched):
-- remembered too, so a popular dead link is not fetched again for every message.
CREATE TABLE link_previews (
    id bigserial PRIMARY KEY,
    url text NOT NULL,
    found boolean NOT NULL,
    title text,
    description text,
    site_name text,
    image_upload_id uuid REFERENCES uploads (id) ON DELETE SET NULL,
    fetched_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX link_previews_by_url ON link_previews (url, fetched_at DESC);
CREATE INDEX link_previews_by_image ON link_previews (image_upload_id) WHERE image_upload_id IS NOT NULL;

-- The preview a message shows.
CREATE TABLE message_link_previews (
    message_id bigint PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
    preview_id bigint NOT NULL REFERENCES link_previews (id)
);
CREATE INDEX message_link_previews_by_preview ON message_link_previews (preview_id);

-- Messages whose first link is to be previewed (`url`) or whose preview is to go (`url` null: the
-- edited text names no link, or another one). One row per message: a later edit replaces it. A
-- worker leases a row (`claimed_until`) while it fetches, outside any transaction, and deletes it
-- in the transaction that attaches the preview, so a process killed mid-fetch leaves the row for
-- another once the lease ends. `not_before` spaces out retries after a network failure.
CREATE TABLE link_preview_jobs (
    message_id bigint PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
    url text,
    attempts integer NOT NULL DEFAULT 0,
    not_before timestamptz NOT NULL DEFAULT now(),
    claimed_until timestamptz
);
CREATE INDEX link_preview_jobs_due ON link_preview_jobs (not_before);
