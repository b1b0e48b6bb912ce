DROP TABLE push_deliveries;
DROP TABLE push_badges;
ALTER TABLE chat_members DROP COLUMN muted_until, DROP COLUMN notification_level;
DROP TABLE pushers;
DROP TABLE vapid_keys;
