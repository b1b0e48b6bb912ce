DROP TABLE moderation_audit;
ALTER TABLE users DROP COLUMN server_role;
