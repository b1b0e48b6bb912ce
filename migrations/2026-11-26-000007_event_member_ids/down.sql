DROP INDEX events_member_ids_idx;
ALTER TABLE events DROP COLUMN member_ids;
