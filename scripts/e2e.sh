#!/usr/bin/env bash
# End-to-end tests of the web client (`make e2e`, part of `make test`): Debian's Chromium, driven
# by playwright-core (pinned in e2e/package-lock.json; no browser download), against the debug
# server on a fresh database of the project-local cluster. Installs what is missing: Chromium with
# apt-get (as root; otherwise it says what to run), the npm packages with `npm ci`.
# Screenshots (the main screen, and every page of a failed scenario) go to .data/e2e-artifacts/.
set -euo pipefail

project_dir=$(cd "$(dirname "$0")/.." && pwd)
cd "$project_dir"

DB_NAME=chat_e2e
WORK=.data/e2e
export E2E_ARTIFACTS=$project_dir/.data/e2e-artifacts
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}

log() { printf 'e2e: %s\n' "$*" >&2; }

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

if [ ! -x "$CHROMIUM" ]; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
        log "installing Debian's chromium"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null ||
            { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null; }
    else
        log "Chromium is missing: run  sudo apt-get install -y chromium  (or set CHROMIUM=/path/to/chromium)"
        exit 1
    fi
fi
# Emoji as people see them (reactions, the screenshots), not as empty boxes: Debian's colour font.
if [ ! -e /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ] && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    log "installing Debian's colour emoji font"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q fonts-noto-color-emoji >/dev/null || log "no emoji font: emoji show as boxes"
fi
command -v node >/dev/null || { log "Node.js is missing: run  sudo apt-get install -y nodejs npm"; exit 1; }
stamp=e2e/node_modules/.lock.sha256
wanted=$(sha256sum e2e/package-lock.json | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
    log "installing the npm packages (npm ci)"
    npm ci --prefix e2e --no-audit --no-fund --silent
    echo "$wanted" >"$stamp"
fi

cargo build -p chat-api --bin chat-api
scripts/local-pg.sh start
cluster_url=$(scripts/local-pg.sh url)
psql "$cluster_url" -qX -c "DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)" -c "CREATE DATABASE $DB_NAME"

mkdir -p "$WORK" "$E2E_ARTIFACTS"
port=$(free_port)
allowed_port=$(free_port)
export CHAT_URL="http://127.0.0.1:$port" E2E_ALLOWED_ORIGIN_PORT=$allowed_port
rm -rf "$WORK/uploads"
DATABASE_URL="${cluster_url%/*}/$DB_NAME" CHAT_ADDR="127.0.0.1:$port" CHAT_LOG=warn CHAT_STORAGE_URL="$WORK/uploads" \
    CHAT_AUTH_PER_MINUTE=100000 CHAT_SEND_BURST=100000 CHAT_SEND_PER_MINUTE=100000 \
    CHAT_ALLOWED_ORIGINS="http://127.0.0.1:$allowed_port" \
    CHAT_PREVIEW_ALLOWED_HOSTS=127.0.0.1 \
    target/debug/chat-api >"$WORK/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do
    curl -sf "$CHAT_URL/readyz" >/dev/null && break
    kill -0 $server 2>/dev/null || { log "the server did not start:"; cat "$WORK/server.log" >&2; exit 1; }
    sleep 0.2
done
log "testing $CHAT_URL in $("$CHROMIUM" --version 2>/dev/null || echo chromium)"
(cd e2e && node --test --test-concurrency=1 ${E2E_TESTS:-tests/})
