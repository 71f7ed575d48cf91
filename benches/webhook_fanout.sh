#!/usr/bin/env bash
# Webhook fan-out at sustained load on SQLite and PostgreSQL: starts the server (release build),
# a tenant and token, then benches/webhook_fanout.rs (10 loopback receivers, tickets at BENCH_RATE/s).
# Usage: benches/webhook_fanout.sh [binary]   (the bench itself: cargo bench --bench webhook_fanout)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BIN=$(realpath "${1:-${CARGO_TARGET_DIR:-target}/release/meridian}")
PORT=${PORT:-18096}
WORK=$(mktemp -d)
PID=
trap '[ -n "$PID" ] && kill $PID 2>/dev/null; rm -rf "$WORK"' EXIT
export MERIDIAN_LISTEN="127.0.0.1:$PORT" MERIDIAN_SMTP_LISTEN=off MERIDIAN_LOG=warn MERIDIAN_DEMO=false \
  MERIDIAN_API_RATE_PER_MINUTE=100000000 MERIDIAN_WEBHOOK_ALLOW_HTTP=true MERIDIAN_WEBHOOK_ALLOW_PRIVATE=true
(cd "$HERE/.." && cargo bench --locked --bench webhook_fanout --no-run 2> "$WORK/build.log") || { cat "$WORK/build.log"; exit 1; }
FANOUT=$(ls -t "${CARGO_TARGET_DIR:-$HERE/../target}"/release/deps/webhook_fanout-* | grep -v '\.d$' | head -1)
run() { # $1 = label, $2 = DATABASE_URL
  (cd "$WORK" && DATABASE_URL="$2" "$BIN" tenant create --slug fan --name Fan > /dev/null)
  local token; token=$(cd "$WORK" && DATABASE_URL="$2" "$BIN" token create --tenant fan --name bench)
  (cd "$WORK" && DATABASE_URL="$2" exec "$BIN" serve > "$WORK/server.log" 2>&1) & PID=$!
  until curl -sf "http://127.0.0.1:$PORT/readyz" > /dev/null; do sleep 0.05; done
  echo "$1: $(BENCH_URL="http://127.0.0.1:$PORT" BENCH_TOKEN="$token" "$FANOUT")"
  kill $PID; wait $PID 2>/dev/null || true; PID=
}
echo "== $(date -u +%FT%TZ) $(uname -n), $(nproc) cores, binary $BIN"
run SQLite "sqlite://$WORK/fan.db"
psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS meridian_fan_bench WITH (FORCE)" -c "CREATE DATABASE meridian_fan_bench"
run PostgreSQL postgres://postgres@127.0.0.1/meridian_fan_bench
psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS meridian_fan_bench WITH (FORCE)"
