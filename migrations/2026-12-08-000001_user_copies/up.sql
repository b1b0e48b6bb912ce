-- Users' rows copied to the clusters whose chats name them, kept current (docs/ARCHITECTURE.md,
-- "Spreading chats over several clusters"). A user's `version` counts the changes of what a copy
-- holds: the columns a shard's statements read, and the user's blocks. Triggers count them, so
-- that no statement that renames, deletes, blocks or sets privacy can forget to.
ALTER TABLE users ADD COLUMN version bigint NOT NULL DEFAULT 1;

-- On the directory: which cluster holds a copy of which user, the version it should hold and the
-- version it was last brought to. Stale while copied_version < wanted_version.
CREATE TABLE user_copies (
    user_id        bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    cluster        smallint NOT NULL CHECK (cluster > 0),
    wanted_version bigint NOT NULL,
    copied_version bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, cluster)
);
CREATE INDEX user_copies_stale ON user_copies (cluster, user_id) WHERE copied_version < wanted_version;

-- Applying copies on a cluster sets `version` itself (and writes blocks): it says so with
-- `SET LOCAL chat.applying_copies = 'on'`, and nothing is counted there.
CREATE FUNCTION applying_copies() RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT coalesce(current_setting('chat.applying_copies', true), '') = 'on'
$$;

CREATE FUNCTION user_version_next() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT applying_copies() THEN
        NEW.version := OLD.version + 1;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER user_version_next BEFORE UPDATE ON users FOR EACH ROW
    WHEN ((OLD.username, OLD.display_name, OLD.is_bot, OLD.bot_owner_id, OLD.deleted_at, OLD.direct_chats)
          IS DISTINCT FROM (NEW.username, NEW.display_name, NEW.is_bot, NEW.bot_owner_id, NEW.deleted_at, NEW.direct_chats)
          AND OLD.version = NEW.version)
    EXECUTE FUNCTION user_version_next();

-- A newer version is wanted on every cluster holding a copy (none but on the directory). Not
-- `UPDATE OF version`: that fires only for statements that name the column, and the trigger above
-- sets it.
CREATE FUNCTION user_copies_wanted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE user_copies SET wanted_version = NEW.version WHERE user_id = NEW.id AND wanted_version < NEW.version;
    RETURN NULL;
END $$;
CREATE TRIGGER user_copies_wanted AFTER UPDATE ON users FOR EACH ROW
    WHEN (NEW.version > OLD.version)
    EXECUTE FUNCTION user_copies_wanted();

-- A block or an unblock is a change of the blocker's.
CREATE FUNCTION user_blocks_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT applying_copies() THEN
        UPDATE users SET version = version + 1
         WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.blocker_id ELSE NEW.blocker_id END;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER user_blocks_changed AFTER INSERT OR DELETE ON user_blocks FOR EACH ROW
    EXECUTE FUNCTION user_blocks_changed();
