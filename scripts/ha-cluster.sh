#!/usr/bin/env bash
# A project-local replicated PostgreSQL: one etcd and three PostgreSQL nodes under Patroni, all on
# 127.0.0.1, with synchronous replication. A development and test cluster: every connection from
# 127.0.0.1 is trusted (no password is checked), and nothing listens on another address.
#
#   scripts/ha-cluster.sh start              install what is missing, bootstrap once, start what is
#                                            stopped, wait until a leader and a synchronous standby
#                                            are up, create the database
#   scripts/ha-cluster.sh stop               stop the Patroni nodes (together), then etcd
#   scripts/ha-cluster.sh status             `patronictl list`, and which node leads
#   scripts/ha-cluster.sh switchover         hand the leader role to the synchronous standby and wait
#                                            until it accepts writes
#   scripts/ha-cluster.sh url                the server's URL: every node, read-write sessions only
#   scripts/ha-cluster.sh replica-urls       one URL a line, for each standby
#   scripts/ha-cluster.sh kill-primary       kill -9 the leader's postmaster (a dead primary)
#   scripts/ha-cluster.sh freeze-primary N   SIGSTOP the leader's whole node, its Patroni and every
#                                            PostgreSQL process of it, for N seconds, then SIGCONT
#                                            (a hung machine). In the foreground: it returns once the
#                                            node is thawed; run it with `&` to do something meanwhile.
#                                            The node is thawed however the script ends.
#   scripts/ha-cluster.sh backup [full|diff|incr]  a base backup with pgBackRest, from the leader
#   scripts/ha-cluster.sh backups            the backups and the archived WAL (`pgbackrest info`)
#   scripts/ha-cluster.sh restore TIME       restore the backups and WAL as of TIME (with its zone;
#                                            or `latest`, all the WAL archived) into a fresh standalone
#                                            PostgreSQL on a port of its own (base+8), promote it and
#                                            print its URL
#   scripts/ha-cluster.sh restore-stop       stop that node and remove its data folder
#   scripts/ha-cluster.sh create-database N  create database N on the leader if it is missing, and
#                                            wait until every streaming standby has it
#
# WAL is archived continuously by whichever node is primary into pgBackRest's repository under the
# data folder (.data/ha/backup, stanza `chat`, configuration .data/ha/pgbackrest.conf, written at
# every start). scripts/restore-drill.sh (make ha-drill) proves a point-in-time restore.
#
# Why the whole node and not the postmaster alone: with only the postmaster stopped, its Patroni
# goes on renewing the leader key over the connection it already has, so nothing fails over; a hung
# machine stops Patroni too, the leader key expires and a standby is promoted.
#
# Which Patroni and which etcd API (CHAT_HA_PATRONI): Debian 12's Patroni is 3.0.2, whose client of
# etcd's v3 API lets an old leader that was frozen past its key's TTL take the key back when it
# thaws, demoting and rewinding the node promoted meanwhile (fixed in Patroni 3.0.3). So by default
# (`pypi`) a current Patroni, pinned below, is installed from PyPI into a virtualenv under the data
# folder and talks to etcd's v3 API (the `etcd3:` section). `debian` runs Debian's /usr/bin/patroni
# on etcd's v2 API instead (the `etcd:` section, etcd started with --enable-v2), which 3.0.2 handles
# correctly. Switch with CHAT_HA_PATRONI=debian on a new data folder (CHAT_HA_ROOT), or after `stop`
# and removing .data/ha: etcd keeps the v2 and v3 keys apart, so a cluster made with one is not found
# by the other. etcd's v2 API is deprecated in etcd 3.4 and gone in 3.6, hence the default.
# Measured with the freeze-primary test (docs/OPERATIONS.md): Patroni 4.1.5 on v3 and Debian's 3.0.2
# on v2 both kept the promoted node as leader and rewound the thawed one into a replica; Debian's
# 3.0.2 on v3 gave the leader key back to the thawed node and lost two acknowledged writes.
#
# Ports: one base per data folder, CHAT_HA_PORT_BASE, else derived from the folder in 25000-29990
# (below Linux's ephemeral ports, and away from local-pg.sh's 54330-55329 and s3-server.sh's
# 56330-57329), so two checkouts or worktrees each get their own cluster: etcd's client port is the
# base, its peer port base+1, PostgreSQL's ports base+2..base+4, Patroni's REST ports base+5..base+7,
# and a node restored to a point in time (`restore`) base+8.
# The first start writes them to .data/ha/ports, and every later command reads them from there.
#
# Everything lives under CHAT_HA_ROOT (by default the checkout's .data/ha): etcd's data, each node's
# data folder and Patroni configuration, the virtualenv, the pid files and the logs (logs/). As root,
# the daemons run as the `postgres` system user (PostgreSQL refuses root), from a folder that user
# can reach. They are started in their own session with none of the caller's file descriptors
# beyond stdin/stdout/stderr, which point to /dev/null and the log: a descriptor holding a lock
# (`flock f make ...`) would otherwise stay taken for as long as the cluster runs.
set -euo pipefail

