#!/usr/bin/env bash
# The Debian package as an operator meets it: built by scripts/package.sh, installed with dpkg,
# its unit verified by systemd-analyze, its man pages and completion working, the installed binary
# run as the package's system user on the installed config (serving the welcome page, the admin
# API and an access log that logrotate rotates and apigw reopens), then removed and purged with
# nothing left behind.
#
# Usage: package_test.sh SOURCE_DIR BUILD_DIR. BUILD_DIR is packaged as it is (the suite's
# sanitizer build, configured with the package's install paths): the packaging steps are those of
# a release package; the binary is the one the suite tests. Needs root (exit 77: skipped).
set -euo pipefail
root="$1"
build="$2"
if [ "$(id -u)" -ne 0 ]; then
  echo "skipped: installing a package needs root"
  exit 77
fi

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
work="$(mktemp -d)"
gateway_pid=""
cleanup() {
  [ -z "$gateway_pid" ] || kill -9 "$gateway_pid" 2>/dev/null || true
  dpkg -P apigw >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

if dpkg-query -W -f='${Status}' apigw 2>/dev/null | grep -q installed; then
  echo "an apigw package is installed already: purging it first"
  dpkg -P apigw >/dev/null
fi

echo "== build"
deb="$("$root/scripts/package.sh" --no-lintian --build-dir "$build" | tail -1)"
[ -f "$deb" ] || fail "scripts/package.sh made no .deb"
echo "$deb"

echo "== contents"
dpkg-deb -c "$deb" | awk '{print $6}' >"$work/contents"
for path in ./usr/bin/apigw ./etc/apigw/apigw.toml ./etc/logrotate.d/apigw \
            ./lib/systemd/system/apigw.service ./usr/share/man/man8/apigw.8.gz \
            ./usr/share/man/man5/apigw.toml.5.gz ./usr/share/bash-completion/completions/apigw \
            ./usr/share/doc/apigw/copyright ./usr/share/doc/apigw/changelog.gz; do
  grep -qx "$path" "$work/contents" || fail "$path is not in the package"
done
grep -q '^./usr/share/doc/apigw/configuration.md' "$work/contents" || fail "docs not packaged"
dpkg-deb -e "$deb" "$work/control"
grep -qx /etc/apigw/apigw.toml "$work/control/conffiles" || fail "apigw.toml is not a conffile"
grep -qx /etc/logrotate.d/apigw "$work/control/conffiles" || fail "logrotate file not a conffile"
grep -q '^Depends:.*adduser' "$work/control/control" || fail "no Depends on adduser"
grep -q 'deb-systemd-helper' "$work/control/postinst" || fail "postinst does not enable the unit"

echo "== install"
DEBIAN_FRONTEND=noninteractive dpkg -i "$deb" || fail "dpkg -i failed"
[ -x /usr/bin/apigw ] || fail "/usr/bin/apigw missing"
getent passwd apigw >/dev/null || fail "no system user apigw"
[ "$(getent passwd apigw | cut -d: -f3)" -lt 1000 ] || fail "apigw is not a system user"
[ "$(stat -c %U /var/lib/apigw)" = apigw ] || fail "/var/lib/apigw is not apigw's"
[ "$(stat -c %U /var/log/apigw)" = apigw ] || fail "/var/log/apigw is not apigw's"
/usr/bin/apigw version | grep -q '^apigw ' || fail "apigw version"
/usr/bin/apigw check -c /etc/apigw/apigw.toml || fail "the installed config does not check"

echo "== unit"
systemd-analyze verify /lib/systemd/system/apigw.service || fail "systemd-analyze verify"
grep -q '^Type=notify$' /lib/systemd/system/apigw.service || fail "unit is not Type=notify"
grep -q '^ExecStart=/usr/bin/apigw run -c ${APIGW_CONFIG}$' /lib/systemd/system/apigw.service ||
  fail "ExecStart does not run the installed binary"

echo "== man pages and completion"
MANWIDTH=100 man -P cat 8 apigw | grep -q 'SIGUSR2' || fail "man 8 apigw"
MANWIDTH=100 man -P cat 5 apigw.toml | grep -q 'server' || fail "man 5 apigw.toml"
completion="$(bash -c 'source /usr/share/bash-completion/completions/apigw
  COMP_WORDS=(apigw ch); COMP_CWORD=1; COMP_LINE="apigw ch"; COMP_POINT=8; _apigw
  echo "${COMPREPLY[*]}"')"
[ "$completion" = check ] || fail "completion of 'apigw ch' gave '$completion'"

echo "== run as the apigw user on the installed config"
port="$(free_port)"
admin_port="$(free_port)"
setpriv --reuid=apigw --regid=apigw --clear-groups \
  env APIGW__SERVER__LISTEN="127.0.0.1:$port" APIGW__ADMIN__LISTEN="127.0.0.1:$admin_port" \
  /usr/bin/apigw run -c /etc/apigw/apigw.toml >"$work/apigw.log" 2>&1 &
gateway_pid=$!
for _ in $(seq 1 300); do
  curl -fs "http://127.0.0.1:$admin_port/ready" >/dev/null 2>&1 && break
  kill -0 "$gateway_pid" 2>/dev/null || { cat "$work/apigw.log"; fail "apigw exited"; }
  sleep 0.1
done
curl -fs "http://127.0.0.1:$port/" | grep -q 'apigw is running' || fail "no welcome page"
curl -fs "http://127.0.0.1:$admin_port/admin/status" | grep -q '"ready":true' || fail "admin status"
[ "$(ps -o user= -p "$gateway_pid")" = apigw ] || fail "not running as apigw"
# The access log is written by a thread of its own, a moment after the answer.
for _ in $(seq 1 50); do
  grep -q '"url.path":"/"' /var/log/apigw/access.log 2>/dev/null && break
  sleep 0.1
done
grep -q '"url.path":"/"' /var/log/apigw/access.log || fail "no access log line"

echo "== logrotate"
logrotate -f -s "$work/logrotate.state" /etc/logrotate.d/apigw || fail "logrotate"
[ -s /var/log/apigw/access.log.1 ] || fail "access.log was not rotated"
for _ in $(seq 1 50); do
  curl -fs "http://127.0.0.1:$port/after-rotation" >/dev/null
  grep -q 'after-rotation' /var/log/apigw/access.log 2>/dev/null && break
  sleep 0.1
done
grep -q 'after-rotation' /var/log/apigw/access.log || fail "apigw did not reopen its access log"

kill -TERM "$gateway_pid"
wait "$gateway_pid" || { cat "$work/apigw.log"; fail "apigw did not exit 0 on SIGTERM"; }
gateway_pid=""

echo "== remove and purge"
dpkg -r apigw >/dev/null || fail "dpkg -r"
[ ! -e /usr/bin/apigw ] || fail "/usr/bin/apigw left after remove"
[ ! -e /lib/systemd/system/apigw.service ] || fail "unit left after remove"
[ -f /etc/apigw/apigw.toml ] || fail "remove must keep the conffile"
dpkg -P apigw >/dev/null || fail "dpkg -P"
for path in /etc/apigw /etc/logrotate.d/apigw /var/lib/apigw /var/log/apigw; do
  [ ! -e "$path" ] || fail "$path left after purge"
done
if dpkg-query -W -f='${Status}' apigw 2>/dev/null | grep -q installed; then fail "still installed"; fi
echo "ok"
