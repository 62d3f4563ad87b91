#!/usr/bin/env bash
# WebSocket through apigw and NGINX side by side, same backend, same clients (docs/websocket.md,
# "Performance"). Both proxies run one worker pinned to CPU 0; the echo backend and the clients
# (bench/ws_bench.cpp, Boost.Beast) share CPU 1.
#   1. Idle: IDLE_CONNECTIONS WebSocket connections held open through each proxy in turn; the
#      growth of the proxy's resident memory per connection.
#   2. Echo: ECHO_CONNECTIONS connections each sending a SIZE-byte message and waiting for its
#      echo, again and again; ROUNDS interleaved runs of DURATION seconds per proxy: messages per
#      second, the proxy's CPU time per message, P50 and P99 of the echo's round trip.
#
# Env options: APIGW_BIN (default build/release/src/apigw), APIGW_ALT_BIN (a second apigw measured
# as "apigw-alt"), IDLE_CONNECTIONS (default 9900: with its two descriptors per tunnel a proxy
# needs 2 x 10,000 + a few, over this machine's hard limit of 20,000 open files), ECHO_CONNECTIONS
# (1000), SIZE (64), ROUNDS (3), DURATION (5).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
APIGW_BIN=${APIGW_BIN:-$REPO/build/release/src/apigw}
APIGW_ALT_BIN=${APIGW_ALT_BIN:-}
IDLE_CONNECTIONS=${IDLE_CONNECTIONS:-9900}
ECHO_CONNECTIONS=${ECHO_CONNECTIONS:-1000}
SIZE=${SIZE:-64}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5}
WARMUP=1
WS_BENCH=$REPO/build/release/ws_bench

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$HERE/lib.sh"

wait_port() {  # PORT
  local deadline=$((SECONDS + 20))
  until "$PY" -c "import socket,sys; socket.create_connection(('127.0.0.1', $1), 1)" 2>/dev/null; do
    [ "$SECONDS" -lt "$deadline" ] || { log "timeout waiting for port $1"; return 1; }
    sleep 0.1
  done
}

# start_ws_proxy NAME: sets PROXY_PID and PROXY_PORT.
start_ws_proxy() {
  local name=$1 dir=$TMP/$1 binary=$APIGW_BIN
  mkdir -p "$dir"
  PROXY_PORT=$(free_port)
  case "$name" in
    apigw | apigw-alt)
      [ "$name" = apigw ] || binary=$APIGW_ALT_BIN
      cat >"$dir/apigw.toml" <<EOF
[server]
workers = 1
listen = ["127.0.0.1:$PROXY_PORT"]
[server.limits]
max_connections = 20000
[admin]
listen = "127.0.0.1:$(free_port)"
[[upstreams]]
name = "ws"
targets = [{ address = "127.0.0.1:$BACKEND_PORT" }]
[[routes]]
name = "ws"
match = { path_prefix = "/" }
upstream = "ws"
EOF
      taskset -c 0 "$binary" run -c "$dir/apigw.toml" >"$dir/log" 2>&1 & ;;
    nginx)
      # The WebSocket proxying that NGINX documents: HTTP/1.1 upstream, Upgrade passed on.
      cat >"$dir/nginx.conf" <<EOF
worker_processes 1;
worker_rlimit_nofile 20000;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 20000; }
http {
  access_log off;
  client_body_temp_path $dir/body;
  proxy_temp_path $dir/proxy;
  map \$http_upgrade \$connection_upgrade { default upgrade; '' close; }
  upstream ws { server 127.0.0.1:$BACKEND_PORT; }
  server {
    listen 127.0.0.1:$PROXY_PORT backlog=4096;
    location / {
      proxy_pass http://ws;
      proxy_http_version 1.1;
      proxy_set_header Upgrade \$http_upgrade;
      proxy_set_header Connection \$connection_upgrade;
      proxy_read_timeout 1h;
    }
  }
}
EOF
      taskset -c 0 nginx -e "$dir/error.log" -c "$dir/nginx.conf" -p "$dir" -g 'daemon off;' & ;;
    *) log "unknown proxy $name"; return 1 ;;
  esac
  PROXY_PID=$!
  STARTED+=("$PROXY_PID")
  wait_port "$PROXY_PORT"
}

