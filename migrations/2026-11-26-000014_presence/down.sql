ALTER TABLE users DROP COLUMN appear_offline, DROP COLUMN last_seen_at;
DROP TABLE presence_connections;
DROP TABLE server_processes;
