#!/usr/bin/env bash
# A point-in-time restore drill on the replicated cluster (scripts/ha-cluster.sh; make ha-drill):
#
#   1. start the cluster if it is not running (and stop it at the end); in a scratch database `drill` (never the app's
#      schema) create a table of acknowledged writes, anew each run;
#   2. take a full backup with pgBackRest;
#   3. insert rows one by one, each with its own psql through the cluster's read-write URL, noting
#      for each the time just before the INSERT was sent and the time its commit was acknowledged;
#   4. pick a target time in the middle of the rows, insert as many rows again, force a WAL switch
#      and wait until the archive has that segment;
#   5. restore to the target into a fresh standalone node (ha-cluster.sh restore) and compare:
#      every row acknowledged before the target must be there, and no row sent after it.
#
# The boundary: a row's commit record carries a time taken between "sent" and "acknowledged" (the
# same clock: one machine), and recovery stops at the first commit later than the target. So a row
# acknowledged before the target is certainly before it, a row sent after the target certainly
# after, and a row whose sending and acknowledgement straddle the target may go either way: such
# rows are counted, not judged. The target is taken in a pause between two rows, so normally none
# straddles it.
#
# Timings printed: the backup, the restore (files, then WAL replay until promoted), rows checked.
# The restored node is stopped and removed however the drill ends; the cluster is left as it was
# found: still running if it was, stopped if the drill started it.
#
# CHAT_DRILL_ROWS rows before and as many after the target (default 50). To see the drill fail:
#   CHAT_DRILL_FAULT=late-check     check against a target 1 s later than the one restored to
#   CHAT_DRILL_FAULT=before-backup  restore to a time before the backup began
set -euo pipefail

project_dir=$(cd "$(dirname "$0")/.." && pwd)
ha=$project_dir/scripts/ha-cluster.sh
ROWS=${CHAT_DRILL_ROWS:-50}
FAULT=${CHAT_DRILL_FAULT:-}
DB=drill

log() { printf 'restore-drill: %s\n' "$*" >&2; }
die() { log "$@"; exit 1; }

case $FAULT in '' | late-check | before-backup) ;; *) die "CHAT_DRILL_FAULT=$FAULT: late-check or before-backup" ;; esac
[[ $ROWS =~ ^[1-9][0-9]*$ ]] || die "CHAT_DRILL_ROWS must be a positive number"

now_us() { date +%s%6N; }
# Seconds with milliseconds between two times in microseconds.
span() { printf '%d.%03d' $((($2 - $1) / 1000000)) $((($2 - $1) % 1000000 / 1000)); }
# A time in microseconds as PostgreSQL and pgBackRest read it.
as_timestamp() { date -u -d "@$(($1 / 1000000)).$(printf '%06d' $(($1 % 1000000)))" '+%Y-%m-%d %H:%M:%S.%6N+00'; }

was_running=false
"$ha" status >/dev/null 2>&1 && was_running=true
"$ha" start
cluster=$("$ha" url)
# The cluster's URL names the `chat` database; the drill works in a database of its own.
base_url=${cluster%%\?*}
params=${cluster#*\?}
url="${base_url%/*}/$DB?$params&connect_timeout=2"
sql() { psql "$url" -XAtq -v ON_ERROR_STOP=1 "$@"; }

work=$(mktemp -d)
restored=false
cleanup() {
    if $restored; then "$ha" restore-stop || true; fi
    if ! $was_running; then "$ha" stop || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

"$ha" create-database "$DB"
# Each run's rows carry its id: a restore that lands on an earlier run's table (a target before this
# run's backup) must not pass for this run's rows.
run=$(now_us)
sql -c 'SET client_min_messages = warning' -c 'DROP TABLE IF EXISTS acked' \
    -c 'CREATE TABLE acked (run bigint NOT NULL, seq integer NOT NULL, sent_at timestamptz NOT NULL, PRIMARY KEY (run, seq))'

started=$(now_us)
"$ha" backup full
backup_done=$(now_us)
log "full backup: $(span "$started" "$backup_done") s"

# One psql a row: its acknowledgement is psql's return with the INSERT committed.
acks=$work/acks # seq, sent (µs), acknowledged (µs)
insert_rows() {
    local seq sent acked
    for seq in $(seq "$1" "$2"); do
        sent=$(now_us)
        sql -c "INSERT INTO acked VALUES ($run, $seq, clock_timestamp())"
        acked=$(now_us)
        echo "$seq $sent $acked" >>"$acks"
    done
}
insert_rows 1 "$ROWS"
sleep 0.2
target=$(now_us)
sleep 0.2
insert_rows $((ROWS + 1)) $((2 * ROWS))

# Everything up to here in the archive: the segment holding the last rows is closed and pushed.
segment=$(sql -c 'SELECT pg_walfile_name(pg_switch_wal())')
deadline=$((SECONDS + 60))
until [ "$(sql -c "SELECT last_archived_wal >= '$segment' FROM pg_stat_archiver")" = t ]; do
    [ $SECONDS -lt $deadline ] || die "segment $segment was not archived within 60 s"
    sleep 0.2
done
log "rows inserted: $ROWS before the target ($(as_timestamp "$target")), $ROWS after; WAL up to $segment archived"

restore_to=$target check_to=$target
case $FAULT in
    late-check) check_to=$((target + 1000000)) ;;
    before-backup) restore_to=$((started - 1000000)) ;;
esac
[ -n "$FAULT" ] && log "FAULT $FAULT: restoring to $(as_timestamp "$restore_to"), checking against $(as_timestamp "$check_to")"

restored=true
started=$(now_us)
restored_url=$("$ha" restore "$(as_timestamp "$restore_to")")
restore_done=$(now_us)
log "restore (files and WAL replay until promoted): $(span "$started" "$restore_done") s"

present=$work/present
psql "${restored_url%/*}/$DB?connect_timeout=2" -XAtq -v ON_ERROR_STOP=1 -c "SELECT seq FROM acked WHERE run = $run ORDER BY seq" >"$present" ||
    die "the restored node has no table acked in database $DB"

# Each row: before the target (acknowledged before it), after it (sent after it) or on the boundary.
verdict=$(awk -v t="$check_to" '
    FILENAME == ARGV[1] { here[$1] = 1; next }
    {
        if ($3 < t) { before++; if (!($1 in here)) { lost++; if (lost <= 5) print "  missing: row " $1 " acknowledged " (t - $3) / 1000 " ms before the target" > "/dev/stderr" } }
        else if ($2 > t) { after++; if ($1 in here) { extra++; if (extra <= 5) print "  present: row " $1 " sent " ($2 - t) / 1000 " ms after the target" > "/dev/stderr" } }
        else { boundary++ }
    }
    END { printf "%d %d %d %d %d", before, after, boundary, lost, extra }
' "$present" "$acks")
read -r before after boundary lost extra <<<"$verdict"
log "rows checked: $((before + after + boundary)) ($before acknowledged before the target, $after sent after it," \
    "$boundary on the boundary, not judged); $(wc -l <"$present") rows of this run in the restored node"
if [ "$lost" -gt 0 ] || [ "$extra" -gt 0 ]; then
    die "FAILED: $lost rows acknowledged before the target are missing, $extra rows sent after it are present"
fi
log "passed: the restored node has every row acknowledged before the target and none sent after it"