main() {
  "$REPO/scripts/bootstrap.sh" bench
  ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)"
  [ -x "$APIGW_BIN" ] || { log "apigw binary not found at $APIGW_BIN"; exit 1; }
  if [ ! -x "$WS_BENCH" ]; then
    cmake --build "$REPO/build/release" --target ws_bench >&2
  fi
  local proxies=(apigw nginx) name round pid before after ready
  [ -z "$APIGW_ALT_BIN" ] || proxies=(apigw apigw-alt nginx)
  BACKEND_PORT=$(free_port)
  taskset -c "$LOAD_CPU" "$WS_BENCH" serve "$BACKEND_PORT" & STARTED+=("$!")
  wait_port "$BACKEND_PORT"
  local -A pid_of port_of
  for name in "${proxies[@]}"; do
    start_ws_proxy "$name"
    pid_of[$name]=$PROXY_PID; port_of[$name]=$PROXY_PORT
  done

  echo "# WebSocket: $(date -u +%FT%TZ), $(uname -r); proxies one worker on CPU 0, backend and clients on CPU $LOAD_CPU"
  echo
  echo "## $IDLE_CONNECTIONS idle connections"
  echo
  echo "| proxy | RSS before (KiB) | RSS with the connections (KiB) | per connection (bytes) |"
  echo "|---|---:|---:|---:|"
  for name in "${proxies[@]}"; do
    # shellcheck disable=SC2046
    before=$(rss_kb $(proc_tree "${pid_of[$name]}"))
    ready=$TMP/$name.ready
    taskset -c "$LOAD_CPU" "$WS_BENCH" hold "${port_of[$name]}" "$IDLE_CONNECTIONS" "$ready" \
      >"$TMP/$name.hold.log" 2>&1 &
    pid=$!
    local deadline=$((SECONDS + 120))
    until [ -s "$ready" ]; do
      [ "$SECONDS" -lt "$deadline" ] || { log "$name: connections not open in time"; exit 1; }
      sleep 0.2
    done
    sleep 2
    # shellcheck disable=SC2046
    after=$(rss_kb $(proc_tree "${pid_of[$name]}"))
    read -r opened failed <"$ready"
    if [ "$failed" != 0 ]; then
      log "$name: $failed connections failed to open"
      tail -n 3 "$TMP/$name/error.log" "$TMP/$name/log" 2>/dev/null | sed 's/^/[bench]   /' >&2 || true
    fi
    echo "| $name | $before | $after | $(( (after - before) * 1024 / opened )) |"
    kill "$pid"; wait "$pid" 2>/dev/null || true
    sleep 2  # the proxy closes the tunnels
  done

  echo
  echo "## Echo: $ECHO_CONNECTIONS connections, $SIZE-byte messages, $ROUNDS rounds of ${DURATION}s"
  echo
  local results=$TMP/echo.tsv order=("${proxies[@]}") line ticks_before ticks_after
  : >"$results"
  for ((round = 1; round <= ROUNDS; round++)); do
    for name in "${order[@]}"; do
      # The proxy's CPU time over the measured window only (the clients connect during the
      # warm-up second and close after the window): sampled beside the run.
      # shellcheck disable=SC2046
      (sleep "$WARMUP"; cpu_ticks $(proc_tree "${pid_of[$name]}") >"$TMP/ticks0"
       sleep "$DURATION"; cpu_ticks $(proc_tree "${pid_of[$name]}") >"$TMP/ticks1") &
      line=$(taskset -c "$LOAD_CPU" "$WS_BENCH" load "${port_of[$name]}" "$ECHO_CONNECTIONS" \
        "$DURATION" "$SIZE")
      wait "$!"
      read -r ticks_before <"$TMP/ticks0"; read -r ticks_after <"$TMP/ticks1"
      # messages N seconds S p50_us A p99_us B errors E
      echo -e "$name\t$line\t$((ticks_after - ticks_before))" >>"$results"
    done
    order=("${order[@]:1}" "${order[0]}")
  done
  "$PY" - "$results" "$CLK_TCK" "$DURATION" "$WARMUP" <<'EOF'
import statistics, sys
rows = {}
ticks_per_s, duration, warmup = int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
for line in open(sys.argv[1]):
    name, result, ticks = line.rstrip("\n").split("\t")
    f = result.split()
    v = dict(zip(f[0::2], f[1::2]))
    messages = int(v["messages"])
    cpu_us = int(ticks) / ticks_per_s * 1e6
    rows.setdefault(name, []).append((messages / duration, cpu_us / max(messages, 1),
                                      int(v["p50_us"]), int(v["p99_us"]), int(v["errors"])))
print("| proxy | messages/s | CPU per message (µs) | P50 echo (µs) | P99 echo (µs) | errors |")
print("|---|---:|---:|---:|---:|---:|")
med = {}
for name, runs in rows.items():
    m = [statistics.median(x[i] for x in runs) for i in range(4)]
    med[name] = m
    print("| %s | %.0f | %.2f | %d | %d | %d |" % (name, m[0], m[1], m[2], m[3],
                                                  sum(x[4] for x in runs)))
if "apigw" in med and "nginx" in med:
    print()
    print("apigw / nginx: CPU per message %.2fx, messages/s %.2fx, P99 %.2fx" % (
        med["apigw"][1] / med["nginx"][1], med["apigw"][0] / med["nginx"][0],
        med["apigw"][3] / max(med["nginx"][3], 1)))
EOF
}

main "$@"
