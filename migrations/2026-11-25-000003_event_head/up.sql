-- The published head of the event log, and how far retention has pruned it. The publisher takes
-- seqs from here under a lock, so seqs are gapless and each batch commits after the previous one.
CREATE TABLE event_head (
    singleton       BOOLEAN PRIMARY KEY DEFAULT true CHECK (singleton),
    seq             BIGINT NOT NULL DEFAULT 0,
    pruned_through  BIGINT NOT NULL DEFAULT 0
);
INSERT INTO event_head DEFAULT VALUES;
DROP SEQUENCE event_seq;
