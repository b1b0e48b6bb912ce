#!/usr/bin/env bash
# A streaming replica of the test cluster that applies what it receives only after a delay
# (recovery_min_apply_delay, CHAT_REPLICA_DELAY, 2s by default): the tests of reads from replicas
# use it to show that a read never goes back in time for its reader, however far behind the
# replica is.
#
#   scripts/delayed-replica.sh start    if stopped: copy the primary afresh (pg_basebackup), start
#   scripts/delayed-replica.sh url      print its URL (database `postgres`; tests use their own)
#   scripts/delayed-replica.sh stop     stop it
#
# The primary is DATABASE_URL's cluster, else the one `scripts/local-pg.sh url` names. Data in
# CHAT_REPLICA_ROOT (by default the checkout's .data/replica-delayed); its port is derived from
# that folder as local-pg.sh derives its own, so two checkouts never collide.
set -euo pipefail

project_dir=$(cd "$(dirname "$0")/.." && pwd)
log() { printf 'delayed-replica: %s\n' "$*" >&2; }
# shellcheck source=scripts/postgres-common.sh
. "$project_dir/scripts/postgres-common.sh"

ROOT=${CHAT_REPLICA_ROOT:-$project_dir/.data/replica-delayed}
DELAY=${CHAT_REPLICA_DELAY:-2s}
ROOT=$(reachable_root "$ROOT" replica "$project_dir")
PGDATA=$ROOT/postgres
SOCKET_DIR=$ROOT/socket
PORT=$((54330 + $(printf '%s' "$ROOT" | cksum | cut -d' ' -f1) % 1000))

primary_port() {
    local url=${DATABASE_URL:-$("$project_dir/scripts/local-pg.sh" url)}
    [[ $url =~ :([0-9]+)/ ]] || { log "no port in the primary's URL"; exit 1; }
    echo "${BASH_REMATCH[1]}"
}

running() {
    [ -f "$PGDATA/postmaster.pid" ] && as_owner "$1/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1
}

start() {
    local bindir
    bindir=$(find_bindir) || { log "PostgreSQL is not installed (scripts/local-pg.sh start installs it)"; exit 1; }
    running "$bindir" && return 0
    mkdir -p "$ROOT" "$SOCKET_DIR"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$ROOT" "$SOCKET_DIR"
    # A fresh copy at every start: one left stopped may lack WAL the primary has since recycled
    # (no replication slot keeps it, so a forgotten replica never fills the primary's disk), or
    # come from a cluster made anew since. A copy of the tests' cluster takes a second or two.
    if [ -d "$PGDATA" ]; then as_owner rm -rf "$PGDATA"; fi
    if [ ! -f "$PGDATA/PG_VERSION" ]; then
        log "copying the primary (port $(primary_port)) into $PGDATA"
        # -R: standby.signal, and primary_conninfo in postgresql.auto.conf.
        as_owner "$bindir/pg_basebackup" -h 127.0.0.1 -p "$(primary_port)" -U postgres -D "$PGDATA" \
            -X stream -R -c fast
        # Applies each commit this long after the primary made it: always behind, by design.
        echo "recovery_min_apply_delay = '$DELAY'" | as_owner tee -a "$PGDATA/postgresql.auto.conf" >/dev/null
    fi
    log "starting on 127.0.0.1:$PORT (applying $DELAY behind the primary)"
    pg_ctl_start "$bindir" "$PGDATA" "$PORT" "$SOCKET_DIR"
}

stop() {
    local bindir
    bindir=$(find_bindir) || exit 0
    if running "$bindir"; then
        as_owner "$bindir/pg_ctl" -D "$PGDATA" -m fast -w -t 60 stop >/dev/null
        log "stopped"
    fi
}

case ${1:-} in
    start) start ;;
    stop) stop ;;
    url) echo "postgres://postgres@127.0.0.1:$PORT/postgres" ;;
    *) echo "usage: $0 start|stop|url" >&2; exit 2 ;;
esac
