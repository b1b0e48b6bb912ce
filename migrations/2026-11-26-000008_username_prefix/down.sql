DROP INDEX users_username_bytes_idx;
