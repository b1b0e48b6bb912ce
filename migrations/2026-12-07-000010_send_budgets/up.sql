-- Per-user send limits (issue 25): each user's token bucket, shared by every server process. The
-- create statement takes a token in the message's own transaction (a user's concurrent posts wait
-- on their row, one at a time: a person never notices, and a flood from one account is what the
-- limit is for). `tokens` as of `refilled_at`; refilled at the configured rate up to the burst.
-- Room on each page for HOT updates: the row changes with every message.
CREATE TABLE send_budgets (
    user_id bigint PRIMARY KEY,
    tokens double precision NOT NULL,
    refilled_at timestamptz NOT NULL
) WITH (fillfactor = 50);
