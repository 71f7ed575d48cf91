#!/usr/bin/env bash
# Side-by-side check of two release binaries on this machine, alternating them so that drift in
# the VM's speed hits both: the authenticated inbox (benches/foundation.sh) and API ticket
# creation on PostgreSQL and SQLite with pgbench's single-row INSERT rate (benches/api_create.sh).
# Usage: benches/compare.sh OLD_BINARY NEW_BINARY [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")"
OLD=$(realpath "$1"); NEW=$(realpath "$2"); ROUNDS=${3:-2}
for round in $(seq 1 "$ROUNDS"); do
  for which in old new; do
    bin=$OLD; [ "$which" = new ] && bin=$NEW
    echo "##### round $round: $which ($bin)"
    ./foundation.sh "$bin" 2>&1 | grep -A3 "authenticated inbox" | grep -E "inbox|Requests/sec|99%"
    ./api_create.sh "$bin" 2>&1 | grep -E "^==|Requests/sec|99%|^tps|mean batch|gapless"
  done
done
