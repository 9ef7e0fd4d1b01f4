#!/usr/bin/env bash
# Measures start-up time, idle memory and latency under load of a fresh
# Portavoce on SQLite, or on PostgreSQL when PORTAVOCE_DATABASE is set (use an
# empty database or schema). Figures go to docs/benchmarks.md by hand.
#   scripts/load.sh                      # SQLite
#   PORTAVOCE_DATABASE=postgres://postgres@127.0.0.1:5432/bench scripts/load.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RATE=${RATE:-200}
DURATION=${DURATION:-30s}
PORT=${PORT:-18080}
BIN=bin/portavoce
[ -x "$BIN" ] || make build >/dev/null
DATA=$(mktemp -d)
trap 'kill $PID 2>/dev/null || true; rm -rf "$DATA"' EXIT

echo "== database: ${PORTAVOCE_DATABASE:-SQLite in a new data folder}"
# Start-up: from exec to the first successful /healthz.
t0=$(date +%s%N)
PORTAVOCE_LOG_LEVEL=warn "$BIN" serve --data "$DATA" --listen 127.0.0.1:$PORT >/dev/null &
PID=$!
until curl -sf http://127.0.0.1:$PORT/healthz >/dev/null; do sleep 0.005; done
t1=$(date +%s%N)
echo "start-up (exec to first /healthz 200, including migrations of a new database): $(( (t1 - t0) / 1000000 )) ms"

sleep 5
echo "idle RSS after 5 s: $(awk '/VmRSS/ {printf "%.1f MB", $2/1024}' /proc/$PID/status)"

go run ./scripts/loadgen -url http://127.0.0.1:$PORT -rate "$RATE" -duration "$DURATION"
echo "RSS after the load: $(awk '/VmRSS/ {printf "%.1f MB", $2/1024}' /proc/$PID/status)"

# Start-up of an instance that already has its data (the everyday case).
kill $PID; wait $PID 2>/dev/null || true
t0=$(date +%s%N)
PORTAVOCE_LOG_LEVEL=warn "$BIN" serve --data "$DATA" --listen 127.0.0.1:$PORT >/dev/null &
PID=$!
until curl -sf http://127.0.0.1:$PORT/healthz >/dev/null; do sleep 0.005; done
t1=$(date +%s%N)
echo "start-up with existing data (exec to first /healthz 200): $(( (t1 - t0) / 1000000 )) ms"
sleep 5
echo "idle RSS after 5 s: $(awk '/VmRSS/ {printf "%.1f MB", $2/1024}' /proc/$PID/status)"

if command -v wrk >/dev/null; then
  # wrk needs a second instance's credentials: restart on a new folder.
  kill $PID; wait $PID 2>/dev/null || true
  rm -rf "$DATA"; DATA=$(mktemp -d)
  if [ -n "${PORTAVOCE_DATABASE:-}" ]; then echo "(wrk part skipped on PostgreSQL: it needs a fresh database)"; exit 0; fi
  PORTAVOCE_LOG_LEVEL=warn "$BIN" serve --data "$DATA" --listen 127.0.0.1:$PORT >/dev/null &
  PID=$!
  until curl -sf http://127.0.0.1:$PORT/healthz >/dev/null; do sleep 0.01; done
  eval "$(go run ./scripts/loadgen -url http://127.0.0.1:$PORT -print-credentials)"
  echo "== wrk, 2 threads, 32 connections, 15 s (closed loop: maximum throughput)"
  wrk -t2 -c32 -d15s --latency -H "Cookie: pv_session=$SESSION" http://127.0.0.1:$PORT/w/$SLUG/settings | sed -n '1,20p'
  wrk -t2 -c32 -d15s --latency -H "Authorization: Bearer $TOKEN" http://127.0.0.1:$PORT/api/v1/workspaces/$SLUG/members | sed -n '1,20p'
fi
