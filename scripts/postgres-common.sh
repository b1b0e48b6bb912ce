# shellcheck shell=bash
# What local-pg.sh, delayed-replica.sh and ha-cluster.sh share (sourced, after each defines `log`):
# running PostgreSQL's programs as the user that owns the data, finding those programs, a data
# folder that user can reach, and starting a single cluster.

# Runs a command as the user the cluster belongs to: PostgreSQL refuses to run as root, so as root
# that is the `postgres` system user.
as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# The newest PostgreSQL bin folder with initdb, pg_ctl and postgres.
find_bindir() {
    local dir
    # shellcheck disable=SC2012  # version-sorted; these paths have no spaces
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r) \
               "$(pg_config --bindir 2>/dev/null || true)" /usr/local/pgsql/bin; do
        if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && [ -x "$dir/postgres" ]; then
            echo "$dir"
            return 0
        fi
    done
    return 1
}

# Prints $1, or, as root when the postgres user cannot reach it (a checkout under /root), a
# folder under /var/tmp named after $2 and the checkout's folder $3, so two checkouts differ.
reachable_root() {
    local root=$1 name=$2 project_dir=$3
    if [ "$(id -u)" = 0 ]; then
        mkdir -p "$root"
        if ! runuser -u postgres -- test -x "$root" 2>/dev/null; then
            root=/var/tmp/chat-backend-$name-$(printf '%s' "$project_dir" | sha256sum | cut -c1-12)
            log "postgres cannot reach $project_dir; using $root"
        fi
    fi
    printf '%s\n' "$root"
}

# Starts the cluster in $2 with the binaries in $1 on 127.0.0.1:$3, its socket in $4 (logging to
# $2/server.log), or says why it could not and exits.
pg_ctl_start() {
    local bindir=$1 data=$2 port=$3 socket_dir=$4
    if ! as_owner "$bindir/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 start \
        -o "-p $port -k $socket_dir -c listen_addresses=127.0.0.1 -c max_connections=300" >/dev/null; then
        log "pg_ctl could not start the server; the end of $data/server.log:"
        tail -n 15 "$data/server.log" >&2 || true
        exit 1
    fi
}
