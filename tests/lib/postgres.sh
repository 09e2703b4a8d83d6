#!/usr/bin/env bash
# A private PostgreSQL 15 cluster for the store tests: data under tests/.tmp/pg, a free port on 127.0.0.1,
# owned by the `postgres` user when run as root (PostgreSQL refuses to run as root).
#
#   eval "$(tests/lib/postgres.sh start)"   # exports PARLEY_TEST_POSTGRES_URL
#   tests/lib/postgres.sh stop
#
# Needs the Debian package `postgresql` (binaries in /usr/lib/postgresql/15/bin).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
base="$root/tests/.tmp/pg"
data="$base/data"
bin="${PARLEY_PG_BIN:-/usr/lib/postgresql/15/bin}"
database="parley_test"

as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

start() {
  if [ ! -x "$bin/initdb" ]; then
    echo "postgres.sh: $bin/initdb not found; install PostgreSQL 15 with: apt-get install -y postgresql" >&2
    exit 1
  fi
  if [ -f "$base/url" ] && as_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    echo "export PARLEY_TEST_POSTGRES_URL='$(cat "$base/url")'"
    return
  fi
  rm -rf "$base"
  mkdir -p "$base"
  if [ "$(id -u)" = 0 ]; then
    chown postgres:postgres "$base"
    # The postgres user must be able to reach the directory through its parents.
    dir="$base"
    while [ "$dir" != "/" ]; do
      dir="$(dirname "$dir")"
      chmod o+x "$dir" 2>/dev/null || true
    done
  fi
  as_owner "$bin/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$base/initdb.log" 2>&1 ||
    { cat "$base/initdb.log" >&2; exit 1; }
  port="$(free_port)"
  as_owner "$bin/pg_ctl" -D "$data" -l "$base/server.log" -w -t 30 \
    -o "-p $port -k $base -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off" start >/dev/null ||
    { cat "$base/server.log" >&2; exit 1; }
  as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres "$database"
  url="postgresql://postgres@127.0.0.1:$port/$database"
  echo "$url" >"$base/url"
  echo "export PARLEY_TEST_POSTGRES_URL='$url'"
}

stop() {
  if [ -d "$data" ]; then
    as_owner "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$base"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
