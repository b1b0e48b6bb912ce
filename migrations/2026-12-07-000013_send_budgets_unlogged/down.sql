ALTER TABLE send_budgets SET LOGGED;
CREATE FUNCTION send_budget_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO send_budgets (user_id, tokens, refilled_at) VALUES (NEW.id, 'Infinity', now());
    RETURN NULL;
END $$;
CREATE TRIGGER send_budget_row AFTER INSERT ON users FOR EACH ROW EXECUTE FUNCTION send_budget_row();
INSERT INTO send_budgets (user_id, tokens, refilled_at)
SELECT id, 'Infinity', now() FROM users
ON CONFLICT (user_id) DO NOTHING;
