#!/usr/bin/env bash
# Start or stop a throwaway PostgreSQL for the integration tests: Debian's package, on 127.0.0.1,
# no systemd, all state in one folder. Usage: postgres.sh start DIR PORT | postgres.sh stop DIR
set -euo pipefail
cmd=${1:?start|stop}; dir=${2:?state folder}
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$bindir" ]; then
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postgresql
  bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi
as_pg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi; }
case "$cmd" in
  start)
    port=${3:-54329}
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      as_pg "'$bindir/initdb' -D '$dir/data' -U qianyun --auth=trust -E UTF8 --locale=C.UTF-8 >'$dir/initdb.log'"
    fi
    as_pg "'$bindir/pg_ctl' -D '$dir/data' -l '$dir/server.log' -w -t 60 \
      -o \"-h 127.0.0.1 -p $port -k '$dir' -c fsync=off -c synchronous_commit=off -c max_connections=200\" start"
    as_pg "'$bindir/createdb' -h 127.0.0.1 -p $port -U qianyun qianyun_test" 2>/dev/null || true
    echo "postgresql+psycopg://qianyun@127.0.0.1:$port/qianyun_test"
    ;;
  stop)
    as_pg "'$bindir/pg_ctl' -D '$dir/data' -m fast -w stop" || true
    ;;
esac
