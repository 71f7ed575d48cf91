#!/usr/bin/env bash
# Knowledge-base targets of issue 12 on SQLite: seeds 20 tenants × BENCH_ARTICLES articles (five
# translations each: 100,000 translations at the default 1,000), times `meridian reindex`, then
# runs benches/kb_search.rs (help-center search p99, and the same requests straight to Meilisearch
# when MEILI_URL is set) at each of BENCH_CONCURRENCIES (default 1 4) clients, and wrk on one
# help-center article page.
# Usage: benches/kb_search.sh [binary]   (MEILI_URL=… MEILI_KEY=… for the Meilisearch backend)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BIN=$(realpath "${1:-${CARGO_TARGET_DIR:-target}/release/meridian}")
PORT=${PORT:-18098}
ARTICLES=${BENCH_ARTICLES:-1000}
WORK=$(mktemp -d)
PID=
trap '[ -n "$PID" ] && kill $PID 2>/dev/null; rm -rf "$WORK"' EXIT
export MERIDIAN_LISTEN="127.0.0.1:$PORT" MERIDIAN_SMTP_LISTEN=off MERIDIAN_LOG=warn MERIDIAN_DEMO=false
export MERIDIAN_DATA_DIR="$WORK" DATABASE_URL="sqlite://$WORK/meridian.db"
(cd "$HERE/.." && cargo bench --locked --bench kb_search --no-run 2> "$WORK/build.log") || { cat "$WORK/build.log"; exit 1; }
LOAD=$(ls -t "${CARGO_TARGET_DIR:-$HERE/../target}"/release/deps/kb_search-* | grep -v '\.d$' | head -1)
echo "== $(date -u +%FT%TZ) $(uname -n), $(nproc) cores, binary $BIN, index ${MEILI_URL:+meilisearch at $MEILI_URL}${MEILI_URL:-embedded}"
(cd "$WORK" && "$BIN" seed --tenants 20 --tickets 0 --prefix kb --articles "$ARTICLES" 2>&1 >/dev/null | grep -E "^seeded")
(cd "$WORK" && "$BIN" reindex 2>&1 | tr '\r' '\n' | grep -E "^reindexed")
(cd "$WORK" && exec "$BIN" serve > "$WORK/server.log" 2>&1) & PID=$!
until curl -sf "http://127.0.0.1:$PORT/readyz" > /dev/null; do sleep 0.05; done
for c in ${BENCH_CONCURRENCIES:-1 4}; do
  BENCH_URL="http://127.0.0.1:$PORT" BENCH_PREFIX=kb BENCH_TENANTS=20 BENCH_ARTICLES="$ARTICLES" BENCH_CONCURRENCY=$c "$LOAD"
done
# One published public article in English, as a reader arriving from a search engine sees it.
ID=$(sqlite3 "$WORK/meridian.db" "SELECT a.id FROM kb_articles a JOIN tenants t ON t.id = a.tenant_id WHERE t.slug = 'kb-1' AND a.visibility = 'public' LIMIT 1")
URL="http://127.0.0.1:$PORT/h/kb-1/en/articles/$ID"
curl -sf -o /dev/null "$URL"
echo "article page $URL:"
wrk -t2 -c32 -d20s --latency "$URL" | grep -E "Requests/sec|Non-2xx|Latency|99%|50%"
echo "server RSS: $(ps -o rss= -p $PID) KiB; log lines with error or panic: $(grep -ciE 'error|panic' "$WORK/server.log" || true)"
grep -iE 'error|panic' "$WORK/server.log" | head -3 || true