project_dir=$(cd "$(dirname "$0")/.." && pwd)
HA_DB=chat
# pgBackRest (Debian's package) and the stanza the cluster's backups and WAL are kept under.
PGBACKREST=/usr/bin/pgbackrest
STANZA=chat
HA_ROOT=${CHAT_HA_ROOT:-$project_dir/.data/ha}
case $HA_ROOT in /*) ;; *) HA_ROOT=$PWD/$HA_ROOT ;; esac
if [ -d "$HA_ROOT" ]; then HA_ROOT=$(cd "$HA_ROOT" && pwd -P); fi
DERIVED_BASE=$((25000 + $(printf '%s' "$HA_ROOT" | cksum | cut -d' ' -f1) % 500 * 10))
PATRONI_SOURCE=${CHAT_HA_PATRONI:-pypi}
# Synchronous replication (on), or asynchronous (off): only to show what the fault tests catch
# without it (acknowledged writes lost on failover). Read at the first start of a data folder, as
# the rest of bootstrap.dcs; `status`, `start` and `switchover` then take the first streaming
# replica for the synchronous standby.
SYNCHRONOUS=${CHAT_HA_SYNCHRONOUS:-on}
case $SYNCHRONOUS in on) SYNC_MODE=true ;; off) SYNC_MODE=false ;; *) echo "CHAT_HA_SYNCHRONOUS=$SYNCHRONOUS: on or off" >&2; exit 2 ;; esac
# The version verified with this script; the virtualenv is rebuilt when this line changes.
PATRONI_REQUIREMENT='patroni[etcd3,psycopg3]==4.1.5'
NODES=(node1 node2 node3)
# How long `start` waits for a leader and a synchronous standby, and `stop` for each process.
START_TIMEOUT=${CHAT_HA_START_TIMEOUT:-120}
STOP_TIMEOUT=60

log() { printf 'ha-cluster: %s\n' "$*" >&2; }
die() { log "$@"; exit 1; }

# as_owner, find_bindir, reachable_root.
# shellcheck source=scripts/postgres-common.sh
. "$project_dir/scripts/postgres-common.sh"

apt_install() {
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
        die "missing: $*. Install these Debian packages (or their equivalent), then run this again."
    fi
    log "installing $* with apt-get"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
}

# The Debian packages this needs and lacks: PostgreSQL, etcd, jq (JSON from Patroni's REST API),
# Python's venv (the PyPI Patroni), or Debian's Patroni and its etcd client.
install_packages() {
    local missing=()
    local bindir
    # pg_rewind too: a demoted primary rejoins through it (Debian ships it with the server).
    { bindir=$(find_bindir) && [ -x "$bindir/pg_rewind" ]; } || missing+=(postgresql)
    [ -x /usr/bin/etcd ] || missing+=(etcd-server)
    command -v jq >/dev/null || missing+=(jq)
    command -v curl >/dev/null || missing+=(curl)
    [ -x "$PGBACKREST" ] || missing+=(pgbackrest)
    case $PATRONI_SOURCE in
        pypi) /usr/bin/python3 -c 'import ensurepip, venv' 2>/dev/null || missing+=(python3-venv) ;;
        debian) [ -x /usr/bin/patroni ] && /usr/bin/python3 -c 'import etcd' 2>/dev/null ||
                    missing+=(patroni python3-etcd) ;;
        *) die "CHAT_HA_PATRONI=$PATRONI_SOURCE: choose pypi or debian" ;;
    esac
    if [ ${#missing[@]} -gt 0 ]; then apt_install "${missing[@]}"; fi
    # Debian's etcd-server may start a default etcd of its own on 2379; this cluster never uses it.
}

# The virtualenv is (re)built only when it is missing or was built for another pin. Debian's own
# python3, not one under /root: the postgres user must be able to run it.
install_patroni() {
    [ "$PATRONI_SOURCE" = pypi ] || return 0
    local stamp=$VENV/.requirement
    if [ -x "$VENV/bin/patroni" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$PATRONI_REQUIREMENT" ]; then
        return
    fi
    log "installing $PATRONI_REQUIREMENT into $VENV"
    rm -rf "$VENV"
    /usr/bin/python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check --no-input "$PATRONI_REQUIREMENT" >&2
    echo "$PATRONI_REQUIREMENT" >"$stamp"
}

# As root the data must live where the postgres user can write; a checkout under /root is not.
resolve_root() {
    HA_ROOT=$(reachable_root "$HA_ROOT" ha "$project_dir")
    VENV=$HA_ROOT/venv
    LOGS=$HA_ROOT/logs
    ETCD_DATA=$HA_ROOT/etcd
    # pgBackRest: its configuration, its repository (base backups and archived WAL) and the folder
    # a point-in-time restore goes to. Never /etc/pgbackrest.conf: two checkouts, two repositories.
    PGBR_CONF=$HA_ROOT/pgbackrest.conf
    REPO=$HA_ROOT/backup
    PITR=$HA_ROOT/pitr
    # The cluster's name in etcd: one per data folder, so clusters of two checkouts never meet.
    SCOPE=chat-ha-$(printf '%s' "$HA_ROOT" | cksum | cut -d' ' -f1)
    if [ "$PATRONI_SOURCE" = pypi ]; then
        PATRONI=$VENV/bin/patroni PATRONICTL=$VENV/bin/patronictl DCS_SECTION=etcd3
    else
        PATRONI=/usr/bin/patroni PATRONICTL=/usr/bin/patronictl DCS_SECTION=etcd
    fi
}

# The ports the cluster was first started on, else CHAT_HA_PORT_BASE, else the derived base.
resolve_ports() {
    local base
    if [ -f "$HA_ROOT/ports" ]; then
        base=$(cat "$HA_ROOT/ports")
        [ -n "${CHAT_HA_PORT_BASE:-}" ] && [ "$CHAT_HA_PORT_BASE" != "$base" ] &&
            log "the cluster in $HA_ROOT uses ports from $base, not CHAT_HA_PORT_BASE=$CHAT_HA_PORT_BASE"
    else
        base=${CHAT_HA_PORT_BASE:-$DERIVED_BASE}
    fi
    if ! [[ $base =~ ^[0-9]+$ ]] || [ "$base" -lt 1024 ] || [ "$base" -gt 65528 ]; then
        die "port base $base is not in 1024-65528"
    fi
    PORT_BASE=$base
    ETCD_PORT=$base ETCD_PEER_PORT=$((base + 1))
}
pg_port() { echo $((PORT_BASE + 2 + $1)); }
rest_port() { echo $((PORT_BASE + 5 + $1)); }
# A node restored to a point in time (`restore`) listens on base+8: in this folder's block of ten,
# none of the cluster's.
pitr_port() { echo $((PORT_BASE + 8)); }

# The pid in file $1 if that process is alive and its command line holds $2 (not a recycled pid).
live_pid() {
    local pid args
    pid=$(head -n 1 "$1" 2>/dev/null || true)
    [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
    # Read whole, not piped to grep -q: its early exit would fail the pipe under pipefail.
    args=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
    [[ $args == *"$2"* ]] && echo "$pid"
}
etcd_pid() { live_pid "$HA_ROOT/etcd.pid" "$ETCD_DATA"; }
patroni_pid() { live_pid "$HA_ROOT/$1/patroni.pid" "$HA_ROOT/$1/patroni.yml"; }
postmaster_pid() { live_pid "$HA_ROOT/$1/data/postmaster.pid" "$HA_ROOT/$1/data"; }

# Something accepting connections on 127.0.0.1:$1.
port_taken() { (: <>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Starts a daemon as the cluster's owner, in its own session, with only stdio open (stdin from
# /dev/null, both outputs appended to log $1), and writes its pid to $2. setsid and setpriv both exec
# rather than fork, so the pid written is the daemon's own.
spawn() {
    local log_file=$1 pid_file=$2
    shift 2
    local owner=()
    [ "$(id -u)" = 0 ] && owner=(setpriv --reuid=postgres --regid=postgres --init-groups)
    (
        for fd in /proc/self/fd/*; do
            fd=${fd##*/}
            [ "$fd" -gt 2 ] && eval "exec $fd>&-" 2>/dev/null
        done
        cd "$HA_ROOT"
        exec setsid "${owner[@]}" env HOME="$HA_ROOT" LC_ALL=C.UTF-8 "$@" </dev/null >>"$log_file" 2>&1
    ) &
    echo $! >"$pid_file"
}

