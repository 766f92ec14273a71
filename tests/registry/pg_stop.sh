#!/usr/bin/env bash
# Stops the server pg_start.sh started and removes its files.
# Usage: pg_stop.sh STATE_DIR
set -euo pipefail
state="$(realpath -m "${1:?usage: pg_stop.sh STATE_DIR}")"
if [ ! -d "$state/data" ]; then
  echo "pg_stop: nothing to stop in $state"
  exit 0
fi
bindir=""
for candidate in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
  if [ -x "$candidate/pg_ctl" ]; then bindir="$candidate"; break; fi
done
run=()
if [ "$(id -u)" -eq 0 ]; then run=(runuser -u postgres --); fi
if [ -f "$state/data/postmaster.pid" ]; then
  "${run[@]}" "$bindir/pg_ctl" -D "$state/data" -m fast -w -t 60 stop >/dev/null ||
    "${run[@]}" "$bindir/pg_ctl" -D "$state/data" -m immediate -w -t 30 stop >/dev/null
fi
rm -rf "$state"
echo "pg_stop: stopped and removed $state"
