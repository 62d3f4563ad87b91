#!/usr/bin/env bash
# Builds apigw with AddressSanitizer + UndefinedBehaviorSanitizer and runs the whole test suite
# (unit and integration tests, through CTest). Installs what it needs first.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/build.sh" sanitize
ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
cd "$root/build/sanitize"
ctest --output-on-failure --timeout 600 -j2 "$@"
