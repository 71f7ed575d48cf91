#!/usr/bin/env bash
# Chat at scale on SQLite and PostgreSQL: starts the server (release build) with a tenant and an
# agent, then benches/chat_connections.rs (BENCH_CONNS idle widget sockets, then BENCH_RATE
# visitor messages/s to the agent's live stream).
# Usage: benches/chat_connections.sh [binary] [sqlite|postgres|both]
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BIN=$(realpath "${1:-${CARGO_TARGET_DIR:-target}/release/meridian}")
WHICH=${2:-both}
PORT=${PORT:-18097}
WORK=$(mktemp -d)
PID=
trap '[ -n "$PID" ] && kill $PID 2>/dev/null; rm -rf "$WORK"' EXIT
# Every socket is a file on both sides: as many as this machine allows each process.
ulimit -n "$(ulimit -Hn)"
export MERIDIAN_LISTEN="127.0.0.1:$PORT" MERIDIAN_SMTP_LISTEN=off MERIDIAN_LOG=warn MERIDIAN_DEMO=false
(cd "$HERE/.." && cargo bench --locked --bench chat_connections --no-run 2> "$WORK/build.log") || { cat "$WORK/build.log"; exit 1; }
LOAD=$(ls -t "${CARGO_TARGET_DIR:-$HERE/../target}"/release/deps/chat_connections-* | grep -v '\.d$' | head -1)
run() { # $1 = label, $2 = DATABASE_URL
  (cd "$WORK" && DATABASE_URL="$2" "$BIN" tenant create --slug chat --name Chat > /dev/null)
  local pw; pw=$(cd "$WORK" && DATABASE_URL="$2" "$BIN" agent create --tenant chat --email agent@chat.example --name Agent)
  (cd "$WORK" && DATABASE_URL="$2" exec "$BIN" serve > "$WORK/server.log" 2>&1) & PID=$!
  until curl -sf "http://127.0.0.1:$PORT/readyz" > /dev/null; do sleep 0.05; done
  echo "$1: $(BENCH_URL="http://127.0.0.1:$PORT" BENCH_SLUG=chat BENCH_EMAIL=agent@chat.example BENCH_PASSWORD="$pw" \
    BENCH_SERVER_PID=$PID "$LOAD")"
  kill $PID; wait $PID 2>/dev/null || true; PID=
  echo "  server log lines with error or panic: $(grep -ciE 'error|panic' "$WORK/server.log" || true)"
}
echo "== $(date -u +%FT%TZ) $(uname -n), $(nproc) cores, binary $BIN"
if [ "$WHICH" != postgres ]; then run SQLite "sqlite://$WORK/chat.db"; fi
if [ "$WHICH" != sqlite ]; then
  psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS meridian_chat_bench WITH (FORCE)" -c "CREATE DATABASE meridian_chat_bench"
  run PostgreSQL postgres://postgres@127.0.0.1/meridian_chat_bench
  psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS meridian_chat_bench WITH (FORCE)"
fi
