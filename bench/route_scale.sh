#!/usr/bin/env bash
# Routing at scale (issue #13): CPU per request of apigw and NGINX with 1, 100, 1,000 and 10,000
# routes, for the route mixes prefix, template and regex (and optionally mixed), in one run.
#
# Every proxy of every mix and route count is started at once (each on its own port, one worker,
# all pinned to CPU 0; backend and wrk on CPU 1), then short wrk runs at 64 connections go to each
# in turn, ROUNDS times, in an order rotated every round, as bench/interleave.sh does. wrk asks for
# the LAST route's path (/r{N-1}/items/42, or /r{N-1}/v1/items for a regex route): the worst case
# for a matcher that walks the routes in order. Routes are spread over min(N, 1000) upstreams that
# all point at the same backend. CPU us per request = the proxy's utime+stime during a run /
# requests served. The report gives, per mix and N, the median CPU per request of each proxy, the
# paired ratios apigw(N)/apigw(1) and apigw(N)/nginx(N) (median of each round's own ratio), and
# the RSS of each proxy; the bars of #13 are checked at the largest N.
#
# NGINX keeps prefix locations in a tree but tries regex locations one by one, in config order, so
# the template and regex mixes (regex locations in NGINX) make NGINX linear too: the prefix mix is
# the fair comparison with NGINX.
#
# A mix whose apigw config `apigw check` refuses (path_regex before apigw supports it) is skipped
# with a message; the other mixes run.
#
# Env options:
#   APIGW_BIN     apigw binary (default: <repo>/build/release/src/apigw)
#   MIXES         route mixes (default: "prefix template regex"; "mixed" is the three in turn)
#   ROUTE_COUNTS  route counts (default: "1 100 1000 10000"; the first is the ratios' base)
#   ROUNDS        runs per proxy, mix and route count (default: 5; QUICK=1: 1)
#   DURATION      seconds per measured run (default: 3; QUICK=1: 1), after a WARMUP (1 s)
#   CONNECTIONS   wrk connections (default: 64)
#   KEEPALIVE     idle upstream connections kept per upstream, both proxies (default: CONNECTIONS)
#   NGINX_PCRE_JIT  "on" to JIT-compile NGINX's regex locations (default: off, NGINX's default)
#   QUICK=1       smoke check: 1 round of 1 s runs (about 1 minute for prefix + template)
#   KEEP=1        keep the temp dir (configs, logs, wrk output)
# Output: a markdown table on stdout and in bench/results/route_scale-<UTC time>.md, the raw runs
# beside it (.tsv, .mem.tsv). With the defaults a run of the three mixes takes about 10 minutes.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
APIGW_BIN=${APIGW_BIN:-$REPO/build/release/src/apigw}
QUICK=${QUICK:-}
MIXES=${MIXES:-prefix template regex}
ROUTE_COUNTS=${ROUTE_COUNTS:-1 100 1000 10000}
if [ -n "$QUICK" ] && [ "$QUICK" != 0 ]; then
  ROUNDS=${ROUNDS:-1}; DURATION=${DURATION:-1}
else
  QUICK=""; ROUNDS=${ROUNDS:-5}; DURATION=${DURATION:-3}
fi
WARMUP=${WARMUP:-1}
CONNECTIONS=${CONNECTIONS:-64}
KEEPALIVE=${KEEPALIVE:-$CONNECTIONS}
NGINX_PCRE_JIT=${NGINX_PCRE_JIT:-off}
RESULTS_DIR=$HERE/results

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$HERE/lib.sh"
keep_tmp() {   # lib.sh's cleanup without removing the temp dir
  local pid
  for pid in "${STARTED[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${STARTED[@]}"; do wait "$pid" 2>/dev/null || true; done
  log "kept $TMP"
}
[ -z "${KEEP:-}" ] || trap keep_tmp EXIT

declare -A PID_OF PORT_OF PATH_OF

