#!/usr/bin/env bash
# Builds the Debian package of apigw (dpkg-buildpackage with debhelper; debian/) into build/package/.
# Usage: scripts/package.sh [--no-lintian] [--build-dir DIR]
#   --build-dir DIR  package an already-configured build tree (its install prefix must be /usr)
#                    instead of the release build in build/deb; the package test uses the suite's
#   --no-lintian     skip the lintian check of the result
# Prints the path of the .deb on its last line.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
lintian=1
build_dir="$root/build/deb"
while [ $# -gt 0 ]; do
  case "$1" in
    --no-lintian) lintian=0 ;;
    --build-dir) build_dir="$(cd "$2" && pwd)"; shift ;;
    *) echo "package: unknown option '$1'" >&2; exit 2 ;;
  esac
  shift
done

profiles=(package)
[ "$lintian" = 0 ] || profiles+=(lintian)
"$root/scripts/bootstrap.sh" "${profiles[@]}"
version="$(sed -n '1s/^apigw (\([^)]*\)).*/\1/p' "$root/debian/changelog")"
out="$root/build/package"
# dpkg-buildpackage writes its results beside the source tree: build from a copy in build/package,
# so they land there and not in the checkout's parent directory.
staging="$out/apigw-$version"
rm -rf "$staging" "$out"/apigw_* "$out"/apigw-dbgsym_*
mkdir -p "$staging"
tar -C "$root" --exclude=./build --exclude=./.git --exclude='./obj-*' -cf - . | tar -C "$staging" -xf -

if [ -f "$build_dir/CMakeCache.txt" ]; then
  prefix="$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build_dir/CMakeCache.txt")"
  if [ "$prefix" != /usr ]; then
    echo "package: $build_dir installs to '$prefix'; a package needs /usr" >&2
    exit 1
  fi
fi
commit="$(git -C "$root" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)"
if [ -n "$(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
  commit="$commit-dirty"
fi
(cd "$staging" && APIGW_BUILD_DIR="$build_dir" APIGW_BUILD_COMMIT="$commit" \
   dpkg-buildpackage -b -us -uc >"$out/build.log" 2>&1) || {
  tail -40 "$out/build.log" >&2
  echo "package: dpkg-buildpackage failed; the whole log is $out/build.log" >&2
  exit 1
}
rm -rf "$staging"
deb="$(ls "$out"/apigw_"$version"_*.deb)"
if [ "$lintian" = 1 ]; then
  lintian --info "$deb" >&2 || true
fi
echo "$deb"
