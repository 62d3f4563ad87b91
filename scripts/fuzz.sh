#!/usr/bin/env bash
# Runs one libFuzzer target for a bounded time over its corpus.
# Usage: scripts/fuzz.sh TARGET [SECONDS]
#   TARGET: request_head | response_head | chunked | router | config | admin_entity |
#           proxy_protocol | forwarded_for | accept_encoding | sni_index | h2_request_head |
#           h2_server_session | h2_client_session | grpc_timeout | ws_frame | traceparent |
#           config_yaml
#           (docs/reliability.md says what each checks)
# Builds the targets with clang-14 (-fsanitize=fuzzer,address,undefined) into build/fuzz, then
# fuzzes from tests/fuzz/corpus/TARGET. New inputs go to build/fuzz/corpus/TARGET (not the committed
# seeds: copy the few interesting ones over by hand); a crash is saved as build/fuzz/crash-*.
# FUZZ_BUILD_JOBS=N limits the build's parallelism (the machine may be shared).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
target="${1:?usage: scripts/fuzz.sh TARGET [SECONDS]}"
seconds="${2:-60}"
seeds="$root/tests/fuzz/corpus/$target"
if [ ! -d "$seeds" ]; then
  echo "fuzz: unknown target '$target' (one of: $(ls "$root/tests/fuzz/corpus" | tr '\n' ' '))" >&2
  exit 2
fi
"$root/scripts/bootstrap.sh" build test fuzz
build_dir="$root/build/fuzz"
if [ ! -f "$build_dir/build.ninja" ]; then
  cmake -S "$root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -g" \
    -DCMAKE_CXX_COMPILER=clang++-14 -DAPIGW_FUZZ=ON >/dev/null
fi
cmake --build "$build_dir" -- ${FUZZ_BUILD_JOBS:+-j"$FUZZ_BUILD_JOBS"} "fuzz_$target"
work="$build_dir/corpus/$target"
mkdir -p "$work"
cd "$build_dir"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
# -max_len: 4 KiB holds the largest PROXY v2 header and any interesting head or chunked body (the
# request_head target also parses every input under 512-byte limits, which reaches the limit
# checks); configs and entity documents get room for a realistic file. Longer inputs only slow the
# search down.
case "$target" in
  config | config_yaml | admin_entity | h2_server_session | h2_client_session) max_len=16384 ;;
  *) max_len=4200 ;;
esac
exec "./tests/fuzz/fuzz_$target" -max_total_time="$seconds" -max_len="$max_len" -timeout=10 \
  -print_final_stats=1 "$work" "$seeds"
