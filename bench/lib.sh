# shellcheck shell=bash
# Shared by bench/run.sh and bench/interleave.sh (sourced): temp dir and cleanup, the backend,
# starting and stopping a proxy, and one wrk measurement with the proxy's CPU time per request.
# The caller sets HERE, APIGW_BIN, DURATION and WARMUP before sourcing; APIGW_ALT_BIN, when set,
# is a second apigw binary measured under the proxy name "apigw-alt" (A/B of a change). WRK_PATH
# (default "/") is the request path wrk sends; it is read at each run, so it may change between runs.
# TLS=ecdsa or TLS=rsa puts the proxies' client side on TLS (one self-signed P-256 or RSA-2048
# certificate made here, the same for every proxy; TLS 1.3 is what wrk and the proxies agree on);
# WRK_CLOSE=1 makes wrk send "Connection: close", so that every request is a new connection (and
# with TLS a handshake: wrk keeps each connection's session and resumes it, so this measures
# resumed handshakes unless TLS_TICKETS=0 turns session tickets off in every proxy, which makes
# every handshake a full one).
# H2=1 makes the clients speak HTTP/2: h2load instead of wrk, H2_STREAMS (default 10) streams per
# connection; over TLS by ALPN when TLS is set, else h2c with prior knowledge (apigw's listener
# with http2 = true, NGINX's "listen ... http2", HAProxy's "proto h2"). The upstream side stays
# HTTP/1.1 keep-alive for every proxy.

PY=/usr/bin/python3
CLK_TCK=$(getconf CLK_TCK)
NCPU=$(nproc)
TMP=$(mktemp -d /tmp/apigw-bench.XXXXXX)
THROUGHPUT_TSV=$TMP/throughput.tsv
MEMORY_TSV=$TMP/memory.tsv
STARTED=()        # pids of everything we started (killed on exit)
PROXY_PID=""
PROXY_PORT=""

log() { echo "[bench] $*" >&2; }
# shellcheck source-path=SCRIPTDIR source=configs.sh
. "$HERE/configs.sh"

TLS=${TLS:-}
WRK_CLOSE=${WRK_CLOSE:-}
H2=${H2:-}
H2_STREAMS=${H2_STREAMS:-10}
SCHEME=http; [ -z "$TLS" ] || SCHEME=https
TLS_CERT=$TMP/tls-cert.pem
TLS_KEY=$TMP/tls-key.pem
make_tls_certificate() {
  local key_args=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1)
  [ "$TLS" = ecdsa ] || [ "$TLS" = rsa ] || { log "TLS must be ecdsa or rsa, not '$TLS'"; exit 1; }
  [ "$TLS" = ecdsa ] || key_args=(-newkey rsa:2048)
  openssl req -x509 "${key_args[@]}" -nodes -days 2 -keyout "$TLS_KEY" -out "$TLS_CERT" \
    -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 2>/dev/null
  cat "$TLS_CERT" "$TLS_KEY" >"$TMP/tls-combined.pem"   # HAProxy's crt: both in one file
}
[ -z "$TLS" ] || make_tls_certificate

