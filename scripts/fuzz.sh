#!/usr/bin/env bash
# Schema fuzzing (`make fuzz`): schemathesis against a release server on a fresh database, with a
# live bearer token. Fails on any 5xx and on any answer the OpenAPI document does not describe
# (status, content type, body schema, headers); the checks are listed in scripts/fuzz.toml.
#
#   scripts/fuzz.sh                 build, start the server, fuzz, stop the server
#   scripts/fuzz.sh --checks all    extra arguments go to `st run` and win over fuzz.toml
#
# Knobs: FUZZ_MAX_EXAMPLES (test cases per operation, default in fuzz.toml), FUZZ_SEED,
# FUZZ_TIME_LIMIT (seconds schemathesis may run before it is killed, default 150).
# Everything it writes lives under .data/ (git-ignored): the virtualenv, the server log.
set -euo pipefail

project_dir=$(cd "$(dirname "$0")/.." && pwd)
cd "$project_dir"

VENV=.data/fuzz-venv
REQUIREMENTS=scripts/fuzz-requirements.txt
WORK=.data/fuzz
DB_NAME=chat_fuzz
TIME_LIMIT=${FUZZ_TIME_LIMIT:-150}
PASSWORD="correct horse battery"

log() { printf 'fuzz: %s\n' "$*" >&2; }

# The virtualenv is rebuilt only when the pinned requirements change.
install_schemathesis() {
    local stamp=$VENV/.requirements.sha256 wanted
    wanted=$(sha256sum "$REQUIREMENTS" | cut -d' ' -f1)
    if [ -x "$VENV/bin/st" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$wanted" ]; then
        return
    fi
    log "installing schemathesis into $VENV"
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check --no-input -r "$REQUIREMENTS"
    echo "$wanted" >"$stamp"
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# POSTs JSON to the API and prints the field named by a Python expression over the answer.
post() {
    local path=$1 body=$2 expression=$3 token=${4:-}
    local auth=()
    [ -n "$token" ] && auth=(-H "Authorization: Bearer $token")
    curl -sSf -X POST "$base/api/v1$path" -H 'Content-Type: application/json' "${auth[@]}" -d "$body" |
        python3 -c 'import sys, json; d = json.load(sys.stdin); print(eval(sys.argv[1]))' "$expression"
}

install_schemathesis
cargo build --release -p chat-api --bin chat-api
scripts/local-pg.sh start
cluster_url=$(scripts/local-pg.sh url)
psql "$cluster_url" -qX -c "DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)" -c "CREATE DATABASE $DB_NAME"

mkdir -p "$WORK"
port=$(free_port)
base=http://127.0.0.1:$port
rm -rf "$WORK/uploads"
DATABASE_URL=${cluster_url%/*}/$DB_NAME CHAT_ADDR=127.0.0.1:$port CHAT_LOG=warn CHAT_STORAGE_URL=$WORK/uploads \
    CHAT_AUTH_PER_MINUTE=100000 CHAT_USER_SEARCH_PER_MINUTE=100000 CHAT_SEND_BURST=100000 CHAT_SEND_PER_MINUTE=100000 \
    CHAT_ARGON2_MEMORY_KIB=1024 CHAT_ARGON2_ITERATIONS=1 \
    target/release/chat-api >"$WORK/server.log" 2>&1 &
server=$!
fuzzer=
stop_server() {
    if [ -n "$fuzzer" ]; then kill "$fuzzer" 2>/dev/null || true; fi
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
}
trap stop_server EXIT
# Bash runs the EXIT trap on a signal only if the signal has a trap of its own.
trap 'exit 130' INT
trap 'exit 143' TERM

for _ in $(seq 150); do
    curl -sf "$base/readyz" >/dev/null && break
    kill -0 "$server" 2>/dev/null || { log "the server exited at start:"; cat "$WORK/server.log" >&2; exit 1; }
    sleep 0.2
done
curl -sf "$base/readyz" >/dev/null || { log "the server did not become ready"; cat "$WORK/server.log" >&2; exit 1; }

# Data for the ids the fuzzer draws to land on: two users, a group chat with both, a message.
post /auth/register '{"username":"fuzz","password":"'"$PASSWORD"'"}' 'd["user"]["id"]' >/dev/null
other=$(post /auth/register '{"username":"fuzz_peer","password":"'"$PASSWORD"'"}' 'd["user"]["id"]')
token=$(post /auth/login '{"username":"fuzz","password":"'"$PASSWORD"'"}' 'd["token"]')
logout_token=$(post /auth/login '{"username":"fuzz","password":"'"$PASSWORD"'"}' 'd["token"]')
chat=$(post /chats '{"kind":"group","title":"Fuzz","member_ids":['"$other"']}' 'd["id"]' "$token")
post /messages '{"chat_id":'"$chat"',"content":"fuzz"}' 'd["id"]' "$token" >/dev/null

command=("$VENV/bin/st" --config-file scripts/fuzz.toml run "$base/api/v1/openapi.json" --no-color)
[ -n "${FUZZ_MAX_EXAMPLES:-}" ] && command+=(--max-examples "$FUZZ_MAX_EXAMPLES")
[ -n "${FUZZ_SEED:-}" ] && command+=(--seed "$FUZZ_SEED")
command+=("$@")
log "${command[*]} (up to ${TIME_LIMIT}s)"
status=0
# Hypothesis keeps its caches in the working folder unless told otherwise. In the background, so
# that a signal to this script is handled at once rather than when the run ends.
CHAT_FUZZ_TOKEN=$token CHAT_FUZZ_LOGOUT_TOKEN=$logout_token HYPOTHESIS_STORAGE_DIRECTORY=$WORK/hypothesis \
    timeout --kill-after=10 "$TIME_LIMIT" "${command[@]}" &
fuzzer=$!
wait "$fuzzer" || status=$?
fuzzer=
if [ "$status" = 124 ] || [ "$status" = 137 ]; then
    log "schemathesis did not finish within ${TIME_LIMIT}s"
fi
# A token revoked mid-run would have turned the rest into 401s that pass every check.
if ! curl -sf "$base/api/v1/users/me" -H "Authorization: Bearer $token" >/dev/null; then
    log "the fuzzing token no longer works: the run tested little beyond 401"
    status=1
fi
if ! kill -0 "$server" 2>/dev/null; then
    log "the server died during the run:"
    tail -n 50 "$WORK/server.log" >&2
    status=1
elif [ "$status" != 0 ] && [ -s "$WORK/server.log" ]; then
    log "server log (last 20 lines):"
    tail -n 20 "$WORK/server.log" >&2
fi
exit "$status"