start_etcd() {
    if etcd_pid >/dev/null; then return; fi
    local port v2=()
    for port in "$ETCD_PORT" "$ETCD_PEER_PORT"; do
        port_taken "$port" && die "port $port on 127.0.0.1 is taken by another program; choose other ports:" \
            "CHAT_HA_PORT_BASE=$((PORT_BASE + 10)) $0 start (before the first start, or after removing $HA_ROOT)"
    done
    # Debian's Patroni 3.0.2 is used on etcd's v2 API, which etcd 3.4 serves only when asked.
    [ "$DCS_SECTION" = etcd ] && v2=(--enable-v2=true)
    log "starting etcd on 127.0.0.1:$ETCD_PORT (log in $LOGS/etcd.log)"
    # One member, on 127.0.0.1 only. Patroni writes its keys every loop: compacting hourly keeps
    # etcd's database from growing for as long as the cluster runs.
    spawn "$LOGS/etcd.log" "$HA_ROOT/etcd.pid" /usr/bin/etcd --name chat-ha --data-dir "$ETCD_DATA" \
        --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
        --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
        --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
        --initial-cluster "chat-ha=http://127.0.0.1:$ETCD_PEER_PORT" --initial-cluster-state new \
        --auto-compaction-mode periodic --auto-compaction-retention 1h --logger zap "${v2[@]}"
    for _ in $(seq 100); do
        curl -sf -m 1 "http://127.0.0.1:$ETCD_PORT/health" 2>/dev/null | grep -q '"health":"true"' && return
        etcd_pid >/dev/null || break
        sleep 0.2
    done
    log "etcd did not become healthy within 20 s; the end of $LOGS/etcd.log:"
    tail -n 15 "$LOGS/etcd.log" >&2 || true
    exit 1
}

