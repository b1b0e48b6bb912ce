DROP TABLE message_deletions;
