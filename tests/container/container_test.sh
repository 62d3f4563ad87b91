#!/usr/bin/env bash
# The container image and the compose example, with podman (docs/container.md, "How it is
# tested"). Not part of scripts/test.sh: building the image compiles apigw inside it (about 15
# minutes on 2 cores), which CI's time does not allow; run it after changing Dockerfile,
# examples/compose/ or what the image runs.
#
# Usage: tests/container/container_test.sh [BASE_IMAGE]   (default: debian:bookworm-slim)
# Environment: APIGW_IMAGE_BUILT=1 skips the image build (the tree is unchanged since the last
# run); CONTAINER_ULIMITS="nofile=20000:20000 nproc=32768:32768" when the machine's hard
# limits are below what the runtime asks for by default (a --ulimit replaces all the defaults).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
base="${1:-debian:bookworm-slim}"
image=localhost/apigw:latest
name=apigw-container-test
work="$(mktemp -d)"
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
cleanup() {
  podman rm -f -t 0 "$name" "$name-2" >/dev/null 2>&1 || true
  (cd "$root/examples/compose" && podman-compose -f compose.yaml -f "$work/override.yaml" \
    down -v >/dev/null 2>&1) || true
  rm -rf "$work"
}
trap cleanup EXIT
ulimit_flags=()
for limit in ${CONTAINER_ULIMITS:-}; do ulimit_flags+=(--ulimit "$limit"); done
wait_for() {  # wait_for SECONDS COMMAND...: until COMMAND succeeds
  local deadline=$((SECONDS + $1))
  shift
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.5
  done
}

echo "== build ($base)"
# --format docker: the OCI format has no HEALTHCHECK. APIGW_IMAGE_BUILT=1 takes the image built
# by an earlier run of this script as it is.
start=$SECONDS
[ "${APIGW_IMAGE_BUILT:-0}" = 1 ] || podman build --format docker -t "$image" --build-arg BASE_IMAGE="$base" \
  --build-arg APIGW_BUILD_COMMIT="$(git -C "$root" rev-parse --short=12 HEAD)" "$root" \
  >"$work/build.log" 2>&1 || { tail -30 "$work/build.log"; fail "podman build"; }
echo "built in $((SECONDS - start)) s; $(podman image inspect "$image" --format '{{.Size}}') bytes"
[ "$(podman image inspect "$image" --format '{{.Config.User}}')" = 10001:10001 ] || fail "image user"
podman image inspect "$image" --format '{{.Config.Healthcheck.Test}}' | grep -q 'apigw probe' ||
  fail "no HEALTHCHECK"
podman image inspect "$image" --format '{{.Config.Volumes}}' | grep -q /var/lib/apigw ||
  fail "no state volume"
podman run --rm "$image" version | grep -q '^apigw ' || fail "apigw version"
if podman run --rm --entrypoint /bin/sh "$image" -c 'command -v curl || command -v c++'; then
  fail "the image carries curl or a compiler"
fi

echo "== run the default config"
podman run -d --name "$name" "${ulimit_flags[@]}" -p 127.0.0.1:18080:8080 "$image" >/dev/null
wait_for 30 curl -fs http://127.0.0.1:18080/ || { podman logs "$name"; fail "no answer"; }
curl -fs http://127.0.0.1:18080/ | grep -q 'apigw is running' || fail "welcome page"
[ "$(podman exec "$name" id -un)" = apigw ] || fail "not running as apigw"
[ "$(podman inspect "$name" --format '{{.State.Pid}}')" != 0 ] || fail "no pid"
[ "$(podman exec "$name" cat /proc/1/comm)" = apigw ] || fail "apigw is not PID 1"
wait_for 30 podman healthcheck run "$name" || fail "health check"
podman logs "$name" 2>/dev/null | grep -q '"url.path":"/"' || fail "access log not on stdout"
podman kill -s USR2 "$name" >/dev/null
wait_for 10 sh -c "podman logs $name 2>&1 | grep -q 'apigw is PID 1'" || fail "SIGUSR2 as PID 1"
curl -fs http://127.0.0.1:18080/ >/dev/null || fail "stopped serving after SIGUSR2"
podman kill -s HUP "$name" >/dev/null
wait_for 10 sh -c "podman logs $name 2>&1 | grep -q 'config version 2'" || fail "SIGHUP reload"
start=$SECONDS
podman stop -t 20 "$name" >/dev/null
[ $((SECONDS - start)) -lt 10 ] || fail "podman stop took $((SECONDS - start)) s"
[ "$(podman inspect "$name" --format '{{.State.ExitCode}}')" = 0 ] || fail "exit code on SIGTERM"
podman rm "$name" >/dev/null

