#!/usr/bin/env bash
# Control path at scale (docs/reliability.md, "Control path at scale"): one release apigw node on
# SQLite with ROUTES routes over UPSTREAMS upstreams, optionally with HEALTH_TARGETS targets under
# TCP health checks every 1 s against closed ports. Prints the start-up load (config load, seed,
# first snapshot), then for WRITES admin writes (each a new route): the write's acknowledgement
# latency (P50/P99/max) and its time to visible (from sending the write until the data plane
# answers the new route), and the gateway's own breakdown of a write (its log lines). Not a test:
# numbers, to be read with the load average it prints.
#
# Env: APIGW_BIN (default <repo>/build/release/src/apigw), ROUTES (10000), UPSTREAMS (1000),
#      WRITES (200), HEALTH_TARGETS (0), STORE (sqlite, or postgres: a throw-away PostgreSQL
#      cluster in the temp dir), KEEP (keep the temp dir).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
APIGW_BIN=${APIGW_BIN:-$REPO/build/release/src/apigw}
ROUTES=${ROUTES:-10000}
UPSTREAMS=${UPSTREAMS:-1000}
WRITES=${WRITES:-200}
HEALTH_TARGETS=${HEALTH_TARGETS:-0}
STORE=${STORE:-sqlite}
PY=/usr/bin/python3
TMP=$(mktemp -d /tmp/apigw-cps.XXXXXX)
PIDS=()
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  if [ "$STORE" = postgres ]; then
    as_pg "$PG_BIN/pg_ctl" -D "$TMP/pg" -m immediate stop >/dev/null 2>&1 || true
  fi
  if [ -n "${KEEP:-}" ]; then echo "kept $TMP" >&2; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
[ -x "$APIGW_BIN" ] || { echo "build first: scripts/build.sh release" >&2; exit 1; }

free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
ECHO_PORT=$(free_port); GW_PORT=$(free_port); ADMIN_PORT=$(free_port)

"$APIGW_BIN" echo-server --listen "127.0.0.1:$ECHO_PORT" --name b >/dev/null 2>&1 &
PIDS+=($!)

# The file seeds the empty store once: UPSTREAMS upstreams, ROUTES routes spread over them, and
# (HEALTH_TARGETS) one more upstream of closed loopback ports probed every second.
STORE_AT="$TMP/apigw.db"
if [ "$STORE" = postgres ]; then
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  PG_PORT=$(free_port)
  [ "$(id -u)" -ne 0 ] || chown postgres "$TMP"
  as_pg "$PG_BIN/initdb" -D "$TMP/pg" -U apigw --auth=trust --no-sync >/dev/null
  as_pg "$PG_BIN/pg_ctl" -D "$TMP/pg" -l "$TMP/pg.log" -w \
    -o "-p $PG_PORT -k $TMP -c listen_addresses=127.0.0.1" start >/dev/null
  createdb -h 127.0.0.1 -p "$PG_PORT" -U apigw apigw
  STORE_AT="postgresql://apigw@127.0.0.1:$PG_PORT/apigw"
fi
"$PY" - "$TMP/apigw.toml" "$GW_PORT" "$ADMIN_PORT" "$STORE_AT" "$ECHO_PORT" \
  "$ROUTES" "$UPSTREAMS" "$HEALTH_TARGETS" <<'PYEOF'
import sys
path, gw, admin, db, echo, routes, upstreams, health = sys.argv[1:]
routes, upstreams, health = int(routes), int(upstreams), int(health)
out = [f'[server]\nlisten = ["127.0.0.1:{gw}"]\nworkers = 1\n',
       f'[admin]\nlisten = "127.0.0.1:{admin}"\n',
       (f'[store]\nkind = "sqlite"\npath = "{db}"\n' if not db.startswith("postgresql:")
        else f'[store]\nkind = "postgres"\nurl = "{db}"\ncache_path = "{path}.cache.json"\n')]
for u in range(upstreams):
    out.append(f'[[upstreams]]\nname = "u{u}"\ntargets = [{{ address = "127.0.0.1:{echo}" }}]\n')
