#!/usr/bin/env bash
# A project-local PostgreSQL cluster for `make run` and `make test`.
#
#   scripts/local-pg.sh start                     install if missing, initdb once, start if stopped,
#                                                 create the database
#   scripts/local-pg.sh url                       print the connection URL
#   scripts/local-pg.sh stop [fast|immediate]     stop the cluster (fast by default)
#   scripts/local-pg.sh restart [fast|immediate]  restart it on the same port (the fault tests use it)
#
# It never touches the machine's default cluster: its own data folder, port and socket folder.
# The port is CHAT_PG_PORT; else the one the cluster last started on, so that its URL stays put;
# else, the first time, one derived from the data folder (CHAT_PG_ROOT, by default the checkout's
# .data) in 54330-55329: two checkouts or worktrees each get their own cluster. A running cluster
# keeps the port it started on, and `url` always names that one.
# PostgreSQL refuses to run as root, so as root the server runs as the `postgres` system user.
set -euo pipefail

project_dir=$(cd "$(dirname "$0")/.." && pwd)
PG_DB=${CHAT_PG_DB:-chat}
PG_ROOT=${CHAT_PG_ROOT:-$project_dir/.data}
case $PG_ROOT in /*) ;; *) PG_ROOT=$PWD/$PG_ROOT ;; esac
if [ -d "$PG_ROOT" ]; then PG_ROOT=$(cd "$PG_ROOT" && pwd -P); fi
DEFAULT_PORT=$((54330 + $(printf '%s' "$PG_ROOT" | cksum | cut -d' ' -f1) % 1000))

log() { printf 'local-pg: %s\n' "$*" >&2; }

# as_owner, find_bindir, reachable_root.
# shellcheck source=scripts/postgres-common.sh
. "$project_dir/scripts/postgres-common.sh"

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
    PG_ROOT=$(reachable_root "$PG_ROOT" pg "$project_dir")
    PGDATA=$PG_ROOT/postgres
    SOCKET_DIR=$PG_ROOT/socket
}

# CHAT_PG_PORT, else the port of the cluster's last start (postmaster.opts), else the default.
resolve_port() {
    local last
    last=$(grep -o '"-p" "[0-9]*"' "$PGDATA/postmaster.opts" 2>/dev/null | grep -o '[0-9][0-9]*' || true)
    PG_PORT=${CHAT_PG_PORT:-${last:-$DEFAULT_PORT}}
}

# True when this data folder's cluster is running.
running() {
    [ -f "$PGDATA/postmaster.pid" ] && as_owner "$1/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1
}

# A running cluster's port is the one it started on (line 4 of postmaster.pid), whatever the default.
use_running_port() {
    local port
    port=$(sed -n 4p "$PGDATA/postmaster.pid" 2>/dev/null || true)
    if [[ $port =~ ^[0-9]+$ ]]; then
        [ -n "${CHAT_PG_PORT:-}" ] && [ "$CHAT_PG_PORT" != "$port" ] &&
            log "the cluster in $PGDATA runs on port $port, not CHAT_PG_PORT=$CHAT_PG_PORT; stop it to move it"
        PG_PORT=$port
    fi
}

# Something other than our cluster accepting connections on 127.0.0.1:$PG_PORT.
port_taken() { (: <>"/dev/tcp/127.0.0.1/$PG_PORT") 2>/dev/null; }

url() {
    local bindir
    resolve_root
    resolve_port
    if bindir=$(find_bindir) && running "$bindir"; then use_running_port; fi
    echo "postgres://postgres@127.0.0.1:$PG_PORT/$PG_DB"
}

# Starts the stopped cluster, or says plainly why it could not.
start_server() {
    local bindir=$1
    if port_taken; then
        log "port $PG_PORT on 127.0.0.1 is already in use by another program, not this cluster ($PGDATA)."
        log "Choose another one for this checkout, e.g. CHAT_PG_PORT=$((PG_PORT + 1)) make run"
        log "(the cluster keeps it: later starts, make test and make db-url use it too)."
        exit 1
    fi
    log "starting PostgreSQL on 127.0.0.1:$PG_PORT (socket in $SOCKET_DIR)"
    pg_ctl_start "$bindir" "$PGDATA" "$PG_PORT" "$SOCKET_DIR"
}

start() {
    local bindir
    bindir=$(find_bindir) || { install_postgres; bindir=$(find_bindir); }
    resolve_root
    resolve_port
    mkdir -p "$PGDATA" "$SOCKET_DIR"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$PGDATA" "$SOCKET_DIR" && chmod 700 "$PGDATA"
    if [ ! -f "$PGDATA/PG_VERSION" ]; then
        log "initdb into $PGDATA"
        as_owner "$bindir/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    if running "$bindir"; then use_running_port; else start_server "$bindir"; fi
    local psql="$bindir/psql -h 127.0.0.1 -p $PG_PORT -U postgres -d postgres -XAtq"
    if [ -z "$($psql -c "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'")" ]; then
        $psql -c "CREATE DATABASE $PG_DB" >/dev/null
    fi
}

stop() {
    local bindir mode=$1
    bindir=$(find_bindir) || exit 0
    resolve_root
    if [ -f "$PGDATA/PG_VERSION" ] && running "$bindir"; then
        as_owner "$bindir/pg_ctl" -D "$PGDATA" -m "$mode" -w -t 60 stop >/dev/null
        log "stopped ($mode)"
    fi
}

# Restarts on the port it runs on (pg_ctl reuses the last start's options); starts it if stopped.
restart() {
    local bindir mode=$1
    bindir=$(find_bindir) || { start; return; }
    resolve_root
    if ! running "$bindir"; then start; return; fi
    use_running_port
    if ! as_owner "$bindir/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -m "$mode" -w -t 60 restart >/dev/null; then
        log "pg_ctl could not restart the server; the end of $PGDATA/server.log:"
        tail -n 15 "$PGDATA/server.log" >&2 || true
        exit 1
    fi
    log "restarted ($mode) on 127.0.0.1:$PG_PORT"
}

mode() {
    case "${1:-fast}" in
        fast | immediate | smart) echo "${1:-fast}" ;;
        *) echo "unknown shutdown mode '$1': fast, immediate or smart" >&2; exit 2 ;;
    esac
}

case "${1:-}" in
    start) start ;;
    url) url ;;
    stop) shutdown_mode=$(mode "${2:-}") && stop "$shutdown_mode" ;;
    restart) shutdown_mode=$(mode "${2:-}") && restart "$shutdown_mode" ;;
    *) echo "usage: $0 start | url | stop [fast|immediate] | restart [fast|immediate]" >&2; exit 2 ;;
esac