echo "== a mounted config, an environment override and a CPU limit"
cat >"$work/apigw.toml" <<'TOML'
[server]
listen = ["0.0.0.0:8080"]
[admin]
listen = "127.0.0.1:9901"
[[routes]]
name = "mounted"
match = { path_prefix = "/" }
handler = { name = "static", body = "${GREETING}" }
TOML
podman run -d --name "$name-2" "${ulimit_flags[@]}" --cpus 1 --memory 128m \
  -e GREETING="from the mounted config" -p 127.0.0.1:18081:8080 \
  -v "$work/apigw.toml:/etc/apigw/apigw.toml:ro" "$image" >/dev/null
wait_for 30 curl -fs http://127.0.0.1:18081/ || { podman logs "$name-2"; fail "no answer"; }
curl -fs http://127.0.0.1:18081/ | grep -q 'from the mounted config' || fail "mounted config"
podman logs "$name-2" 2>&1 | grep -q ', 1 workers,' ||
  { podman logs "$name-2"; fail "--cpus 1 did not give one worker"; }
podman rm -f -t 20 "$name-2" >/dev/null

echo "== compose: two gateways on PostgreSQL, Redis, two backends"
{
  echo "services:"
  for service in apigw-1 apigw-2; do
    echo "  $service:"
    if [ -n "${CONTAINER_ULIMITS:-}" ]; then
      echo "    ulimits:"
      for limit in $CONTAINER_ULIMITS; do
        value="${limit#*=}"
        echo "      ${limit%%=*}: { soft: ${value%%:*}, hard: ${value##*:} }"
      done
    fi
  done
} >"$work/override.yaml"
cd "$root/examples/compose"
export BASE_IMAGE="$base"
compose=(podman-compose -f compose.yaml -f "$work/override.yaml")
# apigw's image is the one built above (a compose build would make it again, in the OCI format).
"${compose[@]}" build postgres redis >"$work/compose-build.log" 2>&1 || { tail -20 "$work/compose-build.log"; fail "compose build"; }
"${compose[@]}" up -d >"$work/compose-up.log" 2>&1 || { tail -20 "$work/compose-up.log"; fail "compose up"; }
token=compose-example-admin-token
for port in 8080 8081; do
  wait_for 90 curl -fs "http://127.0.0.1:$port/hello" ||
    { "${compose[@]}" logs >"$work/compose.log" 2>&1; tail -40 "$work/compose.log"; fail "gateway on $port"; }
done
servers="$(for _ in 1 2 3 4 5 6; do curl -fs http://127.0.0.1:8080/hello; echo; done |
  grep -o '"server":"backend-[12]"' | sort -u | wc -l)"
[ "$servers" = 2 ] || fail "requests did not reach both backends"
curl -fs -X PUT -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d '{"match":{"path_prefix":"/new"},"handler":{"name":"static","body":"added on apigw-1"}}' \
  http://127.0.0.1:9901/admin/routes/new >/dev/null || fail "admin write on apigw-1"
wait_for 10 sh -c 'curl -fs http://127.0.0.1:8081/new | grep -q "added on apigw-1"' ||
  fail "apigw-2 did not serve apigw-1's write"
[ "$(podman inspect compose_apigw-1_1 --format '{{.HostConfig.Memory}}')" = 268435456 ] ||
  fail "memory limit"
podman logs compose_apigw-1_1 2>&1 | grep -q ', 1 workers,' || fail "cpus: 1 did not give one worker"
wait_for 60 podman healthcheck run compose_apigw-2_1 || fail "apigw-2 not healthy"
"${compose[@]}" down -v >/dev/null 2>&1
echo "ok"
