DROP TABLE chat_bans;
