#!/usr/bin/env bash
# Builds apigw and runs the quick start: two example backends and the gateway in front of them.
# Usage: scripts/run.sh [CONFIG]   (default: examples/quickstart.toml)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/build.sh" release apigw
apigw="$root/build/release/src/apigw"
config="${1:-$root/examples/quickstart.toml}"
"$apigw" check -c "$config"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
"$apigw" echo-server --listen 127.0.0.1:9001 --name users-1 & pids+=($!)
"$apigw" echo-server --listen 127.0.0.1:9002 --name users-2 & pids+=($!)
echo "gateway on http://127.0.0.1:8080 (admin http://127.0.0.1:9901/metrics); Ctrl-C stops" >&2
"$apigw" run -c "$config"
