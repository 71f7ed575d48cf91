#!/usr/bin/env bash
# Ticket creation through the API with 16 concurrent clients, on PostgreSQL and SQLite, and
# pgbench's single-row INSERT rate at 16 clients on the same machine for comparison.
# Needs wrk, psql, pgbench and a local PostgreSQL (postgres@127.0.0.1, trust auth).
# Usage: benches/api_create.sh [binary]
set -euo pipefail
BIN=$(realpath "${1:-${CARGO_TARGET_DIR:-target}/release/meridian}")
PORT=${PORT:-18081}
WORK=$(mktemp -d)
PID=
trap '[ -n "$PID" ] && kill $PID 2>/dev/null; rm -rf "$WORK"' EXIT
PG=postgres://postgres@127.0.0.1/meridian_api_bench
export MERIDIAN_SMTP_LISTEN=off MERIDIAN_LISTEN="127.0.0.1:$PORT" MERIDIAN_LOG=warn MERIDIAN_DEMO=false MERIDIAN_API_RATE_PER_MINUTE=100000000

cat > "$WORK/create.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
counter = 0
request = function()
  counter = counter + 1
  local body = string.format('{"subject":"Load %d","message":{"body":"Order %d has not arrived."},"requester":{"email":"c%d@load.example","name":"Customer"},"priority":"normal","tags":["load"],"language":"en"}', counter, counter, counter % 5000)
  return wrk.format(nil, nil, nil, body)
end
LUA

run() { # $1 = DATABASE_URL
  (cd "$WORK" && DATABASE_URL="$1" "$BIN" tenant create --slug load --name Load > /dev/null)
  TOKEN=$(cd "$WORK" && DATABASE_URL="$1" "$BIN" token create --tenant load --name bench)
  (cd "$WORK" && DATABASE_URL="$1" exec "$BIN" serve > /dev/null 2>&1) & PID=$!
  until curl -sf "http://127.0.0.1:$PORT/readyz" > /dev/null; do sleep 0.05; done
  local load=(-s "$WORK/create.lua" -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/api/v1/tickets")
  # Warm up, then gather statistics as autovacuum would on any live database. Without them
  # PostgreSQL keeps the foreign-key checks' plans from when the tables were empty (sequential
  # scans), and this machine's PostgreSQL runs with autovacuum off.
  wrk -t2 -c16 -d3s "${load[@]}" > /dev/null
  if [[ $1 == postgres* ]]; then psql -h 127.0.0.1 -U postgres -d meridian_api_bench -qc "ANALYZE"; fi
  local before; before=$(curl -s "http://127.0.0.1:$PORT/metrics" | awk '/^meridian_write_batch(es|_items)_total/ {print $2}' | tr '\n' ' ')
  wrk -t2 -c16 -d15s --latency "${load[@]}" | grep -E "Requests/sec|50%|99%|Non-2xx"
  local after; after=$(curl -s "http://127.0.0.1:$PORT/metrics" | awk '/^meridian_write_batch(es|_items)_total/ {print $2}' | tr '\n' ' ')
  echo "$before $after" | awk '{printf "mean batch: %.1f tickets (%d transactions)\n", ($4-$2)/($3-$1), $3-$1}'
  kill $PID; wait $PID 2>/dev/null || true; PID=
}

echo "== API ticket creation, PostgreSQL $(psql -h 127.0.0.1 -U postgres -Atc "SHOW server_version") (autovacuum $(psql -h 127.0.0.1 -U postgres -Atc "SHOW autovacuum")), 16 clients"
psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS meridian_api_bench WITH (FORCE)" -c "CREATE DATABASE meridian_api_bench"
run "$PG"
echo "gapless check: $(psql -h 127.0.0.1 -U postgres -d meridian_api_bench -Atc "SELECT count(*) = max(number) FROM tickets") (tickets count equals highest number)"

echo "== pgbench single-row INSERT, 16 clients, 15 s"
psql -h 127.0.0.1 -U postgres -d meridian_api_bench -qc "CREATE TABLE bench_rows (id bigserial PRIMARY KEY, v text NOT NULL)"
echo "INSERT INTO bench_rows (v) VALUES ('x');" > "$WORK/insert.sql"
pgbench -h 127.0.0.1 -U postgres -n -c16 -j2 -T15 -f "$WORK/insert.sql" meridian_api_bench | grep -E "^tps|latency average"

echo "== API ticket creation, SQLite, 16 clients"
run "sqlite://$WORK/bench.db"
psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS meridian_api_bench WITH (FORCE)"
