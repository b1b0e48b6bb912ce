#!/usr/bin/env bash
# A project-local S3-compatible server for the tests: moto's server (moto[server] from PyPI, pinned,
# in a virtualenv), listening on 127.0.0.1 only. It keeps everything in memory: a restart empties it.
#
#   scripts/s3-server.sh start    install if missing, start if stopped, wait until it answers
#   scripts/s3-server.sh url      print the endpoint URL (http://127.0.0.1:PORT)
#   scripts/s3-server.sh stop     stop it
#
# The port is CHAT_S3_PORT, else one derived from this checkout's folder (in 56330-57329, as
# local-pg.sh does for PostgreSQL), so two checkouts or worktrees each get their own server. A
# running server keeps the port it started on, and `url`
# always names that one. Clients use region us-east-1, path-style addressing and any credentials
# (signatures are not checked). Without an Authorization header, bucket requests and object PUTs
# work, but GET, HEAD and DELETE of a private object answer 403, as on S3. A body sent as
# application/x-www-form-urlencoded (curl --data's default) is stored empty: set a Content-Type.
# Everything it writes lives under .data/s3 (git-ignored): the virtualenv, the log, the pid and
# port files. moto does not refuse to run as root, so unlike local-pg.sh it runs as whoever calls.
set -euo pipefail

project_dir=$(cd "$(dirname "$0")/.." && pwd)
# The version verified with the tests; the virtualenv is rebuilt when this line changes.
MOTO_REQUIREMENT='moto[server]==5.2.5'
S3_DIR=$project_dir/.data/s3
VENV=$S3_DIR/venv
LOG=$S3_DIR/server.log
PID_FILE=$S3_DIR/server.pid
PORT_FILE=$S3_DIR/server.port
DEFAULT_PORT=$((56330 + $(printf '%s' "$S3_DIR" | cksum | cut -d' ' -f1) % 1000))
START_TIMEOUT=15

log() { printf 's3-server: %s\n' "$*" >&2; }

# The virtualenv is (re)built only when it is missing or was built for another pin.
install_moto() {
    local stamp=$VENV/.requirement
    if [ -x "$VENV/bin/moto_server" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$MOTO_REQUIREMENT" ]; then
        return
    fi
    log "installing $MOTO_REQUIREMENT into $VENV"
    rm -rf "$VENV"
    mkdir -p "$S3_DIR"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check --no-input "$MOTO_REQUIREMENT"
    echo "$MOTO_REQUIREMENT" >"$stamp"
}

# The pid of our server if its process is alive and is moto_server (not a recycled pid), else fails.
server_pid() {
    local pid
    pid=$(cat "$PID_FILE" 2>/dev/null || true)
    [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null &&
        ps -p "$pid" -o args= 2>/dev/null | grep -q moto_server && echo "$pid"
}

# True when something answers HTTP on 127.0.0.1:$1 (moto answers GET / with the bucket list).
answers() {
    local code
    code=$(curl -s -o /dev/null -m 2 -w '%{http_code}' "http://127.0.0.1:$1/" 2>/dev/null || true)
    [ -n "$code" ] && [ "$code" != 000 ]
}

# Something accepting connections on 127.0.0.1:$1, whatever it is.
port_taken() { (: <>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# The port of the running server (the one it started on), else CHAT_S3_PORT, else the default.
resolve_port() {
    local last
    last=$(cat "$PORT_FILE" 2>/dev/null || true)
    if server_pid >/dev/null && [[ $last =~ ^[0-9]+$ ]]; then
        [ -n "${CHAT_S3_PORT:-}" ] && [ "$CHAT_S3_PORT" != "$last" ] &&
            log "the server runs on port $last, not CHAT_S3_PORT=$CHAT_S3_PORT; stop it to move it"
        S3_PORT=$last
    else
        S3_PORT=${CHAT_S3_PORT:-$DEFAULT_PORT}
    fi
    # moto would take 70000 for 4464 (it wraps modulo 65536) and answer somewhere else.
    if ! [[ $S3_PORT =~ ^[0-9]+$ ]] || [ "$S3_PORT" -lt 1 ] || [ "$S3_PORT" -gt 65535 ]; then
        log "CHAT_S3_PORT=$S3_PORT is not a TCP port (1-65535)"
        exit 2
    fi
}

url() {
    resolve_port
    echo "http://127.0.0.1:$S3_PORT"
}

start() {
    local pid
    resolve_port
    if server_pid >/dev/null && answers "$S3_PORT"; then return; fi
    install_moto
    # Alive but not answering: a leftover of a start that failed; replace it.
    if pid=$(server_pid); then stop_pid "$pid"; fi
    if port_taken "$S3_PORT"; then
        log "port $S3_PORT on 127.0.0.1 is already in use by another program, not this server."
        log "Choose another one, e.g. CHAT_S3_PORT=$((S3_PORT + 1)) $0 start"
        exit 1
    fi
    log "starting moto_server on 127.0.0.1:$S3_PORT (log in $LOG)"
    # In its own session and away from the caller's stdin/stdout, so that it outlives this script
    # and a `$(...)` or a make recipe around it does not wait for it, nor a Ctrl-C there reach it.
    # With no other descriptor of the caller's either: one holding a lock (`flock f make test`)
    # would keep that lock taken for as long as the server runs.
    (
        for fd in /proc/self/fd/*; do
            fd=${fd##*/}
            [ "$fd" -gt 2 ] && eval "exec $fd>&-" 2>/dev/null
        done
        exec setsid "$VENV/bin/moto_server" -H 127.0.0.1 -p "$S3_PORT" </dev/null >"$LOG" 2>&1
    ) &
    pid=$!
    echo "$pid" >"$PID_FILE"
    echo "$S3_PORT" >"$PORT_FILE"
    for _ in $(seq $((START_TIMEOUT * 5))); do
        answers "$S3_PORT" && return
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.2
    done
    if kill -0 "$pid" 2>/dev/null; then
        log "moto_server did not answer on 127.0.0.1:$S3_PORT within ${START_TIMEOUT}s; the end of $LOG:"
        stop_pid "$pid"
    else
        log "moto_server exited at start; the end of $LOG:"
    fi
    tail -n 15 "$LOG" >&2 || true
    rm -f "$PID_FILE"
    exit 1
}

# Asks the server to stop, and kills it if it has not within 5 seconds.
stop_pid() {
    local pid=$1
    kill "$pid" 2>/dev/null || return 0
    for _ in $(seq 25); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.2
    done
    kill -KILL "$pid" 2>/dev/null || true
}

stop() {
    local pid
    if pid=$(server_pid); then
        stop_pid "$pid"
        log "stopped"
    fi
    rm -f "$PID_FILE"
}

case "${1:-}" in
    start) start ;;
    url) url ;;
    stop) stop ;;
    *) echo "usage: $0 start | url | stop" >&2; exit 2 ;;
esac
