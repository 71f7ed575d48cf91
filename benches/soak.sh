#!/usr/bin/env bash
# Sustained mixed load: API creators, API listers, an agent's inbox and idle live streams at once,
# sampled every segment: throughput and p99 per kind of request, server RSS, SQLite WAL and
# database size (or the PostgreSQL database size). Everything should stay flat.
# Needs wrk, curl, psql. Loopback only; stops by itself after MINUTES.
# Usage: benches/soak.sh sqlite|postgres MINUTES [binary] [port]
set -euo pipefail
BACKEND=$1; MINUTES=$2
BIN=$(realpath "${3:-${CARGO_TARGET_DIR:-target}/release/meridian}")
PORT=${4:-18090}
SEGMENT=${SEGMENT:-30}
WORK=$(mktemp -d)
PID=
PG_DB="meridian_soak_$PORT"
cleanup() {
  jobs -p | xargs -r kill 2>/dev/null || true
  [ -n "$PID" ] && kill "$PID" 2>/dev/null || true
  [ "$BACKEND" = postgres ] && psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" || true
  rm -rf "$WORK"
}
trap cleanup EXIT
BASE="http://127.0.0.1:$PORT"
export MERIDIAN_LISTEN="127.0.0.1:$PORT" MERIDIAN_SMTP_LISTEN=off MERIDIAN_LOG=warn MERIDIAN_DEMO=false MERIDIAN_API_RATE_PER_MINUTE=100000000
if [ "$BACKEND" = postgres ]; then
  psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" -c "CREATE DATABASE $PG_DB"
  export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$PG_DB"
else
  export DATABASE_URL="sqlite://$WORK/soak.db"
fi
cd "$WORK"
"$BIN" tenant create --slug soak --name Soak > /dev/null 2>&1
TOKEN=$("$BIN" token create --tenant soak --name soak 2>/dev/null)
PASSWORD=$("$BIN" agent create --tenant soak --email agent@soak.example --name Agent --role admin 2>/dev/null)
"$BIN" serve > "$WORK/server.log" 2>&1 & PID=$!
# Two soaks side by side must not share a port; a server that cannot start ends the run.
until curl -sf "$BASE/readyz" > /dev/null; do
  kill -0 "$PID" 2>/dev/null || { echo "server exited:"; cat "$WORK/server.log"; exit 1; }
  sleep 0.05
done
JAR="$WORK/jar"
CSRF=$(curl -s -c "$JAR" "$BASE/login" | sed -n 's/.*name="_csrf" value="\([^"]*\)".*/\1/p' | head -1)
curl -s -b "$JAR" -c "$JAR" -o /dev/null --data-urlencode "workspace=soak" --data-urlencode "email=agent@soak.example" \
  --data-urlencode "password=$PASSWORD" --data-urlencode "_csrf=$CSRF" "$BASE/login"
COOKIE="Cookie: meridian_session=$(awk '$6 == "meridian_session" {print $7}' "$JAR")"
cat > create.lua <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
counter = 0
request = function()
  counter = counter + 1
  local body = string.format('{"subject":"Soak %d","message":{"body":"Order %d has not arrived."},"requester":{"email":"c%d@soak.example"},"tags":["soak"]}', counter, counter, counter % 2000)
  return wrk.format(nil, nil, nil, body)
end
LUA
# Idle live streams, as open console tabs are.
for i in $(seq 1 10); do curl -sN -H "$COOKIE" "$BASE/events" > /dev/null 2>&1 & done
size() { # database bytes, WAL bytes
  if [ "$BACKEND" = postgres ]; then
    echo "$(psql -h 127.0.0.1 -U postgres -Atc "SELECT pg_database_size('$PG_DB')") -"
  else
    echo "$(stat -c %s "$WORK/soak.db") $(stat -c %s "$WORK/soak.db-wal" 2>/dev/null || echo 0)"
  fi
}
# This machine's PostgreSQL may run with autovacuum off (a CI setting); a real server runs it, and
# without it statistics stay those of an empty database and dead rows pile up, so the run measures
# the missing maintenance rather than the desk. Then the soak stands in for it each segment.
STAND_IN=false
if [ "$BACKEND" = postgres ] && [ "$(psql -h 127.0.0.1 -U postgres -Atc 'SHOW autovacuum')" = off ]; then
  STAND_IN=true
  echo "autovacuum is off on this server: the soak runs VACUUM (ANALYZE) after each segment in its place"
fi
printf "%-5s %-9s %-8s %-8s %-8s %-8s %-8s %-8s %-7s %-12s %-12s\n" min create/s c_p99 list/s l_p99 inbox/s i_p99 tickets rss_MB db_bytes wal_bytes
END=$(( $(date +%s) + MINUTES * 60 ))
while [ "$(date +%s)" -lt "$END" ]; do
  wrk -t1 -c8 -d${SEGMENT}s --latency -s create.lua -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/tickets" > c.txt & w1=$!
  wrk -t1 -c4 -d${SEGMENT}s --latency -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/tickets?limit=50" > l.txt & w2=$!
  wrk -t1 -c2 -d${SEGMENT}s --latency -H "$COOKIE" "$BASE/inbox?view=all_open" > i.txt & w3=$!
  wait $w1 $w2 $w3
  if $STAND_IN; then psql -h 127.0.0.1 -U postgres -d "$PG_DB" -qc "VACUUM (ANALYZE)"; fi
  rate() { awk '/Requests\/sec/ {printf "%.0f", $2}' "$1"; }
  p99() { awk '$1 == "99%" {print $2}' "$1"; }
  tickets=$(curl -s -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/tickets?limit=1" | sed -n 's/.*"number":\([0-9]*\).*/\1/p' | head -1)
  rss=$(awk '/VmRSS/ {printf "%.0f", $2/1024}' /proc/$PID/status)
  read -r db wal < <(size)
  printf "%-5s %-9s %-8s %-8s %-8s %-8s %-8s %-8s %-7s %-12s %-12s\n" \
    "$(( (MINUTES * 60 - (END - $(date +%s))) / 60 ))" "$(rate c.txt)" "$(p99 c.txt)" "$(rate l.txt)" "$(p99 l.txt)" \
    "$(rate i.txt)" "$(p99 i.txt)" "${tickets:-?}" "$rss" "$db" "$wal"
done
