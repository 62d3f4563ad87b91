#!/usr/bin/env bash
# Side-by-side benchmark: apigw vs NGINX vs HAProxy as HTTP/1.1 reverse proxies in front of
# one shared NGINX backend. Method and how to read the numbers: docs/performance.md.
#
# Env options:
#   APIGW_BIN    apigw binary (default: <repo>/build/release/src/apigw; skipped if missing)
#   PROXIES      proxies to run (default: "apigw apigw-defaults nginx nginx-keepalive256 haproxy";
#                apigw-defaults: a config with no tuning at all; nginx-keepalive256: keepalive 256)
#   WORKERS      worker counts to run      (default: "1 2"; 2+ needs >= 2 cores)
#   CONNECTIONS  wrk connection counts     (default: "64 256 1000")
#   DURATION     seconds per measured run  (default: 10; a 2 s warm-up precedes each)
#   HOLD_CONNS   idle connections for the memory test (default: 9000)
#   RETRIES      reruns of a run disturbed by other processes (default: 2)
#   NOISE_PCT    CPU% used by other processes that marks a run as disturbed (default: 10)
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
APIGW_BIN=${APIGW_BIN:-$REPO/build/release/src/apigw}
PROXIES=${PROXIES:-"apigw apigw-defaults nginx nginx-keepalive256 haproxy"}
WORKERS=${WORKERS:-"1 2"}
CONNECTIONS=${CONNECTIONS:-"64 256 1000"}
DURATION=${DURATION:-10}
HOLD_CONNS=${HOLD_CONNS:-9000}
RETRIES=${RETRIES:-2}
NOISE_PCT=${NOISE_PCT:-10}
WARMUP=2
RESULTS_DIR=$HERE/results

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$HERE/lib.sh"

# measure_memory NAME WORKERS: idle RSS, then RSS with HOLD_CONNS idle keep-alive connections.
measure_memory() {
  local pids idle held out=$TMP/hold.out holder line still_open=0 deadline
  mapfile -t pids < <(proc_tree "$PROXY_PID")
  idle=$(rss_kb "${pids[@]}")
  : >"$out"
  taskset -c "$LOAD_CPU" "$PY" "$HERE/hold_connections.py" 127.0.0.1 "$PROXY_PORT" "$HOLD_CONNS" 100 >"$out" &
  holder=$!; STARTED+=("$holder")
  deadline=$((SECONDS + 120))
  until grep -q '^held' "$out"; do
    if ! kill -0 "$holder" 2>/dev/null || [ "$SECONDS" -ge "$deadline" ]; then log "holder failed"; break; fi
    sleep 0.2
  done
  sleep 2
  mapfile -t pids < <(proc_tree "$PROXY_PID")
  held=$(rss_kb "${pids[@]}")
  kill -USR1 "$holder" 2>/dev/null && sleep 1
  line=$(grep -m1 '^open' "$out" || true); still_open=${line#open }
  line=$(grep -m1 '^held' "$out" || echo "held 0")
  kill "$holder" 2>/dev/null || true; wait "$holder" 2>/dev/null || true
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$idle" "$held" "${line#held }" "${still_open:-0}" >>"$MEMORY_TSV"
  log "$1 w=$2 memory: idle ${idle} kB, with ${line#held } conns ${held} kB (still open: ${still_open:-?})"
  sleep 2   # let the proxy close the released connections
}

# measure_best NAME WORKERS CONNS: reruns a noisy measurement (other CPU > NOISE_PCT) up to
# RETRIES times and records the quietest attempt.
measure_best() {
  local attempt line other best="" best_other=100000
  for ((attempt = 0; attempt <= RETRIES; attempt++)); do
    line=$(measure_throughput "$@")
    other=$(cut -f8 <<<"$line" | cut -d/ -f4)
    if [ "$other" -lt "$best_other" ]; then best=$line; best_other=$other; fi
    [ "$other" -gt "$NOISE_PCT" ] || break
    [ "$attempt" -eq "$RETRIES" ] || log "noisy run (other processes used ${other}% CPU), retrying"
  done
  echo "$best" >>"$THROUGHPUT_TSV"
}

bench_proxy() {  # NAME WORKERS
  local conns
  log "== $1, $2 worker(s) =="
  start_proxy "$1" "$2" || { log "$1 failed to start; skipped"; stop_proxy; return 0; }
  measure_memory "$1" "$2"
  for conns in $CONNECTIONS; do
    kill -0 "$PROXY_PID" 2>/dev/null || { log "$1 died; skipping the rest"; break; }
    measure_best "$1" "$2" "$conns"
  done
  stop_proxy
}

main() {
  "$HERE/../scripts/bootstrap.sh" bench
  ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)"
  [ "$(ulimit -n)" -gt $((HOLD_CONNS + 1000)) ] || log "warning: ulimit -n $(ulimit -n) is low for $HOLD_CONNS held connections"
  if [[ " $PROXIES " == *" apigw "* && ! -x "$APIGW_BIN" ]]; then
    log "apigw binary not found at $APIGW_BIN (set APIGW_BIN); skipping apigw"
    PROXIES=${PROXIES//apigw/}
  fi
  : >"$THROUGHPUT_TSV"; : >"$MEMORY_TSV"
  start_backend
  local workers name notes=()
  for workers in $WORKERS; do
    if [ "$workers" -gt "$NCPU" ]; then log "skipping workers=$workers: only $NCPU CPU(s)"; continue; fi
    for name in $PROXIES; do bench_proxy "$name" "$workers"; done
  done
  notes+=("$(date -u +%FT%TZ), $(uname -r), $NCPU CPU(s): $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)")
  notes+=("wrk -t1 -cN -d${DURATION}s --latency after a ${WARMUP}s warm-up; wrk and the backend (nginx, 1 worker) pinned to CPU $LOAD_CPU")
  notes+=("1 worker: proxy pinned to CPU 0. 2+ workers: proxy unpinned, so it shares CPU $LOAD_CPU with the backend and wrk")
  notes+=("CPU us/req = proxy utime+stime during the measured run / requests; KB/conn = (RSS with $HOLD_CONNS idle keep-alive conns - RSS idle) / conns held")
  mkdir -p "$RESULTS_DIR"
  HOLD_CONNS=$HOLD_CONNS NOISE_PCT=$NOISE_PCT "$PY" "$HERE/report.py" "$THROUGHPUT_TSV" "$MEMORY_TSV" "$RESULTS_DIR/latest.md" "${notes[@]}"
  log "markdown written to $RESULTS_DIR/latest.md"
}

main "$@"
