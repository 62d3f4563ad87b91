#!/usr/bin/env bash
# Installs the Debian packages apigw needs to build, test or benchmark, skipping what is present.
# Usage: scripts/bootstrap.sh [build|test|bench|fuzz|package|lintian]...   (default: build)
set -euo pipefail

build_packages=(
  build-essential cmake ninja-build ccache pkg-config
  libboost1.81-dev libboost-json1.81-dev libmimalloc-dev libtomlplusplus-dev libyaml-cpp-dev
  libssl-dev libsqlite3-dev libpq-dev zlib1g-dev libbrotli-dev libhiredis-dev libre2-dev
  libnghttp2-dev scdoc
)
# nginx-light and haproxy: the differential check (tests/differential) runs them next to apigw.
test_packages=(libgtest-dev libgmock-dev curl wrk python3 openssl postgresql redis-server
               nginx-light haproxy slowhttptest nghttp2-client python3-h2 python3-hpack
               python3-grpcio python3-websockets prometheus)
bench_packages=(nginx-light haproxy wrk curl python3 libbenchmark-dev postgresql nghttp2-client python3-websockets)
fuzz_packages=(clang-14 libclang-rt-14-dev)
# scripts/package.sh (debian/); the suite's package test (tests/package/) builds, installs and
# runs the package too, so `test` installs them as well.
package_packages=(debhelper dpkg-dev logrotate man-db systemd)
test_packages+=("${package_packages[@]}")

wanted=("${build_packages[@]}")
for profile in "$@"; do
  case "$profile" in
    build) ;;
    test) wanted+=("${test_packages[@]}") ;;
    bench) wanted+=("${bench_packages[@]}") ;;
    fuzz) wanted+=("${fuzz_packages[@]}") ;;
    package) wanted+=("${package_packages[@]}") ;;
    lintian) wanted+=(lintian) ;;
    *) echo "bootstrap: unknown profile '$profile' (build|test|bench|fuzz|package|lintian)" >&2; exit 2 ;;
  esac
done

missing=()
for pkg in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "bootstrap: installing ${missing[*]}" >&2
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
