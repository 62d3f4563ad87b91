#!/usr/bin/env bash
# Do the gateway's own percentiles (GET /admin/stats) agree with a load generator's? wrk sends
# requests for DURATION seconds, each asking the echo backend to wait 1 to 20 ms
# (live_stats_delays.lua); then the route's 5-minute window is compared with wrk --latency's
# P50/P90/P99 and request count. The two clocks do not start at the same instant (wrk measures
# from its send to the last byte read, the gateway from the head's first byte to the last byte
# written), so they differ by the loopback's microseconds; the bar is 5%. docs/performance.md
# ("Live statistics").
#
# Env: APIGW_BIN (default build/release/src/apigw), CONNECTIONS (50), DURATION (30), WORKERS (1)
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
APIGW_BIN=${APIGW_BIN:-$REPO/build/release/src/apigw}
CONNECTIONS=${CONNECTIONS:-50}
DURATION=${DURATION:-30}
WORKERS=${WORKERS:-1}

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$HERE/lib.sh"

main() {
  "$HERE/../scripts/bootstrap.sh" bench
  [ -x "$APIGW_BIN" ] || { log "apigw binary not found at $APIGW_BIN"; exit 1; }
  local backend_port port admin_port
  backend_port=$(free_port); port=$(free_port); admin_port=$(free_port)
  taskset -c "$LOAD_CPU" "$APIGW_BIN" echo-server --listen "127.0.0.1:$backend_port" \
    >"$TMP/backend.log" 2>&1 &
  STARTED+=("$!")
  cat >"$TMP/apigw.toml" <<EOT
[server]
listen = ["127.0.0.1:$port"]
workers = $WORKERS
[admin]
listen = "127.0.0.1:$admin_port"
[[upstreams]]
name = "backend"
targets = [{ address = "127.0.0.1:$backend_port" }]
[[routes]]
name = "delays"
match = { path_prefix = "/delay/" }
upstream = "backend"
EOT
  $(proxy_pin "$WORKERS") "$APIGW_BIN" run -c "$TMP/apigw.toml" >"$TMP/apigw.log" 2>&1 &
  STARTED+=("$!")
  wait_http "http://127.0.0.1:$admin_port/ready"
  wait_http "http://127.0.0.1:$port/delay/1"
  log "wrk: $CONNECTIONS connections for ${DURATION}s, delays of 1-20 ms"
  taskset -c "$LOAD_CPU" wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency \
    -s "$HERE/live_stats_delays.lua" "http://127.0.0.1:$port/" >"$TMP/wrk.txt"
  curl -s "http://127.0.0.1:$admin_port/admin/stats/routes/delays" >"$TMP/stats.json"
  "$PY" - "$TMP/wrk.txt" "$TMP/stats.json" <<'PYEOF'
import json, re, sys
wrk = open(sys.argv[1]).read()
stats = json.load(open(sys.argv[2]))["5m"]
def millis(text):
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
theirs = {p: millis(re.search(rf"^\s+{p}%\s+(\S+)", wrk, re.M).group(1)) for p in ("50", "90", "99")}
count = int(re.search(r"(\d+) requests in", wrk).group(1))
ours = stats["latency_ms"]
print(f"{'':10}{'wrk':>12}{'apigw':>12}{'ratio':>8}")
worst = 0.0
for p in ("50", "90", "99"):
    mine = ours["p" + p]
    ratio = mine / theirs[p]
    worst = max(worst, abs(ratio - 1))
    print(f"{'P' + p:10}{theirs[p]:>10.3f}ms{mine:>10.3f}ms{ratio:>8.3f}")
# The probe request before the run is counted by the gateway, not by wrk.
print(f"{'requests':10}{count:>12}{stats['requests'] - 1:>12}{(stats['requests'] - 1) / count:>8.3f}")
print(f"largest percentile difference: {worst * 100:.2f}% ({'within' if worst <= 0.05 else 'OVER'} 5%)")
sys.exit(0 if worst <= 0.05 else 1)
PYEOF
}

main "$@"