cleanup() {
  local pid
  for pid in "${STARTED[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${STARTED[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# CPU affinity: proxy alone on CPU 0 for 1 worker, unpinned otherwise; backend and wrk on CPU 1.
LOAD_CPU=1; [ "$NCPU" -ge 2 ] || LOAD_CPU=0
proxy_pin() { if [ "$1" -eq 1 ]; then echo "taskset -c 0"; fi; }

# wait_http URL [SECONDS] [h2c]: until URL answers 200 (h2c: over HTTP/2 with prior knowledge).
wait_http() {
  local url=$1 deadline=$((SECONDS + ${2:-20}))
  local h2=(); [ "${3:-}" != h2c ] || h2=(--http2-prior-knowledge)
  until [ "$(curl -ks "${h2[@]}" -o /dev/null -m 1 -w '%{http_code}' "$url" || true)" = 200 ]; do
    [ "$SECONDS" -lt "$deadline" ] || { log "timeout waiting for $url"; return 1; }
    sleep 0.1
  done
}

# proc_tree ROOT: ROOT and all its descendants (nginx master + workers, etc.).
proc_tree() {
  local pid=$1 child
  [ -d "/proc/$pid" ] || return 0
  echo "$pid"
  for child in $(pgrep -P "$pid" || true); do proc_tree "$child"; done
}

# cpu_ticks PID...: summed utime+stime (fields 14, 15 of /proc/PID/stat) in clock ticks.
cpu_ticks() {
  local pid total=0 stat f
  for pid in "$@"; do
    stat=$(cat "/proc/$pid/stat" 2>/dev/null) || continue
    read -r -a f <<<"${stat##*) }"          # drop "pid (comm) ": f[0] is field 3
    total=$((total + f[11] + f[12]))        # fields 14 (utime) and 15 (stime)
  done
  echo "$total"
}

# rss_kb PID...: summed VmRSS in kB.
rss_kb() {
  local pid total=0 kb
  for pid in "$@"; do
    kb=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
    total=$((total + ${kb:-0}))
  done
  echo "$total"
}

start_backend() {
  local dir=$TMP/backend
  mkdir -p "$dir"
  BACKEND_PORT=$(free_port)
  write_backend_conf "$dir" "$BACKEND_PORT"
  taskset -c "$LOAD_CPU" nginx -e "$dir/error.log" -c "$dir/nginx.conf" -p "$dir" -g 'daemon off;' &
  BACKEND_PID=$!; STARTED+=("$!")
  wait_http "http://127.0.0.1:$BACKEND_PORT/"
  log "backend nginx on 127.0.0.1:$BACKEND_PORT (CPU $LOAD_CPU)"
}

# start_proxy NAME WORKERS: sets PROXY_PID / PROXY_PORT once the proxy serves requests.
start_proxy() {
  local name=$1 workers=$2 dir=$TMP/$1-$2 admin_port
  local pin; pin=$(proxy_pin "$workers")
  mkdir -p "$dir"
  PROXY_PORT=$(free_port)
  case "$name" in
    nginx | nginx-keepalive256)
      # nginx-keepalive256: the upstream keep-alive pool a typical NGINX config sets, for the
      # comparison with apigw-defaults.
      write_nginx_conf "$dir" "$workers" "$PROXY_PORT" "$([ "$name" = nginx ] && echo 1024 || echo 256)"
      $pin nginx -e "$dir/error.log" -c "$dir/nginx.conf" -p "$dir" -g 'daemon off;' 2>>"$dir/stderr.log" & ;;
    haproxy)
      write_haproxy_conf "$dir" "$workers" "$PROXY_PORT"
      $pin haproxy -db -f "$dir/haproxy.cfg" >>"$dir/stderr.log" 2>&1 & ;;
    apigw-defaults | apigw-defaults-alt)
      # apigw as a new user runs it: no keep-alive, limit or timeout settings at all (-alt: the
      # APIGW_ALT_BIN build, for a paired comparison).
      local defaults_bin=$APIGW_BIN
      [ "$name" = apigw-defaults ] || defaults_bin=$APIGW_ALT_BIN
      admin_port=$(free_port)
      write_apigw_defaults_conf "$dir" "$workers" "$PROXY_PORT" "$admin_port"
      $pin "$defaults_bin" run -c "$dir/apigw.toml" >>"$dir/stderr.log" 2>&1 &
      STARTED+=("$!"); PROXY_PID=$!
      wait_http "http://127.0.0.1:$admin_port/ready" || { cat "$dir/stderr.log" >&2; return 1; } ;;
    apigw | apigw-alt)
      local bin=$APIGW_BIN extra=${APIGW_ROUTE_EXTRA:-}
      if [ "$name" = apigw-alt ]; then
        bin=$APIGW_ALT_BIN; extra=${APIGW_ALT_ROUTE_EXTRA-$extra}
      fi
      extra=${extra//\{backend\}/127.0.0.1:$BACKEND_PORT}   # e.g. forward_auth's url
      admin_port=$(free_port)
      write_apigw_conf "$dir" "$workers" "$PROXY_PORT" "$admin_port" "$extra"
      $pin "$bin" run -c "$dir/apigw.toml" >>"$dir/stderr.log" 2>&1 &
      STARTED+=("$!"); PROXY_PID=$!
      wait_http "http://127.0.0.1:$admin_port/ready" || { cat "$dir/stderr.log" >&2; return 1; } ;;
  esac
  [[ "$name" == apigw* ]] || { STARTED+=("$!"); PROXY_PID=$!; }
  local h2c=""; [ -z "$H2" ] || [ -n "$TLS" ] || h2c=h2c
  wait_http "$SCHEME://127.0.0.1:$PROXY_PORT/" 20 "$h2c" || { cat "$dir"/*.log >&2; return 1; }
  sleep 1   # let workers settle before the idle RSS reading
}

stop_proxy() {
  kill "$PROXY_PID" 2>/dev/null || true
  wait "$PROXY_PID" 2>/dev/null || true
}

# to_ms VALUE: wrk duration (e.g. 512.00us, 1.20ms, 1.01s, 1.00m) in ms.
to_ms() {
  awk -v v="$1" 'BEGIN { n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    f = (u == "us") ? 0.001 : (u == "ms") ? 1 : (u == "s") ? 1000 : (u == "m") ? 60000 : 3600000
    printf "%.3f", n * f }'
}

# run_wrk CONNS SECONDS OUTFILE: GET ${WRK_PATH:-/}; wrk's own CPU seconds (user sys, from
# `times`) go to OUTFILE.wrkcpu.
run_wrk() {
  if [ -n "$H2" ]; then run_h2load "$@"; return; fi
  local close=(); [ -z "$WRK_CLOSE" ] || close=(-H "Connection: close")
  ( rc=0; taskset -c "$LOAD_CPU" wrk -t1 -c"$1" -d"$2"s --latency "${close[@]}" "$SCHEME://127.0.0.1:$PROXY_PORT${WRK_PATH:-/}" >"$3" 2>&1 || rc=$?
    times >"$3.times"   # not in a pipeline: that would fork and report no children
    awk 'END { for (i = 1; i <= 2; i++) { split($i, a, "m"); sub(/s$/, "", a[2]); v[i] = a[1] * 60 + a[2] }
               print v[1], v[2] }' "$3.times" >"$3.wrkcpu"; exit $rc )
}

# run_h2load CONNS SECONDS OUTFILE: as run_wrk, with h2load (H2=1); its output is turned into the
# lines of wrk's that measure_throughput reads (mean request time for both percentiles: h2load
# gives no percentiles per request).
run_h2load() {
  ( rc=0; taskset -c "$LOAD_CPU" h2load -t1 -c"$1" -m"$H2_STREAMS" -D"$2" \
      "$SCHEME://127.0.0.1:$PROXY_PORT${WRK_PATH:-/}" >"$3.h2load" 2>&1 || rc=$?
    times >"$3.times"
    awk 'END { for (i = 1; i <= 2; i++) { split($i, a, "m"); sub(/s$/, "", a[2]); v[i] = a[1] * 60 + a[2] }
               print v[1], v[2] }' "$3.times" >"$3.wrkcpu"
    awk '/^requests:/ { done = $8; failed = $10 + $12 }
         /^finished in/ { gsub(/,/, ""); rps = $4 }
         /^time for request:/ { mean = $6 }
         END { printf "  %d requests in 1s\nRequests/sec: %s\n", done, rps
               printf "     50%% %s\n     99%% %s\n", mean, mean
               if (failed > 0) printf "  Non-2xx or 3xx responses: %d\n", failed }' \
      "$3.h2load" >"$3"
    exit $rc )
}

# busy_ticks: non-idle ticks of the whole machine (/proc/stat: user nice system irq softirq steal).
busy_ticks() { awk '$1 == "cpu" {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }

# measure_throughput NAME WORKERS CONNS
# The proxy/backend/wrk/other CPU% figures are sanity checks: a pinned proxy near 100% is the
# bottleneck; backend + wrk near 100% means CPU 1 capped the rate; "other" (machine busy time
# not used by proxy, backend or wrk) flags a run disturbed by unrelated processes.
measure_throughput() {
  local out=$TMP/wrk.out pids bpids t0 t1 c0 c1 b0 b1 m0 m1 requests rps p50 p99 errors cpu_us pct
  run_wrk "$3" "$WARMUP" "$TMP/warmup.out" || true
  mapfile -t pids < <(proc_tree "$PROXY_PID"); mapfile -t bpids < <(proc_tree "$BACKEND_PID")
  c0=$(cpu_ticks "${pids[@]}"); b0=$(cpu_ticks "${bpids[@]}"); m0=$(busy_ticks); t0=$(date +%s.%N)
  run_wrk "$3" "$DURATION" "$out" || log "wrk exited non-zero: $(tail -1 "$out")"
  c1=$(cpu_ticks "${pids[@]}"); b1=$(cpu_ticks "${bpids[@]}"); m1=$(busy_ticks); t1=$(date +%s.%N)
  requests=$(awk '/requests in/ {print $1}' "$out")
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$out")
  p50=$(to_ms "$(awk '$1 == "50%" {print $2}' "$out")")
  p99=$(to_ms "$(awk '$1 == "99%" {print $2}' "$out")")
  errors=$(awk '/Socket errors:/ {gsub(/,/, ""); s += $4 + $6 + $8 + $10} /Non-2xx/ {s += $5} END {print s + 0}' "$out")
  read -r cpu_us pct < <(awk -v d="$((c1 - c0))" -v b="$((b1 - b0))" -v m="$((m1 - m0))" -v hz="$CLK_TCK" \
    -v n="${requests:-0}" -v t="$(awk '{print $1 + $2}' "$out.wrkcpu")" -v t0="$t0" -v t1="$t1" \
    'BEGIN { s = d / hz; w = t1 - t0; o = (m - d - b) / hz - t; if (o < 0) o = 0
             printf "%.2f %.0f/%.0f/%.0f/%.0f\n", (n > 0 ? s * 1e6 / n : 0), 100 * s / w, 100 * b / hz / w, 100 * t / w, 100 * o / w }')
  log "$1 w=$2 c=$3: ${rps:-?} req/s, p50 ${p50} ms, p99 ${p99} ms, ${cpu_us} us CPU/req (CPU% proxy/backend/wrk/other ${pct}), errors ${errors}"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "${rps:-0}" "$p50" "$p99" "$cpu_us" "$pct" "$errors"
}