# Node $1's Patroni configuration (number $2: 0, 1 or 2). Written at every start; the `bootstrap`
# section only counts the first time, when it becomes the cluster's configuration in etcd (change it
# afterwards with `patronictl edit-config`).
write_config() {
    local name=$1 i=$2 bindir=$3 dir=$HA_ROOT/$1
    cat >"$dir/patroni.yml" <<EOF
# Written by scripts/ha-cluster.sh at every start: edit the script, not this file.
scope: $SCOPE
namespace: /chat-ha/
name: $name

restapi:
  listen: 127.0.0.1:$(rest_port "$i")
  connect_address: 127.0.0.1:$(rest_port "$i")

$DCS_SECTION:
  hosts: 127.0.0.1:$ETCD_PORT

log:
  level: INFO

bootstrap:
  dcs:
    # The leader key lives 20 s without renewal (Patroni's minimum): a hung leader is replaced after
    # that. A dead PostgreSQL is noticed within one loop, whatever the TTL.
    ttl: 20
    # Patroni checks its node every second, so a crashed primary is noticed within a second.
    loop_wait: 1
    # How long etcd or PostgreSQL may fail to answer before a leader gives up (loop_wait + 2 *
    # retry_timeout must not exceed ttl).
    retry_timeout: 5
    # A commit is acknowledged only once a standby has it, and only that standby may be promoted:
    # no acknowledged write is lost on failover.
    synchronous_mode: $SYNC_MODE
    # With no synchronous standby left, commits wait rather than go on unreplicated.
    synchronous_mode_strict: $SYNC_MODE
    # A crashed primary fails over at once; otherwise Patroni restarts it in place for up to 300 s.
    primary_start_timeout: 0
    postgresql:
      # A demoted old primary is rewound to the new timeline and rejoins as a replica, instead of
      # needing a new base backup (pg_rewind needs wal_log_hints, set below).
      use_pg_rewind: true
      # Each standby has a replication slot on the primary, so the WAL it still needs is kept.
      use_slots: true
      parameters:
        wal_level: replica
        # Standbys answer read-only queries (replica-urls).
        hot_standby: "on"
        # pg_rewind needs every hint-bit change logged (or data checksums).
        wal_log_hints: "on"
        # Room for two standbys, pg_basebackup and pg_rewind, with spare.
        max_wal_senders: 10
        max_replication_slots: 10
        # The server recognises PostgreSQL's errors by their English texts.
        lc_messages: C
        # As local-pg.sh: the tests open many connections.
        max_connections: 300
  initdb:
    - encoding: UTF8
    - locale: C.UTF-8

postgresql:
  listen: 127.0.0.1:$(pg_port "$i")
  connect_address: 127.0.0.1:$(pg_port "$i")
  data_dir: $dir/data
  bin_dir: $bindir
  pgpass: $dir/pgpass
  # Development only: known passwords, and no password is asked from 127.0.0.1 anyway.
  authentication:
    superuser:
      username: postgres
      password: postgres
    replication:
      username: replicator
      password: replicator
  # Trust on 127.0.0.1 and the node's own socket only, for clients and replication alike.
  pg_hba:
    - local all all trust
    - host all all 127.0.0.1/32 trust
    - local replication all trust
    - host replication all 127.0.0.1/32 trust
  parameters:
    unix_socket_directories: $dir
    # Continuous archiving into pgBackRest's repository ($REPO), by whichever node is primary
    # (here rather than in bootstrap.dcs so that a cluster bootstrapped before it gets it too, at its
    # next restart). \`on\`, not \`always\`: with \`always\` each standby would push every segment
    # again into the same stanza, three pushes a segment, and pgBackRest accepts a segment twice only
    # if both are identical (otherwise the push fails and that standby's WAL piles up). A promoted
    # standby archives from its promotion on, with the old timeline's last, partial segment and the
    # new timeline's history file; what \`on\` can miss is a segment the old primary had completed but
    # not yet pushed when it died (a push here takes milliseconds). This node's data folder is named
    # because %p is relative to it.
    archive_mode: "on"
    archive_command: '$PGBACKREST --config=$PGBR_CONF --stanza=$STANZA --pg1-path=$dir/data archive-push %p'
  # A standby, or an old primary being rewound, that needs WAL its primary no longer has fetches it
  # from the archive.
  recovery_conf:
    restore_command: '$PGBACKREST --config=$PGBR_CONF --stanza=$STANZA --pg1-path=$dir/data archive-get %f "%p"'
EOF
}

# pgBackRest's configuration, written at every start: one stanza, its repository under the data
# folder. Which node is primary changes, so the commands run here name it (--pg1-path, --pg1-port,
# --pg1-socket-path) rather than this file.
write_pgbackrest_config() {
    cat >"$PGBR_CONF" <<EOF
# Written by scripts/ha-cluster.sh at every start: edit the script, not this file.
[global]
repo1-path=$REPO
# Two full backups are kept, each with its differential and incremental backups and the WAL to
# restore from it to any time after it ended; \`expire\` (run after each backup) removes the rest.
repo1-retention-full=2
# lz4: fast on a small machine, and the repository is local.
compress-type=lz4
# A backup asks for an immediate checkpoint instead of waiting for the next one (up to 5 minutes).
start-fast=y
process-max=1
log-path=$LOGS
lock-path=$HA_ROOT/pgbackrest-lock
log-level-console=warn
log-level-file=info

[$STANZA]
EOF
    if [ "$(id -u)" = 0 ]; then
        chown postgres:postgres "$PGBR_CONF"
        mkdir -p "$REPO" && chown postgres:postgres "$REPO" && chmod 750 "$REPO"
    else
        mkdir -p "$REPO"
    fi
    chmod 640 "$PGBR_CONF"
}

