#!/usr/bin/env bash
# Install and start every real server the suite needs, run the given command with their addresses in
# the environment, stop them afterwards. `make test` runs the whole suite through this; `make test-quick`
# does not (SQLite only, no servers). Debian packages, started by hand on 127.0.0.1, no systemd.
#   PostgreSQL   -> QIANYUN_TEST_POSTGRES_URL
#   OpenStack    -> QIANYUN_TEST_OPENSTACK_CLOUDS (keystone, placement, glance, neutron, nova; ~2 min cold)
#   Prometheus   -> installed here, started by its tests (tests/servers/prometheus.sh)
#   Chromium     -> installed here, driven by the browser tests
set -euo pipefail
cd "$(dirname "$0")/../.."
export DEBIAN_FRONTEND=noninteractive

need=()
ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1 || need+=(postgresql)
for p in chromium fonts-noto-cjk prometheus; do dpkg -s "$p" >/dev/null 2>&1 || need+=("$p"); done
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${need[@]}"
  else
    echo "with-servers: not root, so these Debian packages are not installed: ${need[*]}" >&2
    echo "with-servers: install them (sudo apt-get install ${need[*]}) or the tests that need them skip" >&2
  fi
fi
if [ "$(id -u)" = 0 ]; then
  bash tests/servers/openstack.sh install  # about 3.5 min of packages on a clean machine, nothing once cached
fi

state=$(mktemp -d /tmp/qianyun-servers.XXXXXX)
chmod 755 "$state"
stop_servers() {
  bash tests/servers/openstack.sh stop "$state/openstack" >/dev/null 2>&1 || true
  bash tests/servers/postgres.sh stop "$state/pg" >/dev/null 2>&1 || true
}
trap stop_servers EXIT

if ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1; then
  QIANYUN_TEST_POSTGRES_URL=$(bash tests/servers/postgres.sh start "$state/pg" "${QIANYUN_TEST_PG_PORT:-54339}" | tail -n 1)
  export QIANYUN_TEST_POSTGRES_URL
  echo "PostgreSQL for the tests: $QIANYUN_TEST_POSTGRES_URL"
fi
if [ "$(id -u)" = 0 ]; then
  # a cold start takes 30-60 s on an idle 2-core machine; the limit leaves room for a loaded one
  QIANYUN_TEST_OPENSTACK_CLOUDS=$(QIANYUN_OS_START_TIMEOUT=${QIANYUN_OS_START_TIMEOUT:-900} \
    bash tests/servers/openstack.sh start "$state/openstack" | tail -n 1)
  export QIANYUN_TEST_OPENSTACK_CLOUDS
  echo "OpenStack for the tests: $QIANYUN_TEST_OPENSTACK_CLOUDS"
fi

"$@"
