#!/usr/bin/env bash
# Inbound mail over SMTP, on PostgreSQL and SQLite:
#  - sustained intake of 20 KB messages from 8 concurrent senders for 20 s (messages/s answered
#    250), with the mean group-commit batch from /metrics;
#  - the same machine's raw fsync-bound commit rate for comparison: pgbench one-row INSERTs at 8
#    clients, and for SQLite a one-row-INSERT-per-commit loop (WAL, synchronous=FULL, as Meridian);
#  - at 100 messages/s for 20 s, p50/p99 from each 250 to its ticket listed by the ticket API;
#  - parsing + filing throughput of ../shared/corpora/mime (SQLite), 5 tenants x every file.
# Needs python3, curl, psql, pgbench, sqlite3 and a local PostgreSQL (postgres@127.0.0.1, trust).
# Usage: benches/mail_intake.sh [binary]
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BIN=$(realpath "${1:-${CARGO_TARGET_DIR:-target}/release/meridian}")
CORPUS=${CORPUS:-$HERE/../../shared/corpora/mime}
PORT=${PORT:-18091}
SMTP_PORT=${SMTP_PORT:-12591}
SECONDS_RUN=${SECONDS_RUN:-20}
WORK=$(mktemp -d)
PID=
trap '[ -n "$PID" ] && kill $PID 2>/dev/null; rm -rf "$WORK"' EXIT
export MERIDIAN_LISTEN="127.0.0.1:$PORT" MERIDIAN_SMTP_LISTEN="127.0.0.1:$SMTP_PORT" MERIDIAN_INBOUND_DOMAIN=load.test \
  MERIDIAN_LOG=warn MERIDIAN_DEMO=false MERIDIAN_API_RATE_PER_MINUTE=100000000 MERIDIAN_JOB_POLL_MS=50
RCPT=load@load.test
API="http://127.0.0.1:$PORT"

start() { # $1 = DATABASE_URL; sets TOKEN
  (cd "$WORK" && DATABASE_URL="$1" "$BIN" tenant create --slug load --name Load > /dev/null)
  TOKEN=$(cd "$WORK" && DATABASE_URL="$1" "$BIN" token create --tenant load --name bench)
  (cd "$WORK" && DATABASE_URL="$1" exec "$BIN" serve > "$WORK/server.log" 2>&1) & PID=$!
  until curl -sf "$API/readyz" > /dev/null; do sleep 0.05; done
}
stop() { kill $PID; wait $PID 2>/dev/null || true; PID=; }
batches() { curl -s "$API/metrics" | awk '/^meridian_write_batch(es|_items)_total\{path="inbound_mail"\}/ {print $2}' | tr '\n' ' '; }

intake() { # $1 = DATABASE_URL
  start "$1"
  local before after; before=$(batches)
  echo "intake, 8 senders, 20 KB, ${SECONDS_RUN}s: $(python3 "$HERE/mail_load.py" rate 127.0.0.1 "$SMTP_PORT" "$RCPT" "$SECONDS_RUN" 8 20000)"
  after=$(batches)
  echo "$before $after" | awk '{ if ($3 > $1) printf "mean batch: %.2f messages (%d transactions)\n", ($4-$2)/($3-$1), $3-$1 }'
  stop
}

latency() { # $1 = DATABASE_URL
  start "$1"
  echo "250 -> ticket listed, 100 msg/s, ${SECONDS_RUN}s: $(python3 "$HERE/mail_load.py" latency 127.0.0.1 "$SMTP_PORT" "$RCPT" "$SECONDS_RUN" 100 20000 "$API" "$TOKEN")"
  stop
}

fresh_pg() { psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1"; }

echo "== $(date -u +%FT%TZ) $(uname -n), $(nproc) cores, binary $BIN"
echo "== PostgreSQL $(psql -h 127.0.0.1 -U postgres -Atc "SHOW server_version"), synchronous_commit $(psql -h 127.0.0.1 -U postgres -Atc "SHOW synchronous_commit")"
fresh_pg meridian_mail_bench
intake postgres://postgres@127.0.0.1/meridian_mail_bench
fresh_pg meridian_mail_bench
latency postgres://postgres@127.0.0.1/meridian_mail_bench
echo "pgbench one-row INSERT, 8 clients, 15 s:"
psql -h 127.0.0.1 -U postgres -d meridian_mail_bench -qc "CREATE TABLE bench_rows (id bigserial PRIMARY KEY, v text NOT NULL)"
echo "INSERT INTO bench_rows (v) VALUES ('x');" > "$WORK/insert.sql"
pgbench -h 127.0.0.1 -U postgres -n -c8 -j2 -T15 -f "$WORK/insert.sql" meridian_mail_bench | grep -E "^tps|latency average"
psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS meridian_mail_bench WITH (FORCE)"

echo "== SQLite $(sqlite3 --version | cut -d' ' -f1) (CLI, for the raw loop)"
intake "sqlite://$WORK/intake.db"
latency "sqlite://$WORK/latency.db"
echo "SQLite one-row INSERT per commit, WAL, synchronous=FULL, 5000 commits:"
{
  echo "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL);"
  for _ in $(seq 5000); do echo "INSERT INTO t (v) VALUES ('x');"; done
} > "$WORK/loop.sql"
python3 - "$WORK/raw.db" "$WORK/loop.sql" <<'PY'
import subprocess, sys, time
t = time.monotonic(); subprocess.run(["sqlite3", sys.argv[1]], stdin=open(sys.argv[2]), stdout=subprocess.DEVNULL, check=True)
print(f"  {5000 / (time.monotonic() - t):.0f} commits/s")
PY

echo "== parsing + filing of the MIME corpus ($(find "$CORPUS" -type f | wc -l) files) into 5 tenants, SQLite"
DB="$WORK/corpus.db"
for i in 1 2 3 4 5; do (cd "$WORK" && DATABASE_URL="sqlite://$DB" "$BIN" tenant create --slug "c$i" --name "C$i" > /dev/null); done
(cd "$WORK" && DATABASE_URL="sqlite://$DB" exec "$BIN" serve > "$WORK/server.log" 2>&1) & PID=$!
until curl -sf "$API/readyz" > /dev/null; do sleep 0.05; done
python3 - "$CORPUS" "$SMTP_PORT" "$DB" <<'PY'
import os, smtplib, sqlite3, sys, time
files = sorted(os.path.join(d, f) for d, _, fs in os.walk(sys.argv[1]) for f in fs)
t0 = time.monotonic()
s = smtplib.SMTP("127.0.0.1", int(sys.argv[2]), timeout=60)
n = 0
for i in range(1, 6):
    for f in files:
        try:
            s.sendmail("corpus@load.example", [f"c{i}@load.test"], open(f, "rb").read()); n += 1
        except smtplib.SMTPException:
            pass
s.quit()
stored = time.monotonic()
db = sqlite3.connect(sys.argv[3], timeout=30)
while db.execute("SELECT count(*) FROM inbound_emails WHERE state = 'received'").fetchone()[0]:
    time.sleep(0.02)
done = time.monotonic()
states = dict(db.execute("SELECT state, count(*) FROM inbound_emails GROUP BY state").fetchall())
print(f"  {n} messages stored in {stored - t0:.2f}s; all filed {done - t0:.2f}s after the first: "
      f"{n / (done - t0):.0f} messages/s end to end; states {states}")
PY
stop
