#!/usr/bin/env bash
# The slow-client measurement of docs/reliability.md ("Slow and hostile clients"): builds the
# release binary, then runs bench/slow_clients.py with its defaults (500 slow connections per
# mode for 60 s; header_read 5s, body_read 5s, body_min_rate 500, idle 10s; 2 workers). Extra
# arguments go to slow_clients.py (e.g. --modes slow_read --duration 20). The load average is
# printed before and after: the latencies mean little on a machine busy with other work.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/bootstrap.sh" test
"$root/scripts/build.sh" release >/dev/null
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) CPUs)"
/usr/bin/python3 "$root/bench/slow_clients.py" --apigw "$root/build/release/src/apigw" "$@"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