# pgBackRest as the cluster's owner, on node $1 (the leader, for backups and the stanza).
pgbackrest_on() {
    local name=$1 i
    shift
    i=$(node_index "$name")
    as_owner "$PGBACKREST" --config="$PGBR_CONF" --stanza="$STANZA" --pg1-path="$HA_ROOT/$name/data" \
        --pg1-port="$(pg_port "$i")" --pg1-socket-path="$HA_ROOT/$name" "$@"
}

# The stanza is created once, by the first start whose leader is up; archive-push fails (and
# PostgreSQL retries it) until then.
ensure_stanza() {
    [ -f "$REPO/archive/$STANZA/archive.info" ] && return
    log "creating pgBackRest's stanza $STANZA in $REPO"
    pgbackrest_on "$LEADER" stanza-create
}

start_node() {
    local name=$1 i=$2 bindir=$3 dir=$HA_ROOT/$1
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir" && chmod 700 "$dir"
    write_config "$name" "$i" "$bindir"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir/patroni.yml"
    if patroni_pid "$name" >/dev/null; then return; fi
    local port
    for port in $(pg_port "$i") $(rest_port "$i"); do
        port_taken "$port" && die "port $port on 127.0.0.1 is taken by another program; choose other ports:" \
            "CHAT_HA_PORT_BASE=$((PORT_BASE + 10)) $0 start (before the first start, or after removing $HA_ROOT)"
    done
    log "starting $name: PostgreSQL on 127.0.0.1:$(pg_port "$i"), Patroni on 127.0.0.1:$(rest_port "$i") (log in $LOGS/$name.log)"
    spawn "$LOGS/$name.log" "$dir/patroni.pid" "$PATRONI" "$dir/patroni.yml"
}

# The cluster as Patroni's REST API describes it (GET /cluster), from the first node that answers.
cluster_json() {
    local i
    for i in 0 1 2; do
        curl -sf -m 1 "http://127.0.0.1:$(rest_port "$i")/cluster" 2>/dev/null && return 0
    done
    return 1
}

# The leader's name, if there is one and its PostgreSQL runs. Patroni 3 calls it `leader` in
# /cluster, as Patroni 4 does; older ones said `master`.
leader_name() {
    cluster_json | jq -re '.members[] | select((.role == "leader" or .role == "master") and .state == "running") | .name' |
        head -n 1
}

# The name of a synchronous standby that is replicating (Patroni 4 says `streaming`, 3 `running`).
sync_standby_name() {
    local role=sync_standby
    [ "$SYNCHRONOUS" = on ] || role=replica
    cluster_json | jq -re --arg role "$role" \
        '.members[] | select(.role == $role and (.state == "streaming" or .state == "running")) | .name' | head -n 1
}

node_index() {
    case $1 in node1) echo 0 ;; node2) echo 1 ;; node3) echo 2 ;; *) return 1 ;; esac
}

psql_on() {
    local port=$1
    shift
    "$BINDIR/psql" "postgres://postgres@127.0.0.1:$port/postgres?connect_timeout=2" -XAtq "$@"
}

# Waits until a leader accepts writes and a synchronous standby streams from it, or fails saying so.
wait_ready() {
    local deadline=$((SECONDS + $1)) leader sync
    while [ $SECONDS -lt $deadline ]; do
        leader=$(leader_name 2>/dev/null || true)
        sync=$(sync_standby_name 2>/dev/null || true)
        if [ -n "$leader" ] && [ -n "$sync" ] &&
            [ "$(psql_on "$(pg_port "$(node_index "$leader")")" -c 'SELECT pg_is_in_recovery()' 2>/dev/null)" = f ]; then
            LEADER=$leader
            return 0
        fi
        sleep 0.5
    done
    log "no leader with a synchronous standby within $1 s (leader: ${leader:-none}, synchronous standby: ${sync:-none})."
    log "The cluster as Patroni sees it, and the end of each node's log in $LOGS:"
    "$PATRONICTL" -c "$HA_ROOT/node1/patroni.yml" list >&2 2>&1 || true
    for name in "${NODES[@]}"; do
        log "--- $name"
        tail -n 8 "$LOGS/$name.log" >&2 || true
    done
    return 1
}

