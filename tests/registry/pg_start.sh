#!/usr/bin/env bash
# Starts a throw-away PostgreSQL server for the registry-pg tests.
# Usage: pg_start.sh STATE_DIR
# initdb's a cluster into STATE_DIR/data, starts it listening on 127.0.0.1
# only (never any other address) on a free port, waits until it accepts
# connections (bounded), and writes its URL to STATE_DIR/url. pg_stop.sh
# stops it. PostgreSQL refuses to run as root, so under root the server runs
# as the `postgres` user, which owns STATE_DIR.
set -euo pipefail
state="$(realpath -m "${1:?usage: pg_start.sh STATE_DIR}")"

bindir=""
for candidate in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
  if [ -x "$candidate/initdb" ]; then bindir="$candidate"; break; fi
done
if [ -z "$bindir" ]; then
  echo "pg_start: no PostgreSQL server found under /usr/lib/postgresql (install the postgresql package)" >&2
  exit 1
fi

run=()
if [ "$(id -u)" -eq 0 ]; then run=(runuser -u postgres --); fi

# A previous run that was not stopped: stop it first.
if [ -f "$state/data/postmaster.pid" ]; then
  "${run[@]}" "$bindir/pg_ctl" -D "$state/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
fi
rm -rf "$state"
mkdir -p "$state"
if [ "$(id -u)" -eq 0 ]; then chown postgres: "$state"; fi

"${run[@]}" "$bindir/initdb" -D "$state/data" -U podium --auth=trust -E UTF8 --locale=C >"$state/initdb.log" 2>&1 || {
  cat "$state/initdb.log" >&2
  exit 1
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# The port may be taken between choosing and binding: try a few.
started=0
for attempt in 1 2 3 4 5; do
  port="$(free_port)"
  if "${run[@]}" "$bindir/pg_ctl" -D "$state/data" -l "$state/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$state -c fsync=off -c max_connections=200" \
      start >/dev/null; then
    started=1
    break
  fi
  echo "pg_start: start on port $port failed (attempt $attempt)" >&2
done
if [ "$started" -ne 1 ]; then
  cat "$state/server.log" >&2 || true
  exit 1
fi

for _ in $(seq 1 60); do
  if "$bindir/pg_isready" -h 127.0.0.1 -p "$port" -q; then
    echo "postgresql://podium@127.0.0.1:$port/postgres" >"$state/url"
    echo "pg_start: PostgreSQL running on 127.0.0.1:$port ($state)"
    exit 0
  fi
  sleep 0.5
done
echo "pg_start: the server did not accept connections within 30 s" >&2
cat "$state/server.log" >&2 || true
exit 1
