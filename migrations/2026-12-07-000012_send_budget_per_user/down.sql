DROP TRIGGER send_budget_row ON users;
DROP FUNCTION send_budget_row();
ALTER TABLE send_budgets DROP CONSTRAINT send_budgets_user_id_fkey;
