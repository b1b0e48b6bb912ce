DROP TRIGGER user_blocks_changed ON user_blocks;
DROP FUNCTION user_blocks_changed();
DROP TRIGGER user_copies_wanted ON users;
DROP FUNCTION user_copies_wanted();
DROP TRIGGER user_version_next ON users;
DROP FUNCTION user_version_next();
DROP FUNCTION applying_copies();
DROP TABLE user_copies;
ALTER TABLE users DROP COLUMN version;
