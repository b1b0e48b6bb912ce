-- Every user has a send budget row from the start, so that the create statement takes a token
-- with a plain UPDATE instead of an INSERT ... ON CONFLICT DO UPDATE: the upsert probes the key
-- for its insert, then locks the row it found (a WAL record of its own) before updating it, on
-- every message. A new row holds a full bucket: `tokens` of infinity, which the statement caps at
-- the configured burst.
ALTER TABLE send_budgets
    ADD CONSTRAINT send_budgets_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE;

-- However a user is inserted (the store, or an operator's SQL).
CREATE FUNCTION send_budget_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO send_budgets (user_id, tokens, refilled_at) VALUES (NEW.id, 'Infinity', now());
    RETURN NULL;
END $$;
CREATE TRIGGER send_budget_row AFTER INSERT ON users FOR EACH ROW EXECUTE FUNCTION send_budget_row();

INSERT INTO send_budgets (user_id, tokens, refilled_at)
SELECT id, 'Infinity', now() FROM users
ON CONFLICT (user_id) DO NOTHING;