start() {
    install_packages
    BINDIR=$(find_bindir) || die "no PostgreSQL server binaries found even after installing them"
    resolve_root
    resolve_ports
    mkdir -p "$LOGS" "$ETCD_DATA"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$HA_ROOT" "$LOGS" "$ETCD_DATA"
    chmod 700 "$ETCD_DATA"
    install_patroni
    [ -f "$HA_ROOT/ports" ] || echo "$PORT_BASE" >"$HA_ROOT/ports"
    # etcd's v2 and v3 keys are apart: a cluster made with one Patroni is not found by the other.
    if [ -f "$HA_ROOT/patroni-source" ] && [ "$(cat "$HA_ROOT/patroni-source")" != "$PATRONI_SOURCE" ]; then
        die "the cluster in $HA_ROOT was made with CHAT_HA_PATRONI=$(cat "$HA_ROOT/patroni-source")." \
            "For $PATRONI_SOURCE, use another folder (CHAT_HA_ROOT) or stop this one and remove $HA_ROOT."
    fi
    echo "$PATRONI_SOURCE" >"$HA_ROOT/patroni-source"
    write_pgbackrest_config
    start_etcd
    local i
    for i in 0 1 2; do start_node "${NODES[$i]}" "$i" "$BINDIR"; done
    wait_ready "$START_TIMEOUT" || exit 1
    local port
    port=$(pg_port "$(node_index "$LEADER")")
    create_database "$HA_DB"
    ensure_stanza
    # archive_mode takes a restart: a cluster that was running before the script set it has none yet.
    if [ "$(psql_on "$port" -c 'SHOW archive_mode')" != on ]; then
        log "WAL archiving is off on $LEADER: it starts after a restart ($0 stop, then $0 start)"
    fi
    log "ready: $LEADER leads, $(sync_standby_name || echo '?') is its synchronous standby"
}

# Creates database $1 on the leader if it is missing, then waits until every standby that streams
# has replayed it. A client of url() tries the nodes in order and gives up at the first that answers
# that the database does not exist (libpq tries the next host only when one is starting up): seen
# once, the restore drill's first connection failed on a standby listed before the leader that had
# not replayed the CREATE DATABASE yet.
create_database() {
    local name=$1 leader standby deadline=$((SECONDS + 30))
    [[ $name =~ ^[a-z_][a-z0-9_]*$ ]] || die "database names here are lower-case identifiers: $name"
    leader=$(leader_name) || die "no leader to create database $name on"
    if [ -z "$(psql_on "$(pg_port "$(node_index "$leader")")" -c "SELECT 1 FROM pg_database WHERE datname = '$name'")" ]; then
        psql_on "$(pg_port "$(node_index "$leader")")" -c "CREATE DATABASE $name" >/dev/null
    fi
    for standby in $(cluster_json | jq -r '.members[] | select(.role != "leader" and .role != "master" and (.state == "streaming" or .state == "running")) | .name'); do
        until [ "$(psql_on "$(pg_port "$(node_index "$standby")")" -c "SELECT 1 FROM pg_database WHERE datname = '$name'" 2>/dev/null)" = 1 ]; do
            [ $SECONDS -lt $deadline ] || die "database $name was not on $standby within 30 s"
            sleep 0.1
        done
    done
}

# This script's process and those it was started by, one pid a line.
ancestors() {
    local pid=$$
    while [ "$pid" -gt 1 ] 2>/dev/null; do
        echo "$pid"
        # The fields after the command's name, which is in brackets and may hold spaces.
        pid=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | awk '{ print $2 }') || break
    done
}

# Waits until process $1 has exited, and kills it if it has not within STOP_TIMEOUT seconds.
wait_gone() {
    local pid=$1
    for _ in $(seq $((STOP_TIMEOUT * 5))); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.2
    done
    log "process $pid did not stop within ${STOP_TIMEOUT}s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
}

stop() {
    BINDIR=$(find_bindir) || exit 0
    resolve_root
    [ -d "$HA_ROOT" ] || exit 0
    resolve_ports
    local name pid pids=()
    # All three at once: each Patroni stops its PostgreSQL (fast) before it exits, and a stopping
    # Patroni never takes over from another. One by one took 18 s: each standby in turn became the
    # synchronous one and waited for the leader to release it before stopping.
    for name in "${NODES[@]}"; do
        # A node frozen by freeze-primary cannot stop.
        for pid in $(patroni_pid "$name") $(postmaster_pid "$name"); do kill -CONT "$pid" 2>/dev/null || true; done
        if pid=$(patroni_pid "$name"); then
            kill "$pid" 2>/dev/null && pids+=("$pid")
        fi
    done
    for pid in "${pids[@]}"; do wait_gone "$pid"; done
    for name in "${NODES[@]}"; do
        rm -f "$HA_ROOT/$name/patroni.pid"
        # A PostgreSQL left by a Patroni that was killed.
        if pid=$(postmaster_pid "$name"); then
            log "$name's PostgreSQL outlived its Patroni; stopping it"
            as_owner "$BINDIR/pg_ctl" -D "$HA_ROOT/$name/data" -m fast -w -t "$STOP_TIMEOUT" stop >/dev/null 2>&1 ||
                kill -KILL "$pid" 2>/dev/null || true
        fi
    done
    stop_pitr
    if pid=$(etcd_pid); then kill "$pid" 2>/dev/null && wait_gone "$pid"; fi
    rm -f "$HA_ROOT/etcd.pid"
    local left
    # Every process of this cluster names its data folder, or its scope (PostgreSQL's children, in
    # their titles); so may the command that called this script (make's shell names the folder in
    # its own line), which is no cluster's. A child may still be exiting after its parent: a few
    # seconds' grace.
    local callers
    callers=$(ancestors)
    for _ in $(seq 25); do
        left=$( (pgrep -f -- "$HA_ROOT"; pgrep -f -- "$SCOPE") | sort -u | grep -vxF -f <(echo "$callers") || true)
        [ -z "$left" ] && break
        sleep 0.2
    done
    if [ -n "$left" ]; then
        log "still running after stop:"
        ps -o pid=,ppid=,stat=,args= -p "$(echo "$left" | paste -sd, -)" >&2 || true
        exit 1
    fi
    log "stopped"
}

