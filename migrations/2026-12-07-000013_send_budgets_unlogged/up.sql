-- A send budget is soft state: after a crash or a failover, a full bucket for everyone costs a
-- burst at most. So the table is unlogged: taking a token writes no WAL, which is most of what
-- the limit cost a message (`make bench`, creates at 16 clients: the statement with a logged
-- budget 1.08-1.11 of itself without one, with an unlogged one 0.98). An unlogged table is
-- emptied by crash recovery and is empty on a promoted standby, so rows are made when needed
-- again (the create statement's upsert), not by a trigger on `users`. The foreign key to `users`
-- stays (an unlogged table may refer to a logged one); it is checked only when a row is made.
DROP TRIGGER send_budget_row ON users;
DROP FUNCTION send_budget_row();
ALTER TABLE send_budgets SET UNLOGGED;
