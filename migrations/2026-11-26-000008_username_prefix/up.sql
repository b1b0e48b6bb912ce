-- Finding people by username prefix (`GET /users?q=`): a range scan in byte order whatever the
-- database's collation (usernames are ASCII `a-z 0-9 _ . -`, all before '~').
CREATE INDEX users_username_bytes_idx ON users (username COLLATE "C");