if health:
    # 127.0.0.2-254 on ports nobody listens on: each probe is refused at once.
    targets = ", ".join(f'{{ address = "127.0.{1 + i // 250}.{2 + i % 250}:9" }}'
                        for i in range(health))
    out.append(f'[[upstreams]]\nname = "probed"\ntargets = [{targets}]\n'
               'health_check = { type = "tcp", interval = "1s", timeout = "1s" }\n')
for r in range(routes):
    out.append(f'[[routes]]\nname = "r{r}"\nmatch = {{ path_prefix = "/r{r}/" }}\n'
               f'upstream = "u{r % upstreams}"\n')
open(path, "w").write("\n".join(out))
PYEOF

started=$(date +%s.%N)
"$APIGW_BIN" run -c "$TMP/apigw.toml" > "$TMP/apigw.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1200); do curl -sf "127.0.0.1:$ADMIN_PORT/ready" >/dev/null && break; sleep 0.05; done
curl -sf "127.0.0.1:$ADMIN_PORT/ready" >/dev/null || { echo "apigw did not start" >&2; cat "$TMP/apigw.log" >&2; exit 1; }
ready=$(date +%s.%N)
echo "store $STORE, routes $ROUTES, upstreams $UPSTREAMS, health-checked targets $HEALTH_TARGETS, writes $WRITES"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
printf 'start (file load, store seed, first snapshot) until /ready: %.0f ms\n' \
  "$(echo "($ready - $started) * 1000" | bc)"
# A restart loads the seeded store: the config load and snapshot build alone.
kill "${PIDS[-1]}"; wait "${PIDS[-1]}" 2>/dev/null || true
started=$(date +%s.%N)
"$APIGW_BIN" run -c "$TMP/apigw.toml" >> "$TMP/apigw.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1200); do curl -sf "127.0.0.1:$ADMIN_PORT/ready" >/dev/null && break; sleep 0.05; done
ready=$(date +%s.%N)
printf 'restart (store load, full validation, first snapshot) until /ready: %.0f ms\n' \
  "$(echo "($ready - $started) * 1000" | bc)"

"$PY" - "$ADMIN_PORT" "$GW_PORT" "$WRITES" "$UPSTREAMS" <<'PYEOF'
import http.client, json, sys, time
admin_port, gw_port, writes, upstreams = map(int, sys.argv[1:])
admin = http.client.HTTPConnection("127.0.0.1", admin_port)
gw = http.client.HTTPConnection("127.0.0.1", gw_port)
def get(path):
    gw.request("GET", path)
    response = gw.getresponse()
    response.read()
    return response.status
acks, visible = [], []
for i in range(writes):
    body = json.dumps({"name": f"new{i}", "match": {"path_prefix": f"/new{i}/"},
                       "upstream": f"u{i % upstreams}"})
    start = time.perf_counter()
    admin.request("POST", "/admin/routes", body=body, headers={"Content-Type": "application/json"})
    response = admin.getresponse()
    response.read()
    acked = time.perf_counter()
    if response.status != 201:
        sys.exit(f"write {i}: HTTP {response.status}")
    while get(f"/new{i}/x") != 200:
        if time.perf_counter() - start > 10:
            sys.exit(f"write {i}: not served after 10 s")
    seen = time.perf_counter()
    acks.append((acked - start) * 1000)
    visible.append((seen - start) * 1000)
def pct(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]
for label, values in (("write acknowledged", acks), ("new route served", visible)):
    print(f"{label:20s} P50 {pct(values, 50):7.1f} ms   P99 {pct(values, 99):7.1f} ms"
          f"   max {max(values):7.1f} ms")
PYEOF
# The gateway's own account of each write (ControlPlane and Gateway log lines), medians.
"$PY" - "$TMP/apigw.log" <<'PYEOF'
import re, statistics, sys
phases = {}
for line in open(sys.argv[1]):
    if "(admin write" not in line:
        continue
    for name, value in re.findall(r"([a-z ]+?) ([0-9.]+) ms", line.split("(admin write", 1)[1]):
        phases.setdefault(name.strip(), []).append(float(value))
if phases:
    print("inside the gateway, medians: " +
          ", ".join(f"{name} {statistics.median(v):.1f} ms" for name, v in phases.items()))
PYEOF
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