status() {
    resolve_root
    resolve_ports
    etcd_pid >/dev/null || { log "etcd is not running: the cluster is stopped (start it with $0 start)"; exit 3; }
    "$PATRONICTL" -c "$HA_ROOT/node1/patroni.yml" list
    local leader
    if leader=$(leader_name); then
        echo "leader: $leader (127.0.0.1:$(pg_port "$(node_index "$leader")")); synchronous standby: $(sync_standby_name || echo none)"
    else
        echo "no leader"
        exit 1
    fi
}

url() {
    resolve_root
    resolve_ports
    echo "postgres://postgres@127.0.0.1:$(pg_port 0),127.0.0.1:$(pg_port 1),127.0.0.1:$(pg_port 2)/$HA_DB?target_session_attrs=read-write"
}

replica_urls() {
    resolve_root
    resolve_ports
    cluster_json >/dev/null || die "no Patroni node answers: is the cluster started?"
    local name
    for name in $(cluster_json | jq -r '.members[] | select(.role != "leader" and .role != "master") | .name'); do
        echo "postgres://postgres@127.0.0.1:$(pg_port "$(node_index "$name")")/$HA_DB"
    done
}

switchover() {
    BINDIR=$(find_bindir) || die "no PostgreSQL binaries"
    resolve_root
    resolve_ports
    local leader candidate started=$SECONDS answer
    leader=$(leader_name) || die "no leader to switch over from"
    candidate=$(sync_standby_name) || die "no synchronous standby to switch over to"
    log "switching over from $leader to $candidate"
    # Through the leader's REST API: no prompt, the same on Patroni 3 and 4.
    answer=$(curl -s -m 30 -w ' (HTTP %{http_code})' -X POST "http://127.0.0.1:$(rest_port "$(node_index "$leader")")/switchover" \
        -H 'Content-Type: application/json' -d "{\"leader\": \"$leader\", \"candidate\": \"$candidate\"}") ||
        die "the switchover request failed: $answer"
    log "Patroni: $answer"
    case $answer in *'(HTTP 200)') ;; *) exit 1 ;; esac
    wait_ready 60 || exit 1
    [ "$LEADER" = "$candidate" ] || die "$LEADER leads, not $candidate"
    log "$candidate leads and has a synchronous standby, $((SECONDS - started)) s after the request"
}

# Milliseconds since the epoch, for the durations logged.
now_ms() { date +%s%3N; }
seconds_since() { printf '%d.%03d' $((($(now_ms) - $1) / 1000)) $((($(now_ms) - $1) % 1000)); }

# A base backup, taken from the leader (pgBackRest's backup-standby would copy the files from a
# standby instead; on one machine that saves nothing). expire runs after it, as retention says.
backup() {
    local type=${1:-full} started
    case $type in full | diff | incr) ;; *) die "backup takes full, diff or incr" ;; esac
    resolve_root
    resolve_ports
    [ -f "$PGBR_CONF" ] || die "no pgBackRest configuration in $HA_ROOT: start the cluster first ($0 start)"
    LEADER=$(leader_name) || die "no leader to back up from: is the cluster started?"
    ensure_stanza
    log "taking a $type backup from $LEADER"
    started=$(now_ms)
    pgbackrest_on "$LEADER" --type="$type" backup
    log "$type backup taken in $(seconds_since "$started") s"
}

backups() {
    resolve_root
    [ -f "$PGBR_CONF" ] || die "no pgBackRest configuration in $HA_ROOT: start the cluster first ($0 start)"
    as_owner "$PGBACKREST" --config="$PGBR_CONF" --stanza="$STANZA" info
}

pitr_pid() { live_pid "$PITR/data/postmaster.pid" "$PITR/data"; }

