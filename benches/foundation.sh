#!/usr/bin/env bash
# Foundation benchmarks: start-to-ready and idle RSS on SQLite, authenticated inbox throughput,
# sign-ins per second. Needs wrk and curl. Run from the repository root after
#   cargo build --release
# Usage: benches/foundation.sh [binary]
set -euo pipefail
BIN=$(realpath "${1:-${CARGO_TARGET_DIR:-target}/release/meridian}")
PORT=${PORT:-18080}
WORK=$(mktemp -d)
PID=
trap '[ -n "$PID" ] && kill $PID 2>/dev/null; rm -rf "$WORK"' EXIT
BASE="http://127.0.0.1:$PORT"
export MERIDIAN_SMTP_LISTEN=off MERIDIAN_LISTEN="127.0.0.1:$PORT" MERIDIAN_LOG=warn
unset DATABASE_URL || true

start() { # start the server in $WORK; sets PID and MS (ms until /readyz answers 200)
  local t0 t1
  t0=$(date +%s%N)
  (cd "$WORK" && exec "$BIN" > "$WORK/out.txt" 2>/dev/null) & PID=$!
  until curl -sf "$BASE/readyz" > /dev/null; do sleep 0.005; done
  t1=$(date +%s%N)
  MS=$(( (t1 - t0) / 1000000 ))
}

stop() { kill "$PID"; wait "$PID" 2>/dev/null || true; PID=; }

echo "== start to ready (SQLite)"
for run in 1 2 3 4 5; do
  rm -rf "$WORK/data"
  start; first=$MS; stop
  start; again=$MS; stop
  echo "run $run: empty data dir ${first} ms (migrate + seed demo), existing data ${again} ms"
done

echo "== idle RSS"
rm -rf "$WORK/data"
start
sleep 2
grep VmRSS /proc/$PID/status

PASSWORD=$(awk '/password:/ {print $2}' "$WORK/out.txt")
JAR="$WORK/jar"
LOGIN=$(curl -s -c "$JAR" "$BASE/login")
CSRF=$(echo "$LOGIN" | sed -n 's/.*name="_csrf" value="\([^"]*\)".*/\1/p' | head -1)
curl -s -b "$JAR" -c "$JAR" -o /dev/null --data-urlencode "workspace=demo" --data-urlencode "email=owner@demo.example" \
  --data-urlencode "password=$PASSWORD" --data-urlencode "_csrf=$CSRF" "$BASE/login"
SESSION=$(awk '$6 == "meridian_session" {print $7}' "$JAR")
test -n "$SESSION" || { echo "sign-in failed"; exit 1; }
test "$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: meridian_session=$SESSION" "$BASE/inbox")" = 200

echo "== authenticated inbox page (GET /inbox, demo tenant), wrk 2 threads, 32 connections, 15 s"
wrk -t2 -c32 -d15s --latency -H "Cookie: meridian_session=$SESSION" "$BASE/inbox" | grep -E "Requests/sec|50%|99%|Non-2xx|Socket"

echo "== sign-ins per second (POST /login, argon2id 19 MiB t=2 p=1), wrk 2 threads, 8 connections, 10 s"
cat > "$WORK/signin.lua" <<LUA
wrk.method = "POST"
wrk.body = "workspace=demo&email=owner%40demo.example&password=$PASSWORD&_csrf=$CSRF"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = "meridian_login=$CSRF"
LUA
wrk -t2 -c8 -d10s --latency -s "$WORK/signin.lua" "$BASE/login" | grep -E "Requests/sec|50%|99%|Non-2xx"
