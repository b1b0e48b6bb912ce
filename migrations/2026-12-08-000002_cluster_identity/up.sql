-- Which cluster of the deployment this database is (docs/ARCHITECTURE.md, "Spreading chats over
-- several clusters"): recorded the first time a server opens it as that cluster, and checked on
-- every start after, so that URLs listed in another order, or one database named twice, are
-- refused instead of routing chats to the wrong cluster.
CREATE TABLE cluster_identity (
    only_row    boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    number      smallint NOT NULL CHECK (number >= 0),
    recorded_at timestamptz NOT NULL DEFAULT now()
);
