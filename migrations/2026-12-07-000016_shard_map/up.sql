-- Which cluster holds each logical shard (docs/ARCHITECTURE.md, "Spreading chats over several
-- clusters"). The deployment's first cluster is its directory: only its rows are read. Clusters
-- are numbered as the server's configuration lists them, 0 being the first; every shard starts
-- there, where a deployment of one cluster keeps them.
CREATE TABLE shard_map (
    shard   SMALLINT PRIMARY KEY CHECK (shard >= 0 AND shard < 64),
    cluster SMALLINT NOT NULL DEFAULT 0 CHECK (cluster >= 0)
);
INSERT INTO shard_map (shard) SELECT generate_series(0, 63);
