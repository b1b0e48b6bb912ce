#!/usr/bin/env bash
# What the publisher's one lock costs (issue 26, "Measured"): 64 pgbench writers insert events into
# 100,000 chats spread over N logical shards, while two publishers (two server processes) sequence
# them, each transaction one shard's batch under that shard's advisory lock and head row, as
# `publish.rs` does for the one log. Prints, for N = 1, 4 and 16, the writes a second, the
# publishers' transactions a second, what was still unsequenced when the writers stopped, and
# whether any shard's seqs have a gap; then the writes a second with no publisher at all.
#
# A prototype of the statements only (no server): it measures the lock and the head row, not the
# rest of a sharded deployment. Usage: scripts/publisher-lock-probe.sh [SECONDS]; it starts this
# checkout's local cluster if need be and works in a scratch database it drops afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
pgbench=$(ls /usr/lib/postgresql/*/bin/pgbench | sort -V | tail -1)
scripts/local-pg.sh start >/dev/null
base=$(scripts/local-pg.sh url)
url="${base%/*}/publisher_lock_probe"
work=$(mktemp -d)
trap 'rm -rf "$work"; psql -q "$base" -c "DROP DATABASE IF EXISTS publisher_lock_probe" >/dev/null 2>&1 || true' EXIT

cat >"$work/setup.sql" <<'SQL'
SET client_min_messages = warning;
DROP TABLE IF EXISTS ev, heads;
CREATE TABLE ev (id bigserial PRIMARY KEY, shard int NOT NULL, chat_id bigint NOT NULL, seq bigint,
                 kind text NOT NULL, data jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX ev_unpublished ON ev (shard, id) WHERE seq IS NULL;
CREATE UNIQUE INDEX ev_shard_seq ON ev (shard, seq);
CREATE INDEX ev_chat_seq ON ev (chat_id, seq);
CREATE TABLE heads (shard int PRIMARY KEY, seq bigint NOT NULL DEFAULT 0);
INSERT INTO heads SELECT g FROM generate_series(0, 15) g;
CHECKPOINT;
SQL
cat >"$work/write.sql" <<'SQL'
\set chat random(1, 100000)
\set shard :chat % :shards
INSERT INTO ev (shard, chat_id, kind, data) VALUES (:shard, :chat, 'message.created', '{"id":1,"content":"load message"}');
SQL
# A publisher wakes, takes one shard's lock, sequences up to 1,000 of its events after its head.
cat >"$work/publish.sql" <<'SQL'
\set s random(0, :shards - 1)
BEGIN;
SELECT pg_advisory_xact_lock(1000 + :s);
WITH pending AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM ev WHERE shard = :s AND seq IS NULL ORDER BY id LIMIT 1000),
head AS (UPDATE heads SET seq = seq + (SELECT count(*) FROM pending) WHERE shard = :s RETURNING seq - (SELECT count(*) FROM pending) AS base)
UPDATE ev SET seq = head.base + pending.n FROM pending, head WHERE ev.id = pending.id;
COMMIT;
\sleep 1 ms
SQL

psql -q "$base" -c "DROP DATABASE IF EXISTS publisher_lock_probe" -c "CREATE DATABASE publisher_lock_probe" >/dev/null
tps() { grep -o 'tps = [0-9]*' "$1" | head -1 | cut -d' ' -f3; }
for shards in 1 4 16; do
    psql -q "$url" -f "$work/setup.sql" >/dev/null
    "$pgbench" -n -M prepared -c 2 -j 1 -T "$seconds" -D shards="$shards" -f "$work/publish.sql" "$url" >"$work/publish.out" 2>&1 &
    publishers=$!
    "$pgbench" -n -M prepared -c 64 -j 2 -T "$seconds" -D shards="$shards" -f "$work/write.sql" "$url" >"$work/write.out" 2>&1
    wait "$publishers"
    waiting=$(psql -Atc "SELECT count(*) FROM ev WHERE seq IS NULL" "$url")
    gaps=$(psql -Atc "SELECT count(*) FROM (SELECT shard FROM ev WHERE seq IS NOT NULL GROUP BY shard HAVING count(*) <> max(seq)) g" "$url")
    echo "$shards shard(s): $(tps "$work/write.out") writes/s, $(tps "$work/publish.out") publisher transactions/s, $waiting unsequenced when the writers stopped, $gaps shard(s) with a gap"
done
psql -q "$url" -f "$work/setup.sql" >/dev/null
"$pgbench" -n -M prepared -c 64 -j 2 -T "$seconds" -D shards=1 -f "$work/write.sql" "$url" >"$work/write.out" 2>&1
echo "no publisher: $(tps "$work/write.out") writes/s"
