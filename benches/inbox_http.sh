#!/usr/bin/env bash
# Full console pages over HTTP on a seeded database: the inbox's first page (open, priority then
# age), a team + language view, and a 200-message ticket page (made by the inbox_queries bench).
# Usage: DATABASE_URL=… benches/inbox_http.sh [binary]   (tenant big-1 from `meridian seed`)
set -euo pipefail
BIN=$(realpath "${1:-${CARGO_TARGET_DIR:-target}/release/meridian}")
PORT=${PORT:-18082}
TENANT=${BENCH_TENANT:-big-1}
WORK=$(mktemp -d)
PID=
trap '[ -n "$PID" ] && kill $PID 2>/dev/null; rm -rf "$WORK"' EXIT
BASE="http://127.0.0.1:$PORT"
export MERIDIAN_SMTP_LISTEN=off MERIDIAN_LISTEN="127.0.0.1:$PORT" MERIDIAN_LOG=warn MERIDIAN_DEMO=false
EMAIL="bench-$(date +%s)@bench.example"
PASSWORD=$(cd "$WORK" && "$BIN" agent create --tenant "$TENANT" --email "$EMAIL" --name Bench --role admin)
(cd "$WORK" && exec "$BIN" serve > /dev/null 2>&1) & PID=$!
until curl -sf "$BASE/readyz" > /dev/null; do sleep 0.05; done
JAR="$WORK/jar"
CSRF=$(curl -s -c "$JAR" "$BASE/login" | sed -n 's/.*name="_csrf" value="\([^"]*\)".*/\1/p' | head -1)
curl -s -b "$JAR" -c "$JAR" -o /dev/null --data-urlencode "workspace=$TENANT" --data-urlencode "email=$EMAIL" \
  --data-urlencode "password=$PASSWORD" --data-urlencode "_csrf=$CSRF" "$BASE/login"
SESSION=$(awk '$6 == "meridian_session" {print $7}' "$JAR")
COOKIE="Cookie: meridian_session=$SESSION"
TEAM=$(curl -s -H "$COOKIE" "$BASE/inbox?view=all_open" | sed -n 's/.*<option value="\([0-9a-f-]*\)">Lusophone<.*/\1/p' | head -1)
LONG=$(curl -s -H "$COOKIE" "$BASE/inbox?tag=bench200" | sed -n 's/.*data-href="\/tickets\/\([0-9]*\)".*/\1/p' | head -1)
for url in "/inbox?view=all_open&sort=priority" "/inbox?view=all_open&sort=priority&team=$TEAM&language=pt-BR" "/tickets/$LONG"; do
  test "$(curl -s -o /dev/null -w '%{http_code}' -H "$COOKIE" "$BASE$url")" = 200
  echo "== GET $url (wrk 2 threads, 4 connections, 10 s)"
  wrk -t2 -c4 -d10s --latency -H "$COOKIE" "$BASE$url" | grep -E "Requests/sec|50%|99%|Non-2xx"
done