# Restores the stanza as it was at time $1 into a fresh data folder ($PITR), starts it as a
# standalone PostgreSQL on its own port (not under Patroni, archiving off, so it never writes into
# the cluster's repository) and waits until it has replayed the archive up to that time and been
# promoted. Prints its URL. The cluster is only read from (the repository).
restore() {
    local target=$1 started pid recovery
    [ -n "$target" ] || die "restore takes a time with its zone, e.g. '2026-01-31 12:00:00.000+00', or latest"
    # latest: the newest backup and all the WAL archived after it. A time past the newest archived
    # WAL fails (PostgreSQL: recovery ended before configured recovery target was reached).
    if [ "$target" = latest ]; then
        recovery=(--type=default)
    else
        recovery=(--type=time --target="$target" --target-action=promote)
    fi
    BINDIR=$(find_bindir) || die "no PostgreSQL binaries"
    resolve_root
    resolve_ports
    [ -f "$REPO/backup/$STANZA/backup.info" ] || die "no backup in $REPO: take one with $0 backup"
    pitr_pid >/dev/null && die "a restored node runs already on 127.0.0.1:$(pitr_port): stop it with $0 restore-stop"
    port_taken "$(pitr_port)" && die "port $(pitr_port) on 127.0.0.1 is taken by another program"
    rm -rf "$PITR"
    mkdir -p "$PITR/data"
    [ "$(id -u)" = 0 ] && chown -R postgres:postgres "$PITR"
    chmod 700 "$PITR" "$PITR/data"
    log "restoring $STANZA as of $target into $PITR/data"
    started=$(now_ms)
    # --archive-mode=off: the restored node must not push its new timeline into the cluster's stanza.
    as_owner "$PGBACKREST" --config="$PGBR_CONF" --stanza="$STANZA" --pg1-path="$PITR/data" \
        "${recovery[@]}" --archive-mode=off restore
    log "files restored in $(seconds_since "$started") s; replaying WAL up to the target"
    started=$(now_ms)
    # The data folder carries its node's Patroni-written settings: everything naming that node, or
    # the cluster's standbys, is overridden here.
    spawn "$LOGS/pitr.log" "$PITR/postgres.pid" "$BINDIR/postgres" -D "$PITR/data" \
        -c port="$(pitr_port)" -c listen_addresses=127.0.0.1 -c unix_socket_directories="$PITR" \
        -c hba_file="$PITR/data/pg_hba.conf" -c ident_file="$PITR/data/pg_ident.conf" \
        -c archive_mode=off -c synchronous_standby_names= -c cluster_name=chat-pitr
    for _ in $(seq 1200); do
        [ "$(psql_on "$(pitr_port)" -c 'SELECT pg_is_in_recovery()' 2>/dev/null)" = f ] && break
        if ! pid=$(head -n 1 "$PITR/postgres.pid" 2>/dev/null) || ! kill -0 "$pid" 2>/dev/null; then
            log "the restored node stopped before it was promoted; the end of $LOGS/pitr.log:"
            tail -n 15 "$LOGS/pitr.log" >&2 || true
            exit 1
        fi
        sleep 0.25
    done
    [ "$(psql_on "$(pitr_port)" -c 'SELECT pg_is_in_recovery()' 2>/dev/null)" = f ] ||
        die "the restored node was not promoted within 300 s (log: $LOGS/pitr.log)"
    log "recovered to the target and promoted in $(seconds_since "$started") s"
    echo "postgres://postgres@127.0.0.1:$(pitr_port)/postgres"
}

# Stops the restored node, if it runs, and removes its data folder.
stop_pitr() {
    local pid
    if pid=$(pitr_pid); then
        as_owner "$BINDIR/pg_ctl" -D "$PITR/data" -m fast -w -t "$STOP_TIMEOUT" stop >/dev/null 2>&1 ||
            kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -rf "$PITR"
}

restore_stop() {
    BINDIR=$(find_bindir) || die "no PostgreSQL binaries"
    resolve_root
    resolve_ports
    stop_pitr
    log "the restored node is stopped and $PITR removed"
}

# The leader's name and its postmaster's pid, or fails.
find_primary() {
    resolve_root
    resolve_ports
    PRIMARY=$(leader_name) || die "no leader"
    PRIMARY_PID=$(postmaster_pid "$PRIMARY") || die "$PRIMARY leads, but its postmaster.pid names no live process"
}

kill_primary() {
    find_primary
    kill -KILL "$PRIMARY_PID"
    log "$(date +%T.%3N) killed $PRIMARY's postmaster ($PRIMARY_PID) with SIGKILL"
}

freeze_primary() {
    local seconds=$1
    [[ $seconds =~ ^[0-9]+$ ]] || die "freeze-primary takes a number of seconds"
    find_primary
    local patroni
    patroni=$(patroni_pid "$PRIMARY") || die "$PRIMARY's Patroni is not running"
    # Patroni first, so that it never sees its PostgreSQL stopped; then the postmaster and its children.
    FROZEN=("$patroni" "$PRIMARY_PID")
    mapfile -t -O 2 FROZEN < <(pgrep -P "$PRIMARY_PID")
    trap thaw EXIT
    trap 'exit 130' INT TERM
    kill -STOP "${FROZEN[@]}"
    log "$(date +%T.%3N) froze $PRIMARY (Patroni $patroni, postmaster $PRIMARY_PID and its children) for ${seconds}s"
    # In the background, so that a signal to this script thaws the node at once.
    sleep "$seconds" &
    wait $!
    thaw
    trap - EXIT
    log "$(date +%T.%3N) thawed $PRIMARY"
}
thaw() { kill -CONT "${FROZEN[@]}" 2>/dev/null || true; }

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    status) status ;;
    switchover) switchover ;;
    url) url ;;
    replica-urls) replica_urls ;;
    kill-primary) kill_primary ;;
    freeze-primary) freeze_primary "${2:-}" ;;
    backup) backup "${2:-full}" ;;
    backups) backups ;;
    restore) restore "${2:-}" ;;
    restore-stop) restore_stop ;;
    create-database) BINDIR=$(find_bindir) || die "no PostgreSQL binaries"; resolve_root; resolve_ports
                     create_database "${2:-}" ;;
    *) echo "usage: $0 start | stop | status | switchover | url | replica-urls | kill-primary | freeze-primary SECONDS" \
           "| backup [full|diff|incr] | backups | restore TIME|latest | restore-stop" \
           "| create-database NAME" >&2
       exit 2 ;;
esac
