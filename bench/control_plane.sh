#!/usr/bin/env bash
# Control-plane timings (docs/operations.md): three release apigw nodes on one throw-away
# PostgreSQL, and one node on SQLite. For each of N admin writes (a new route) on the first node,
# prints how long the write took (curl's time_total), and how long after the writing node each
# other node served the new revision (from the nodes' log lines "config version N (..., revision
# R)", millisecond timestamps). Not a test: numbers, to be read as medians on a quiet machine.
#
# Env: APIGW_BIN (default <repo>/build/release/src/apigw), WRITES (default 20).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
APIGW_BIN=${APIGW_BIN:-$REPO/build/release/src/apigw}
WRITES=${WRITES:-20}
PY=/usr/bin/python3
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
TMP=$(mktemp -d /tmp/apigw-cp-bench.XXXXXX)
PIDS=()
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  as_pg "$PG_BIN/pg_ctl" -D "$TMP/pg" -m immediate stop >/dev/null 2>&1 || true
  if [ -n "${KEEP:-}" ]; then echo "kept $TMP" >&2; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
[ -x "$APIGW_BIN" ] || { echo "build first: scripts/build.sh release" >&2; exit 1; }
[ "$(id -u)" -ne 0 ] || chown postgres "$TMP"

PG_PORT=25432
as_pg "$PG_BIN/initdb" -D "$TMP/pg" -U apigw --auth=trust --no-sync >/dev/null
as_pg "$PG_BIN/pg_ctl" -D "$TMP/pg" -l "$TMP/pg.log" -w \
  -o "-p $PG_PORT -k $TMP -c listen_addresses=127.0.0.1" start >/dev/null
createdb -h 127.0.0.1 -p $PG_PORT -U apigw apigw

"$APIGW_BIN" echo-server --listen 127.0.0.1:29001 --name b >/dev/null 2>&1 &
PIDS+=($!)

node() {  # node NAME PORT ADMIN_PORT STORE_TOML
  printf '[server]\nlisten = ["127.0.0.1:%s"]\nworkers = 1\n[admin]\nlisten = "127.0.0.1:%s"\n[store]\n%s\n' \
    "$2" "$3" "$4" > "$TMP/$1.toml"
  "$APIGW_BIN" run -c "$TMP/$1.toml" > "$TMP/$1.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 100); do curl -sf "127.0.0.1:$3/ready" >/dev/null && return; sleep 0.05; done
  echo "node $1 did not start" >&2; cat "$TMP/$1.log" >&2; exit 1
}
PG_STORE="kind = \"postgres\"
url = \"postgresql://apigw@127.0.0.1:$PG_PORT/apigw\"
cache_path = \"$TMP/cache-\$NODE.json\""
node a 28081 29081 "${PG_STORE/\$NODE/a}"
node b 28082 29082 "${PG_STORE/\$NODE/b}"
node c 28083 29083 "${PG_STORE/\$NODE/c}"
node s 28084 29084 "kind = \"sqlite\"
path = \"$TMP/apigw.db\""

median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

measure() {  # measure ADMIN_PORT "OTHER_PORTS..." LABEL
  local admin=$1 others=$2 label=$3
  curl -sf -X POST "127.0.0.1:$admin/admin/upstreams" \
    -d '{"name":"b","targets":[{"address":"127.0.0.1:29001"}]}' >/dev/null
  : > "$TMP/write.txt"; : > "$TMP/spread.txt"
  for i in $(seq "$WRITES"); do
    curl -sf -o /dev/null -w '%{time_total}\n' -X POST "127.0.0.1:$admin/admin/routes" \
      -d "{\"name\":\"r$i\",\"match\":{\"path\":\"/r$i\"},\"upstream\":\"b\"}" \
      | awk '{printf "%.2f\n", $1 * 1000}' >> "$TMP/write.txt"
    for port in $others; do
      until curl -sf -o /dev/null "127.0.0.1:$port/r$i"; do :; done
    done
  done
  # Every revision the writing node published, and when each other node published the same one.
  if [ -n "$others" ]; then
    "$PY" - "$TMP" a b c >> "$TMP/spread.txt" <<'PYEOF'
import datetime, re, sys
directory, writer, others = sys.argv[1], sys.argv[2], sys.argv[3:]
def published(node):
    times = {}
    for line in open(f"{directory}/{node}.log"):
        m = re.match(r"(\S+Z) info config version \d+ \((.*), revision (\d+)\)", line)
        if m:
            stamp = datetime.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S.%fZ")
            times.setdefault(int(m.group(3)), stamp)
    return times
mine = published(writer)
for node in others:
    theirs = published(node)
    for revision, stamp in mine.items():
        if revision in theirs and revision > 1:
            print(f"{(theirs[revision] - stamp).total_seconds() * 1000:.0f}")
PYEOF
  fi
  printf '%-28s write median %6s ms   max %6s ms' "$label" \
    "$(median < "$TMP/write.txt")" "$(sort -n "$TMP/write.txt" | tail -1)"
  if [ -s "$TMP/spread.txt" ]; then
    printf '   other nodes serve it after: median %s ms, max %s ms' \
      "$(median < "$TMP/spread.txt")" "$(sort -n "$TMP/spread.txt" | tail -1)"
  fi
  echo
}
measure 29081 "28082 28083" "postgres, 3 nodes"
measure 29084 "" "sqlite, 1 node"
