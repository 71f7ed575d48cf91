#!/usr/bin/env bash
# Peak memory while one 30 MiB message with attachments is received over SMTP and filed, on
# SQLite and PostgreSQL: the server's VmHWM (peak RSS) after start-up and a small warm-up
# message, then after the large message is filed. The growth over the message's size says how
# many copies of it the server held at once.
# Usage: benches/mail_rss.sh [binary]
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BIN=$(realpath "${1:-${CARGO_TARGET_DIR:-target}/release/meridian}")
PORT=${PORT:-18093}
SMTP_PORT=${SMTP_PORT:-12593}
WORK=$(mktemp -d)
PID=
trap '[ -n "$PID" ] && kill $PID 2>/dev/null; rm -rf "$WORK"' EXIT
export MERIDIAN_LISTEN="127.0.0.1:$PORT" MERIDIAN_SMTP_LISTEN="127.0.0.1:$SMTP_PORT" MERIDIAN_INBOUND_DOMAIN=load.test \
  MERIDIAN_LOG=warn MERIDIAN_DEMO=false MERIDIAN_JOB_POLL_MS=50
API="http://127.0.0.1:$PORT"
hwm() { awk '/VmHWM/ {print $2}' "/proc/$PID/status"; }

# A 30 MiB message (the default limit is 30 MiB): text, HTML and three base64 attachments.
python3 - "$WORK/big.eml" <<'PY'
import os, sys
from email.message import EmailMessage
m = EmailMessage()
m["From"], m["To"], m["Subject"] = "Big <big@load.example>", "load@load.test", "Thirty mebibytes"
m["Message-ID"] = "<big-1@load.example>"
m.set_content("The logs you asked for are attached.\n" * 200)
m.add_alternative("<p>The logs you asked for are attached.</p>" * 200, subtype="html")
for i in range(3):
    m.add_attachment(os.urandom(7 * 1024 * 1024 + 300 * 1024), maintype="application", subtype="octet-stream",
                     filename=f"log-{i}.bin")
raw = m.as_bytes()
open(sys.argv[1], "wb").write(raw)
print(f"message: {len(raw) / 1048576:.1f} MiB")
PY

run() { # $1 = label, $2 = DATABASE_URL
  (cd "$WORK" && DATABASE_URL="$2" "$BIN" tenant create --slug load --name Load > /dev/null)
  (cd "$WORK" && DATABASE_URL="$2" exec "$BIN" serve > "$WORK/server.log" 2>&1) & PID=$!
  until curl -sf "$API/readyz" > /dev/null; do sleep 0.05; done
  python3 - "$SMTP_PORT" small <<'PY'
import smtplib, sys
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=120)
s.sendmail("w@load.example", ["load@load.test"], b"From: w@load.example\r\nSubject: warm\r\n\r\nwarm-up\r\n"); s.quit()
PY
  sleep 1
  local before; before=$(hwm)
  python3 - "$SMTP_PORT" "$WORK/big.eml" <<'PY'
import smtplib, sys, time
t = time.monotonic()
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=300)
s.sendmail("big@load.example", ["load@load.test"], open(sys.argv[2], "rb").read()); s.quit()
print(f"  250 after {time.monotonic() - t:.2f}s")
PY
  # Filed when the inbound row leaves 'received' (poll the failed list and the database alike
  # through the API: the ticket appears with its attachments).
  local tok; tok=$(cd "$WORK" && DATABASE_URL="$2" "$BIN" token create --tenant load --name rss)
  for _ in $(seq 600); do
    if curl -sf -H "Authorization: Bearer $tok" "$API/api/v1/tickets?channel=email&limit=5" | grep -q "Thirty mebibytes"; then break; fi
    sleep 0.1
  done
  sleep 1
  local after; after=$(hwm)
  echo "$1: peak RSS after warm-up $((before / 1024)) MiB, after the 30 MiB message was filed $((after / 1024)) MiB (+$(((after - before) / 1024)) MiB)"
  kill $PID; wait $PID 2>/dev/null || true; PID=
}

echo "== $(date -u +%FT%TZ) $(uname -n), $(nproc) cores, binary $BIN"
run SQLite "sqlite://$WORK/rss.db"
psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS meridian_rss_bench WITH (FORCE)" -c "CREATE DATABASE meridian_rss_bench"
run PostgreSQL postgres://postgres@127.0.0.1/meridian_rss_bench
psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS meridian_rss_bench WITH (FORCE)"