# check_apigw MIX: `apigw check` on every route count's config; 0 if all pass.
check_apigw() {
  local mix=$1 n dir out
  for n in $ROUTE_COUNTS; do
    dir=$TMP/apigw-$mix-$n
    if ! out=$("$APIGW_BIN" check -c "$dir/apigw.toml" 2>&1); then
      log "SKIPPING mix '$mix': apigw refuses its config with N=$n routes (apigw check -c $dir/apigw.toml):"
      head -3 <<<"$out" | sed 's/^/[bench]     /' >&2
      if [ "$mix" = regex ] || [ "$mix" = mixed ]; then
        grep -q path_regex <<<"$out" && log "    (this apigw build does not support match.path_regex yet)"
      fi
      return 1
    fi
  done
  log "apigw check: mix '$mix' accepted at ${ROUTE_COUNTS// /, } routes"
}

# start_one PROXY MIX N: start it, check that the last route answers 200 and an unrouted path 404.
start_one() {
  local proxy=$1 mix=$2 n=$3 dir=$TMP/$1-$2-$3 port admin pid code path t0 metrics
  path=$(route_scale_path "$mix" $((n - 1)))
  port=$(free_port); t0=$SECONDS
  mkdir -p "$dir"
  case $proxy in
    apigw)
      admin=$(free_port)
      write_apigw_routes_conf "$dir" "$port" "$admin" "$mix" "$n" "$KEEPALIVE"
      taskset -c 0 "$APIGW_BIN" run -c "$dir/apigw.toml" >>"$dir/stderr.log" 2>&1 &
      pid=$!; STARTED+=("$pid")
      wait_http "http://127.0.0.1:$admin/ready" 180 || { tail -5 "$dir/stderr.log" >&2; return 1; } ;;
    nginx)
      write_nginx_routes_conf "$dir" "$port" "$mix" "$n" "$KEEPALIVE" "$NGINX_PCRE_JIT"
      taskset -c 0 nginx -e "$dir/error.log" -c "$dir/nginx.conf" -p "$dir" -g 'daemon off;' 2>>"$dir/stderr.log" &
      pid=$!; STARTED+=("$pid") ;;
  esac
  wait_http "http://127.0.0.1:$port$path" 180 || { tail -5 "$dir"/*.log >&2; return 1; }
  code=$(curl -s -o /dev/null -m 5 -w '%{http_code}' "http://127.0.0.1:$port/nomatch/items/42" || true)
  [ "$code" = 404 ] || { log "$proxy $mix N=$n: /nomatch/items/42 answered $code, not 404"; return 1; }
  if [ "$proxy" = apigw ]; then   # the request was counted on the last route, not another one
    metrics=$(curl -s -m 10 "http://127.0.0.1:$admin/metrics")   # not piped: grep -q would cut it
    grep -q "^apigw_requests_total{route=\"r$((n - 1))\",method=\"GET\",status_class=\"2xx\"}" <<<"$metrics" ||
      { log "apigw $mix N=$n: no request counted on route r$((n - 1))"; return 1; }
  fi
  PID_OF[$proxy:$mix:$n]=$pid; PORT_OF[$proxy:$mix:$n]=$port; PATH_OF[$proxy:$mix:$n]=$path
  log "$proxy $mix N=$n: up on :$port in $((SECONDS - t0)) s, wrk path $path"
}

# pss_kb PID...: summed Pss (shared pages split between the processes sharing them) in kB.
pss_kb() {
  local pid total=0 kb
  for pid in "$@"; do
    kb=$(awk '/^Pss:/ {print $2}' "/proc/$pid/smaps_rollup" 2>/dev/null || true)
    total=$((total + ${kb:-0}))
  done
  echo "$total"
}

memory_of() {  # KEY: "RSS PSS" of the proxy's process tree, kB
  local pids
  mapfile -t pids < <(proc_tree "${PID_OF[$1]}")
  echo "$(rss_kb "${pids[@]}") $(pss_kb "${pids[@]}")"
}

main() {
  "$HERE/../scripts/bootstrap.sh" bench
  ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)"
  [ -x "$APIGW_BIN" ] || { log "apigw binary not found at $APIGW_BIN (scripts/build.sh release, or set APIGW_BIN)"; exit 1; }
  local mix n proxy key round runs=0 mixes=() counts=() proxies=(apigw nginx) line stamp
  local results=$TMP/route_scale.tsv memory=$TMP/route_scale.mem.tsv
  local -A mem_start
  read -r -a counts <<<"$ROUTE_COUNTS"
  start_backend

  # Generate and check apigw's configs first: a mix apigw refuses is skipped before anything runs.
  # (The configs name the backend's port, so they are written once the backend is up.)
  for mix in $MIXES; do
    case $mix in prefix | template | regex | mixed) ;; *) log "unknown mix '$mix' (prefix|template|regex|mixed)"; exit 2 ;; esac
    for n in "${counts[@]}"; do
      mkdir -p "$TMP/apigw-$mix-$n"
      write_apigw_routes_conf "$TMP/apigw-$mix-$n" 1 2 "$mix" "$n" "$KEEPALIVE"
    done
    if check_apigw "$mix"; then mixes+=("$mix"); fi
    rm -rf "$TMP"/apigw-"$mix"-*
  done
  [ "${#mixes[@]}" -gt 0 ] || { log "no mix left to run"; exit 1; }
  runs=$((${#mixes[@]} * ${#counts[@]} * 2))
  log "$runs proxies (${mixes[*]} x ${counts[*]} routes x apigw, nginx), $ROUNDS round(s) of ${DURATION} s runs" \
      "after ${WARMUP} s warm-ups at $CONNECTIONS connections: about $(((runs * ROUNDS * (DURATION + WARMUP + 1) + 59) / 60)) min of load"

  for mix in "${mixes[@]}"; do
    for n in "${counts[@]}"; do
      for proxy in "${proxies[@]}"; do
        start_one "$proxy" "$mix" "$n" || { log "$proxy $mix N=$n failed to start"; exit 1; }
      done
    done
  done
  sleep 1
  for key in "${!PID_OF[@]}"; do mem_start[$key]=$(memory_of "$key"); done

  : >"$results"
  for ((round = 1; round <= ROUNDS; round++)); do
    log "== round $round of $ROUNDS =="
    for mix in "${mixes[@]}"; do
      for n in "${counts[@]}"; do
        for proxy in "${proxies[@]}"; do
          key=$proxy:$mix:$n
          PROXY_PID=${PID_OF[$key]}; PROXY_PORT=${PORT_OF[$key]}; WRK_PATH=${PATH_OF[$key]}
          kill -0 "$PROXY_PID" 2>/dev/null || { log "$proxy $mix N=$n died"; exit 1; }
          line=$(measure_throughput "$proxy $mix N=$n" 1 "$CONNECTIONS")
          printf '%s\t%s\t%s\t%s\t%s\n' "$round" "$mix" "$n" "$proxy" "$line" >>"$results"
        done
        proxies=("${proxies[@]:1}" "${proxies[0]}")   # rotate: alternate who runs first
      done
      counts=("${counts[@]:1}" "${counts[0]}")
    done
    mixes=("${mixes[@]:1}" "${mixes[0]}")
  done

  : >"$memory"
  for key in "${!PID_OF[@]}"; do
    IFS=: read -r proxy mix n <<<"$key"
    printf '%s\t%s\t%s\t%s\t%s\n' "$mix" "$n" "$proxy" "${mem_start[$key]// /$'\t'}" "$(memory_of "$key" | tr ' ' '\t')" >>"$memory"
  done

  mkdir -p "$RESULTS_DIR"
  stamp=$(date -u +%Y%m%dT%H%M%SZ)
  cp "$results" "$RESULTS_DIR/route_scale-$stamp.tsv"; cp "$memory" "$RESULTS_DIR/route_scale-$stamp.mem.tsv"
  "$PY" "$HERE/route_scale_report.py" "$results" "$memory" \
    "$(date -u +%FT%TZ), $(uname -r), $NCPU CPU(s), apigw $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?'), $(nginx -v 2>&1 | sed 's/^nginx version: //')" \
    "${QUICK:+QUICK smoke run: }$ROUNDS round(s) of ${DURATION} s runs (after ${WARMUP} s warm-ups) per proxy, mix and route count, wrk -t1 -c$CONNECTIONS; 1 worker each pinned to CPU 0, backend (nginx) and wrk on CPU $LOAD_CPU; load average at the end $(cut -d' ' -f1-3 /proc/loadavg)" \
    "NGINX: pcre_jit $NGINX_PCRE_JIT, upstream keepalive $KEEPALIVE; apigw: keepalive max_idle $KEEPALIVE" \
    | tee "$RESULTS_DIR/route_scale-$stamp.md"
  log "written: bench/results/route_scale-$stamp.md (and .tsv, .mem.tsv: the raw runs)"
}

main "$@"
