#!/usr/bin/env bash
# Fuzz the API against its own OpenAPI document, on SQLite and on PostgreSQL: schemathesis with
# every check (no 5xx, every response as documented, documented inputs accepted, others refused),
# then a fixed pass of hostile strings (hostile.py). Deterministic (fixed seed), bounded in time.
# Usage: tests/fuzz/run.sh [sqlite|postgres]...   (default: both)
set -euo pipefail
cd "$(dirname "$0")/../.."

# The schemathesis version this was verified with; newer ones change checks and CLI flags.
SCHEMATHESIS_VERSION=4.32.5
if [ "$(schemathesis --version 2>/dev/null | awk '{print $NF}')" != "$SCHEMATHESIS_VERSION" ]; then
  python3 -m pip install -q "schemathesis==$SCHEMATHESIS_VERSION"
fi

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/meridian-target}"
cargo build --locked -q --bin meridian
BIN="$CARGO_TARGET_DIR/debug/meridian"
PG_ADMIN="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
EXAMPLES="${FUZZ_MAX_EXAMPLES:-40}"
backends=("$@")
[ ${#backends[@]} -gt 0 ] || backends=(sqlite postgres)

server_pid=""
pg_db=""
work=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  if [ -n "$pg_db" ]; then psql -q "$PG_ADMIN" -c "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null || true; fi
  if [ -n "$work" ]; then rm -rf "$work"; fi
  server_pid="" pg_db="" work=""
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

fuzz() {
  local backend=$1
  work=$(mktemp -d)
  export MERIDIAN_DATA_DIR="$work/data" MERIDIAN_DEMO=false MERIDIAN_LOG=warn MERIDIAN_WORKERS=2
  # The fuzzer is one client sending far more than any integration would; 429s would hide cases.
  export MERIDIAN_API_RATE_PER_MINUTE=1000000
  if [ "$backend" = postgres ]; then
    pg_db="meridian_fuzz_$$"
    psql -q "$PG_ADMIN" -c "CREATE DATABASE $pg_db" >/dev/null
    export DATABASE_URL="${PG_ADMIN%/*}/$pg_db"
  else
    export DATABASE_URL="sqlite://$work/data/meridian.db"
  fi
  mkdir -p "$MERIDIAN_DATA_DIR"
  "$BIN" migrate 2>/dev/null
  "$BIN" tenant create --slug fuzz --name "Fuzz Support" >/dev/null 2>&1
  "$BIN" agent create --tenant fuzz --email owner@fuzz.example --name Owner --role owner >/dev/null 2>&1
  local token
  token=$("$BIN" token create --tenant fuzz --name fuzzer 2>/dev/null)
  local port
  port=$(free_port)
  MERIDIAN_LISTEN="127.0.0.1:$port" MERIDIAN_SMTP_LISTEN=off "$BIN" serve >"$work/server.log" 2>&1 &
  server_pid=$!
  local base="http://127.0.0.1:$port"
  for _ in $(seq 1 100); do curl -fsS "$base/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
  echo "fuzz[$backend]: schemathesis against $base/api/v1/openapi.json"
  local status=0
  # Examples are fixed by the seed and the deterministic mode, so CI does not flake.
  timeout 240 schemathesis --config-file tests/fuzz/schemathesis.toml run "$base/api/v1/openapi.json" \
    -H "Authorization: Bearer $token" \
    --checks all \
    --phases examples,coverage,fuzzing \
    --max-examples "$EXAMPLES" --seed 20261121 --generation-deterministic \
    --workers 1 --request-timeout 10 --no-color --suppress-health-check all \
    || status=$?
  if [ "$status" -eq 0 ]; then
    echo "fuzz[$backend]: hostile strings"
    timeout 120 python3 tests/fuzz/hostile.py "$base" "$token" || status=$?
  fi
  if [ "$status" -ne 0 ]; then
    echo "fuzz[$backend]: FAILED; server log:" >&2
    tail -n 50 "$work/server.log" >&2
  fi
  cleanup
  return "$status"
}

for b in "${backends[@]}"; do fuzz "$b"; done
echo "fuzz: passed on ${backends[*]}"
