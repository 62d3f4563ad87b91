#!/usr/bin/env bash
# Interleaved comparison: every proxy runs at once (each on its own port, all pinned to CPU 0,
# one worker), and short wrk runs go to each in turn, ROUNDS times, in an order rotated every
# round. A machine that drifts (shared VMs do, by +-25% over minutes) then drifts for all of
# them alike, and the medians per proxy are comparable where one-after-the-other runs are not.
# Method: docs/performance.md ("Interleaved runs").
#
# Env options:
#   APIGW_BIN      apigw binary (default: <repo>/build/release/src/apigw)
#   APIGW_ALT_BIN  a second apigw binary, measured as "apigw-alt" (A/B of a change)
#   APIGW_ROUTE_EXTRA      TOML lines added to apigw's route (e.g. 'filters = [...]'); {backend}
#                          stands for the backend's address (a forward_auth url, say)
#   APIGW_ALT_ROUTE_EXTRA  the same for apigw-alt (default: APIGW_ROUTE_EXTRA); the same binary
#                          as APIGW_ALT_BIN with other filters measures what the filters cost
#   PROXIES        default: "apigw nginx" (+ "apigw-alt" when APIGW_ALT_BIN is set)
#   CONNECTIONS    wrk connection counts (default: "1000")
#   ROUNDS         runs per proxy and connection count (default: 5)
#   DURATION       seconds per measured run (default: 4; a 1 s warm-up precedes each)
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
APIGW_BIN=${APIGW_BIN:-$REPO/build/release/src/apigw}
APIGW_ALT_BIN=${APIGW_ALT_BIN:-}
DEFAULT_PROXIES="apigw nginx"; [ -z "$APIGW_ALT_BIN" ] || DEFAULT_PROXIES="apigw apigw-alt nginx"
PROXIES=${PROXIES:-$DEFAULT_PROXIES}
CONNECTIONS=${CONNECTIONS:-1000}
ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-4}
WARMUP=1

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$HERE/lib.sh"

main() {
  "$HERE/../scripts/bootstrap.sh" bench
  ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)"
  local name round conns order i results=$TMP/interleaved.tsv
  local -A pid_of port_of
  [ -x "$APIGW_BIN" ] || { log "apigw binary not found at $APIGW_BIN"; exit 1; }
  [ -z "$APIGW_ALT_BIN" ] || [ -x "$APIGW_ALT_BIN" ] || { log "not executable: $APIGW_ALT_BIN"; exit 1; }
  start_backend
  read -r -a order <<<"$PROXIES"
  for name in "${order[@]}"; do
    start_proxy "$name" 1 || { log "$name failed to start"; exit 1; }
    pid_of[$name]=$PROXY_PID; port_of[$name]=$PROXY_PORT
  done
  : >"$results"
  for ((round = 1; round <= ROUNDS; round++)); do
    for conns in $CONNECTIONS; do
      for name in "${order[@]}"; do
        PROXY_PID=${pid_of[$name]}; PROXY_PORT=${port_of[$name]}
        kill -0 "$PROXY_PID" 2>/dev/null || { log "$name died"; exit 1; }
        measure_throughput "$name" 1 "$conns" >>"$results"
      done
    done
    order=("${order[@]:1}" "${order[0]}")   # rotate: no proxy always runs first
  done
  "$PY" "$HERE/interleave_report.py" "$results" \
    "$(date -u +%FT%TZ), $(uname -r), $ROUNDS rounds of ${DURATION}s per proxy and connection count, proxies pinned to CPU 0, backend and wrk to CPU $LOAD_CPU"
}

main "$@"
