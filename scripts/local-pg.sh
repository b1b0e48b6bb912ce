#!/usr/bin/env bash
# A project-local PostgreSQL cluster for `make run` and `make test`.
#
#   scripts/local-pg.sh start   install if missing, initdb once, start if stopped, create the database
#   scripts/local-pg.sh url     print the connection URL
#   scripts/local-pg.sh stop    stop the cluster
#
# It never touches the machine's default cluster: its own data folder, port and socket folder.
# PostgreSQL refuses to run as root, so as root the server runs as the `postgres` system user.
set -euo pipefail

project_dir=$(cd "$(dirname "$0")/.." && pwd)
PG_PORT=${CHAT_PG_PORT:-54329}
PG_DB=${CHAT_PG_DB:-chat}
PG_ROOT=${CHAT_PG_ROOT:-$project_dir/.data}

log() { printf 'local-pg: %s\n' "$*" >&2; }

# Runs a PostgreSQL server command as the user the cluster belongs to.
as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

find_bindir() {
    local dir
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r) \
               "$(pg_config --bindir 2>/dev/null || true)" /usr/local/pgsql/bin; do
        if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && [ -x "$dir/postgres" ]; then
            echo "$dir"
            return 0
        fi
    done
    return 1
}

install_postgres() {
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        log "PostgreSQL server binaries not found; installing them with apt-get"
        # The Debian package creates and starts a default cluster on 5432; we leave it alone
        # and run our own.
        DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
    else
        log "PostgreSQL server binaries not found. Install them, then run this again:"
        log "  Debian/Ubuntu: sudo apt-get install -y postgresql"
        log "  macOS:         brew install postgresql@16"
        exit 1
    fi
}

# As root the data must live where the postgres user can write; a checkout under /root is not.
resolve_root() {
    if [ "$(id -u)" = 0 ]; then
        mkdir -p "$PG_ROOT"
        if ! runuser -u postgres -- test -x "$PG_ROOT" 2>/dev/null; then
            PG_ROOT=/var/tmp/chat-backend-pg-$(printf '%s' "$project_dir" | sha256sum | cut -c1-12)
            log "postgres cannot reach $project_dir; using $PG_ROOT"
        fi
    fi
    PGDATA=$PG_ROOT/postgres
    SOCKET_DIR=$PG_ROOT/socket
}

url() { echo "postgres://postgres@127.0.0.1:$PG_PORT/$PG_DB"; }

start() {
    local bindir
    bindir=$(find_bindir) || { install_postgres; bindir=$(find_bindir); }
    resolve_root
    mkdir -p "$PGDATA" "$SOCKET_DIR"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$PGDATA" "$SOCKET_DIR" && chmod 700 "$PGDATA"
    if [ ! -f "$PGDATA/PG_VERSION" ]; then
        log "initdb into $PGDATA"
        as_owner "$bindir/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    if ! as_owner "$bindir/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
        log "starting PostgreSQL on 127.0.0.1:$PG_PORT (socket in $SOCKET_DIR)"
        as_owner "$bindir/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w -t 60 start \
            -o "-p $PG_PORT -k $SOCKET_DIR -c listen_addresses=127.0.0.1 -c max_connections=300" >/dev/null
    fi
    local psql="$bindir/psql -h 127.0.0.1 -p $PG_PORT -U postgres -d postgres -XAtq"
    if [ -z "$($psql -c "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'")" ]; then
        $psql -c "CREATE DATABASE $PG_DB" >/dev/null
    fi
}

stop() {
    local bindir
    bindir=$(find_bindir) || exit 0
    resolve_root
    if [ -f "$PGDATA/PG_VERSION" ] && as_owner "$bindir/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
        as_owner "$bindir/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null
        log "stopped"
    fi
}

case "${1:-}" in
    start) start ;;
    url) url ;;
    stop) stop ;;
    *) echo "usage: $0 start|url|stop" >&2; exit 2 ;;
esac
