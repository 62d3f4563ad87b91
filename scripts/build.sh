#!/usr/bin/env bash
# Builds apigw. Usage: scripts/build.sh [release|debug|sanitize] [ninja targets...]
#   release  -O2, the default for running and benchmarks (build/release)
#   debug    -O0 -g (build/debug)
#   sanitize AddressSanitizer + UndefinedBehaviorSanitizer, what the test suite runs (build/sanitize)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
kind="${1:-release}"
shift || true
case "$kind" in
  release) flags=(-DCMAKE_BUILD_TYPE=Release -DAPIGW_TESTS=OFF) ;;
  debug) flags=(-DCMAKE_BUILD_TYPE=Debug) ;;
  # Install paths of the package: the package test (tests/package/) packages this build.
  sanitize) flags=(-DCMAKE_BUILD_TYPE=Debug -DAPIGW_SANITIZE=ON "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -g"
                 -DCMAKE_INSTALL_PREFIX=/usr) ;;
  *) echo "build: unknown kind '$kind' (release|debug|sanitize)" >&2; exit 2 ;;
esac
profiles=(build)
[ "$kind" = release ] || profiles+=(test)
"$root/scripts/bootstrap.sh" "${profiles[@]}"
build_dir="$root/build/$kind"
if [ ! -f "$build_dir/build.ninja" ]; then
  cmake -S "$root" -B "$build_dir" -G Ninja "${flags[@]}" >/dev/null
fi
cmake --build "$build_dir" -- "$@"
