#!/usr/bin/env bash
# A real OpenStack (Zed, Debian 12's packages) control plane on 127.0.0.1, without systemd, for the
# integration tests that talk to it through openstacksdk. Facts behind every choice here:
# shared/notes/openstack-loopback.md.
# Usage (as root): openstack.sh install | openstack.sh start DIR | openstack.sh stop DIR
#   | openstack.sh restart-compute DIR compute1|compute2 (a host back from a failure)
#   start prints DIR/clouds.yaml (cloud "qianyun-loopback", admin) as its last line.
#   QIANYUN_OS_PORT_OFFSET=N shifts every port (3306 4369 5672 25672 5000 8778 9292 9696 8774) by N.
#   QIANYUN_OS_START_TIMEOUT (s, default 300); QIANYUN_OS_KEEP_ON_FAILURE=1 leaves a failed start running.
set -euo pipefail
cmd=${1:?install|start DIR|stop DIR}

# Only the library packages: the service packages (nova-api, keystone, ...) pull in libvirt, qemu and
# dnsmasq, carry dbconfig-common, and drop policy files into /etc that oslo.config would find.
pkgs=(python3-nova python3-keystone python3-placement python3-glance python3-neutron rabbitmq-server
      uwsgi-plugin-python3 mariadb-server python3-pymysql curl)
# The python3-* packages lack the api-paste.ini files; Debian's service packages have them. They are
# unpacked (never installed) into this cache, outside the repo and outside any state folder.
cache=${QIANYUN_OS_CACHE:-/var/cache/qianyun-openstack}
svc_debs=(nova-api nova-common glance-api glance-common neutron-server neutron-common)
paste_files=(usr/share/nova-common/api-paste.ini usr/share/glance-common/glance-api-paste.ini
             usr/share/neutron-common/api-paste.ini)
# Debian's own python: a pyenv python3 first on PATH cannot see /usr/lib/python3/dist-packages.
py=/usr/bin/python3

packages_missing() {
  local p
  for p in "${pkgs[@]}"; do
    [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed" ] || return 0
  done
  return 1
}
paste_missing() {
  local f
  for f in "${paste_files[@]}"; do [ -f "$cache/unpacked/$f" ] || return 0; done
  return 1
}

restore_policy() {
  if [ -n "$saved_policy" ]; then mv -f "$saved_policy" "$policy"; else rm -f "$policy"; fi
}
do_install() {
  local updated=0
  if packages_missing; then
    # A policy-rc.d that answers 101 keeps the rabbitmq-server and mariadb-server postinsts from
    # starting system-wide daemons on the default ports; any policy-rc.d already there comes back.
    policy=/usr/sbin/policy-rc.d saved_policy=
    if [ -e "$policy" ]; then saved_policy=$(mktemp /tmp/policy-rc.d.XXXXXX); cp -a "$policy" "$saved_policy"; fi
    trap restore_policy EXIT
    printf '#!/bin/sh\n# qianyun openstack.sh install: no daemon starts while packages install\nexit 101\n' > "$policy"
    chmod 755 "$policy"
    apt-get update -q
    updated=1
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${pkgs[@]}"
    restore_policy; trap - EXIT
  fi
  if paste_missing; then
    mkdir -p "$cache/debs" "$cache/unpacked"
    # apt's download sandbox user must be able to write there.
    chown _apt "$cache/debs" 2>/dev/null || true
    # apt-get download fetches the versions that match the installed python3-* packages.
    if ! (cd "$cache/debs" && apt-get download -q "${svc_debs[@]}"); then
      [ "$updated" = 1 ] || apt-get update -q
      (cd "$cache/debs" && apt-get download -q "${svc_debs[@]}")
    fi
    local deb
    for deb in "$cache"/debs/*.deb; do dpkg -x "$deb" "$cache/unpacked"; done
    paste_missing && { echo "the api-paste.ini files are not in ${svc_debs[*]}" >&2; return 1; }
  fi
  return 0
}

# ---------------------------------------------------------------------------------------------- start

ports() {
  off=${QIANYUN_OS_PORT_OFFSET:-}
  # The ports are also inside keystone's catalog and nova's cell mappings, so a state folder keeps
  # the offset it was created with.
  if [ -f "$dir/port_offset" ]; then
    local kept; kept=$(cat "$dir/port_offset")
    if [ -n "$off" ] && [ "$off" != "$kept" ]; then
      echo "$dir was created with QIANYUN_OS_PORT_OFFSET=$kept, not $off" >&2; exit 2
    fi
    off=$kept
  fi
  off=${off:-0}
  case "$off" in ''|*[!0-9]*) echo "QIANYUN_OS_PORT_OFFSET must be a number" >&2; exit 2 ;; esac
  p_db=$((3306 + off)) p_epmd=$((4369 + off)) p_amqp=$((5672 + off)) p_dist=$((25672 + off))
  p_ks=$((5000 + off)) p_pl=$((8778 + off)) p_gl=$((9292 + off)) p_ne=$((9696 + off)) p_no=$((8774 + off))
}

# Every daemon, by the name of its pid file (DIR/run/NAME.pid) and log (DIR/log/NAME.log).
services=(mariadb epmd rabbitmq keystone placement glance neutron nova-api nova-conductor nova-scheduler
          nova-compute1 nova-compute2)

say() { echo "openstack.sh: [$(( $(date +%s) - t0 ))s] $*" >&2; }
# A pid file counts only while that pid is still the process launch started: its start time (in
# clock ticks since boot, /proc/PID/stat field 22) is kept in NAME.start. A stale pid may belong to
# anything by now, and the environ is no mark (neutron's setproctitle overwrites it). A zombie is
# dead: where PID 1 does not reap orphans (as on these VMs) a killed daemon stays one.
procstat() { # procstat PID: its state letter and start time
  local s f; s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1; read -ra f <<<"${s##*) }"; echo "${f[0]} ${f[19]}"
}
alive() {
  local st t
  [ -f "$dir/run/$1.pid" ] && [ -f "$dir/run/$1.start" ] || return 1
  read -r st t <<<"$(procstat "$(cat "$dir/run/$1.pid")")"
  [ "$st" != Z ] && [ -n "$t" ] && [ "$t" = "$(cat "$dir/run/$1.start")" ]
}
leader_gone() { local st; st=$(procstat "$1" | cut -c1); [ -z "$st" ] || [ "$st" = Z ]; }
group_alive() { ps -eo pgid=,stat= | awk -v g="$1" '$1 == g && $2 !~ /^Z/ { f = 1 } END { exit !f }'; }

# launch NAME CMD...: its own session and process group (setsid), so stop reaches it and its
# children and nothing else; stdin closed and output to its log, so `$(openstack.sh start DIR)`
# does not hang on a pipe the daemons keep open.
launch() {
  local name=$1; shift
  setsid "$@" >>"$dir/log/$name.log" 2>&1 </dev/null &
  echo $! >"$dir/run/$name.pid"
  procstat $! | cut -d' ' -f2 >"$dir/run/$name.start"  # fixed at fork: the exec of setsid keeps it
}

fail() { # fail NAME MESSAGE: the tail of NAME's log, then stop what this start began
  echo "openstack.sh: $2" >&2
  if [ -f "$dir/log/$1.log" ]; then
    echo "---- last lines of $dir/log/$1.log" >&2; tail -n 40 "$dir/log/$1.log" >&2; echo "----" >&2
  fi
  # A background job only reports; the main shell (which waits on it) cleans up, once.
  if [ -z "${in_job:-}" ]; then
    local j; for j in $(jobs -p); do kill_tree "$j"; done
    if [ "${QIANYUN_OS_KEEP_ON_FAILURE:-0}" != 1 ]; then stop_all >&2; fi
  fi
  exit 1
}
kill_tree() { local c; for c in $(ps -o pid= --ppid "$1"); do kill_tree "$c"; done; kill "$1" 2>/dev/null || true; }

# wait_for NAME WHAT CHECK...: poll CHECK until it succeeds; fail early if NAME's process died.
wait_for() {
  local name=$1 what=$2 out; shift 2
  until out=$("$@" 2>&1); do
    alive "$name" || fail "$name" "$name exited while waiting for $what"
    [ "$(date +%s)" -lt "$deadline" ] ||
      fail "$name" "timed out (${timeout}s) waiting for $what; the last check said: $(tail -n 3 <<<"$out")"
    sleep 0.5
  done
}
# An HTTP answer of any status: the service is listening and its app loaded.
http_up() { [ "$(curl -s -o /dev/null -m 5 -w '%{http_code}' "$1")" != 000 ]; }
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
sql() { "$dir/bin/qy-os" sql "$@"; }

# run_step NAME CMD...: a setup command (DB sync, keystone-manage ...) logged to log/NAME.log.
run_step() {
  local name=$1; shift
  echo "+ $*" >>"$dir/log/$name.log"
  local left=$((deadline - $(date +%s))); [ "$left" -gt 0 ] || left=1
  timeout -k 5 "$left" "$@" >>"$dir/log/$name.log" 2>&1 </dev/null ||
    { echo "step failed or timed out: $*" >>"$dir/log/$name.log"; return 1; }
}

write_files() {
  mkdir -p "$dir"/{bin,log,run,state,lock,rabbit,keystone,glance/images,glance/staging,nova/instances,neutron} \
           "$dir"/etc/{keystone,placement,glance,neutron,nova}
  echo "$off" >"$dir/port_offset"
  local db="mysql+pymysql://os:os@127.0.0.1:$p_db" mq="rabbit://guest:guest@127.0.0.1:$p_amqp/"
  local ks="http://127.0.0.1:$p_ks"

  # Entry points: python3-* ship the modules, the service packages the console scripts.
  local m
  for m in nova-api:nova.cmd.api nova-conductor:nova.cmd.conductor nova-scheduler:nova.cmd.scheduler \
           nova-compute:nova.cmd.compute nova-manage:nova.cmd.manage glance-api:glance.cmd.api \
           glance-manage:glance.cmd.manage neutron-db-manage:neutron.db.migration.cli; do
    printf '#!%s\nimport sys\nfrom %s import main\nsys.exit(main())\n' "$py" "${m#*:}" >"$dir/bin/${m%%:*}"
  done
  cat >"$dir/bin/neutron-server" <<PY
#!$py
import sys
from neutron.cmd.eventlet.server import main  # first: it monkey-patches eventlet
# neutron 21 (Zed): GET /v2.0/ports fails with "type object 'Port' has no attribute
# 'port_forwardings'" until every model is imported and SQLAlchemy has configured its mappers.
import neutron.db.migration.models.head  # noqa: F401
import sqlalchemy.orm
sqlalchemy.orm.configure_mappers()
sys.exit(main())
PY
  # The small jobs of this script, in Debian's python: SQL and RPC-queue checks for readiness,
  # keystone registration, and the final check that both hypervisors are up and in placement.
  cat >"$dir/bin/qy-os" <<PY
#!$py
import sys
cmd = sys.argv[1]
if cmd == "sql":  # qy-os sql DB QUERY: prints the first column of the first row
    import pymysql
    c = pymysql.connect(host="127.0.0.1", port=$p_db, user="os", password="os", database=sys.argv[2],
                        connect_timeout=3)
    with c.cursor() as cur:
        cur.execute(sys.argv[3]); row = cur.fetchone()
    print(row[0] if row else "")
    sys.exit(0)
if cmd == "consumers":  # qy-os consumers QUEUE...: every RPC queue exists and has a consumer
    import amqp
    c = amqp.Connection(host="127.0.0.1:$p_amqp", userid="guest", password="guest", connect_timeout=3)
    c.connect()
    for q in sys.argv[2:]:
        try:
            _, _, consumers = c.channel().queue_declare(q, passive=True)
        except amqp.exceptions.NotFound:
            sys.exit(q + ": no such queue yet")
        if not consumers:
            sys.exit(q + ": no consumer yet")
    sys.exit(0)
from keystoneauth1 import session
from keystoneauth1.identity import v3
def sess(user="admin", password="admin", project="admin"):
    return session.Session(auth=v3.Password(
        auth_url="$ks/v3", username=user, password=password, project_name=project,
        user_domain_id="default", project_domain_id="default"))
if cmd == "register":  # idempotent: users, services and endpoints of the four services
    s = sess()
    ep = {"endpoint_filter": {"service_type": "identity", "interface": "public"}}
    def get(path, key, **q):
        r = s.get(path, params=q, **ep).json()[key]
        return r[0]["id"] if r else None
    def post(path, key, body):
        return s.post(path, json={key: body}, **ep).json()[key]["id"]
    service_project = (get("/projects", "projects", name="service", domain_id="default")
                       or post("/projects", "project", {"name": "service", "domain_id": "default"}))
    admin_role = get("/roles", "roles", name="admin")
    for name, stype, url in (("nova", "compute", "http://127.0.0.1:$p_no/v2.1"),
                             ("placement", "placement", "http://127.0.0.1:$p_pl"),
                             ("glance", "image", "http://127.0.0.1:$p_gl"),
                             ("neutron", "network", "http://127.0.0.1:$p_ne")):
        user = (get("/users", "users", name=name, domain_id="default")
                or post("/users", "user", {"name": name, "domain_id": "default", "password": "openstack",
                                           "default_project_id": service_project}))
        s.put("/projects/%s/users/%s/roles/%s" % (service_project, user, admin_role), **ep)
        svc = (get("/services", "services", type=stype)
               or post("/services", "service", {"type": stype, "name": name}))
        for iface in ("public", "internal", "admin"):
            if not get("/endpoints", "endpoints", service_id=svc, interface=iface):
                post("/endpoints", "endpoint", {"service_id": svc, "interface": iface, "url": url,
                                                "region_id": "RegionOne"})
    sys.exit(0)
if cmd == "cloud-ready":  # both hypervisors up in nova and both resource providers in placement
    s = sess()
    hv = s.get("/os-hypervisors", endpoint_filter={"service_type": "compute"}).json()["hypervisors"]
    up = sorted(h["hypervisor_hostname"] for h in hv if h["state"] == "up")
    rps = s.get("/resource_providers", endpoint_filter={"service_type": "placement"}).json()
    names = sorted(r["name"] for r in rps["resource_providers"])
    print("hypervisors up:", up, "resource providers:", names)
    sys.exit(0 if up == ["compute1", "compute2"] and names == ["compute1", "compute2"] else 1)
sys.exit("unknown command " + cmd)
PY
  chmod 755 "$dir"/bin/*

  # SQL run by mariadbd itself at every start, before it accepts connections: no root login needed.
  # (--init-file wants one statement per line, each ending in ;)
  cat >"$dir/etc/mariadb-init.sql" <<SQL
CREATE DATABASE IF NOT EXISTS keystone;
CREATE DATABASE IF NOT EXISTS placement;
CREATE DATABASE IF NOT EXISTS glance;
CREATE DATABASE IF NOT EXISTS neutron;
CREATE DATABASE IF NOT EXISTS nova_api;
CREATE DATABASE IF NOT EXISTS nova_cell0;
CREATE DATABASE IF NOT EXISTS nova;
CREATE USER IF NOT EXISTS 'os'@'127.0.0.1' IDENTIFIED BY 'os';
GRANT ALL PRIVILEGES ON *.* TO 'os'@'127.0.0.1';
SQL
  : >"$dir/rabbit/rabbitmq-env.conf"
  echo "listeners.tcp.1 = 127.0.0.1:$p_amqp" >"$dir/rabbit/rabbitmq.conf"
  echo "[]." >"$dir/rabbit/enabled_plugins"

  # The service users authenticate to keystone like this (a shared block).
  auth_block() { # auth_block USER
    cat <<INI
auth_url = $ks/v3
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = $1
password = openstack
region_name = RegionOne
INI
  }
  authtoken() { # keystonemiddleware for API service USER
    printf '[keystone_authtoken]\nwww_authenticate_uri = %s/v3\n' "$ks"; auth_block "$1"
  }

  cat >"$dir/etc/keystone/keystone.conf" <<INI
[database]
connection = $db/keystone
[token]
provider = fernet
[fernet_tokens]
key_repository = $dir/keystone/fernet-keys
[fernet_receipts]
key_repository = $dir/keystone/fernet-keys
[credential]
key_repository = $dir/keystone/credential-keys
INI

  { cat <<INI
[api]
auth_strategy = keystone
[placement_database]
connection = $db/placement
INI
    authtoken placement; } >"$dir/etc/placement/placement.conf"

  cp "$cache/unpacked/usr/share/glance-common/glance-api-paste.ini" "$dir/etc/glance/"
  { cat <<INI
[DEFAULT]
bind_host = 127.0.0.1
bind_port = $p_gl
# one process
workers = 0
node_staging_uri = file://$dir/glance/staging
[database]
connection = $db/glance
[paste_deploy]
flavor = keystone
config_file = $dir/etc/glance/glance-api-paste.ini
[glance_store]
stores = file,http
default_store = file
filesystem_store_datadir = $dir/glance/images
[oslo_concurrency]
lock_path = $dir/lock
[oslo_messaging_notifications]
driver = noop
INI
    authtoken glance; } >"$dir/etc/glance/glance-api.conf"

  cp "$cache/unpacked/usr/share/neutron-common/api-paste.ini" "$dir/etc/neutron/"
  { cat <<INI
[DEFAULT]
bind_host = 127.0.0.1
bind_port = $p_ne
state_path = $dir/neutron
api_paste_config = $dir/etc/neutron/api-paste.ini
transport_url = $mq
auth_strategy = keystone
core_plugin = ml2
# without the router plugin some port attributes nova reads are missing
service_plugins = router
api_workers = 0
rpc_workers = 1
rpc_state_report_workers = 0
# no real networking and no nova callbacks: a bare ML2 server that answers [] is all nova needs
notify_nova_on_port_status_changes = false
notify_nova_on_port_data_changes = false
graceful_shutdown_timeout = 1
[database]
connection = $db/neutron
[ml2]
type_drivers = flat
tenant_network_types =
mechanism_drivers =
extension_drivers = port_security
[oslo_concurrency]
lock_path = $dir/lock
INI
    authtoken neutron; } >"$dir/etc/neutron/neutron.conf"

  cp "$cache/unpacked/usr/share/nova-common/api-paste.ini" "$dir/etc/nova/"
  { cat <<INI
[DEFAULT]
# The fake driver reports 1000 vCPU / 800000 MB / 600000 GB per host; plain FakeDriver cannot live-migrate.
compute_driver = fake.FakeLiveMigrateDriver
my_ip = 127.0.0.1
transport_url = $mq
enabled_apis = osapi_compute
osapi_compute_listen = 127.0.0.1
osapi_compute_listen_port = $p_no
osapi_compute_workers = 1
# no real networking: no periodic neutron polling from the computes
heal_instance_info_cache_interval = -1
state_path = $dir/nova
instances_path = $dir/nova/instances
# a test cloud has nothing to drain; with 5 the scheduler takes 6 s to stop
graceful_shutdown_timeout = 1
[wsgi]
api_paste_config = $dir/etc/nova/api-paste.ini
[api_database]
connection = $db/nova_api
[database]
connection = $db/nova
[conductor]
workers = 1
[scheduler]
workers = 1
# this script maps the two hosts itself, once
discover_hosts_in_cells_interval = -1
[vnc]
enabled = false
[oslo_concurrency]
lock_path = $dir/lock
INI
    authtoken nova
    echo "[placement]"; auth_block nova
    echo "[neutron]"; auth_block nova
  } >"$dir/etc/nova/nova.conf"
  local h
  for h in compute1 compute2; do printf '[DEFAULT]\nhost = %s\n' "$h" >"$dir/etc/nova/$h.conf"; done

  cat >"$dir/clouds.yaml" <<YAML
clouds:
  qianyun-loopback:
    auth:
      auth_url: http://127.0.0.1:$p_ks/v3
      username: admin
      password: admin
      project_name: admin
      user_domain_name: Default
      project_domain_name: Default
    region_name: RegionOne
    identity_api_version: 3
    interface: public
YAML
}

# ---- the daemons
start_mariadb() {
  if [ ! -d "$dir/mysql/mysql" ]; then
    run_step mariadb mariadb-install-db --no-defaults --user=root --datadir="$dir/mysql" --skip-test-db \
      || fail mariadb "mariadb-install-db failed"
  fi
  # The socket lives in DIR unless that path is too long for a unix socket.
  local sock="$dir/run/mysqld.sock"
  [ ${#sock} -lt 100 ] || sock="/tmp/qianyun-os-mysqld-$p_db.sock"
  # Durability is worth nothing here: no flush per commit, no doublewrite, no binlog.
  launch mariadb mariadbd --no-defaults --user=root --datadir="$dir/mysql" --socket="$sock" \
    --pid-file="$dir/run/mariadbd.pid" --bind-address=127.0.0.1 --port="$p_db" --skip-name-resolve \
    --max-connections=1000 --innodb-buffer-pool-size=128M --performance-schema=OFF \
    --innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0 --skip-log-bin \
    --init-file="$dir/etc/mariadb-init.sql"
}
start_rabbit() {
  # epmd first and by us: it gets a pid file instead of being daemonized by beam.
  ( export ERL_EPMD_PORT=$p_epmd; launch epmd epmd -address 127.0.0.1 -port "$p_epmd" )
  # rabbitmq's own script from its lib dir: the sbin wrapper would switch to the rabbitmq user.
  # No system file is read: an empty env file and our config; the cookie goes to this HOME.
  ( export HOME="$dir/rabbit" ERL_EPMD_PORT="$p_epmd" ERL_EPMD_ADDRESS=127.0.0.1 \
      RABBITMQ_NODENAME=rabbit@localhost RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT="$p_amqp" \
      RABBITMQ_DIST_PORT="$p_dist" RABBITMQ_CONF_ENV_FILE="$dir/rabbit/rabbitmq-env.conf" \
      RABBITMQ_CONFIG_FILE="$dir/rabbit/rabbitmq.conf" RABBITMQ_ADVANCED_CONFIG_FILE="$dir/rabbit/advanced.config" \
      RABBITMQ_ENABLED_PLUGINS_FILE="$dir/rabbit/enabled_plugins" RABBITMQ_MNESIA_BASE="$dir/rabbit/mnesia" \
      RABBITMQ_LOG_BASE="$dir/log/rabbitmq" RABBITMQ_PID_FILE="$dir/run/rabbitmq-beam.pid" \
      RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
    launch rabbitmq "$(ls -d /usr/lib/rabbitmq/lib/rabbitmq_server-*/sbin | sort -V | tail -n 1)/rabbitmq-server" )
}
uwsgi_app() { # uwsgi_app NAME PORT WSGI-FILE
  # --http-socket does no keep-alive, and keystoneauth reuses connections: without "Connection:
  # close" clients get ConnectionResetError / RemoteDisconnected.
  launch "$1" uwsgi --plugin python3 --master --die-on-term --need-app --processes 1 --threads 4 \
    --http-socket "127.0.0.1:$2" --wsgi-file "$3" --add-header "Connection: close" --buffer-size 65535 \
    --disable-logging
}
start_keystone() {
  OS_KEYSTONE_CONFIG_FILES="$dir/etc/keystone/keystone.conf" uwsgi_app keystone "$p_ks" /usr/bin/keystone-wsgi-public
}
then_keystone() { # the other services' users, services and endpoints, once
  [ ! -f "$dir/state/keystone.registered" ] || return 0
  wait_for keystone "keystone on port $p_ks" http_up "http://127.0.0.1:$p_ks/v3"
  run_step keystone "$dir/bin/qy-os" register
  touch "$dir/state/keystone.registered"
}
start_placement() {
  OS_PLACEMENT_CONFIG_DIR="$dir/etc/placement" uwsgi_app placement "$p_pl" /usr/bin/placement-api
}
start_glance() { launch glance "$dir/bin/glance-api" --config-file "$dir/etc/glance/glance-api.conf"; }
start_neutron() { launch neutron "$dir/bin/neutron-server" --config-file "$dir/etc/neutron/neutron.conf"; }
start_nova() {
  local s
  # nova-conductor logs in to keystone as nova at startup (for placement): not before that user exists.
  until [ -f "$dir/state/keystone.registered" ]; do
    [ "$(date +%s)" -lt "$deadline" ] || fail keystone "timed out (${timeout}s) waiting for keystone's registrations"
    sleep 0.2
  done
  # (and they reconnect to rabbitmq with a growing backoff if it is not listening yet)
  wait_for rabbitmq "rabbitmq on port $p_amqp" listening "$p_amqp"
  for s in api conductor scheduler; do launch "nova-$s" "$dir/bin/nova-$s" --config-file "$dir/etc/nova/nova.conf"; done
}
start_computes() {
  local h
  for h in compute1 compute2; do
    launch "nova-$h" "$dir/bin/nova-compute" --config-file "$dir/etc/nova/nova.conf" --config-file "$dir/etc/nova/$h.conf"
  done
}

# ---- the one-time DB work, one background job per service
job_keystone() {
  local m=(/usr/bin/python3 /usr/bin/keystone-manage --config-file "$dir/etc/keystone/keystone.conf")
  run_step keystone "${m[@]}" db_sync
  run_step keystone "${m[@]}" fernet_setup --keystone-user root --keystone-group root
  run_step keystone "${m[@]}" credential_setup --keystone-user root --keystone-group root
  run_step keystone "${m[@]}" bootstrap --bootstrap-password admin --bootstrap-region-id RegionOne \
    --bootstrap-admin-url "http://127.0.0.1:$p_ks/v3/" --bootstrap-internal-url "http://127.0.0.1:$p_ks/v3/" \
    --bootstrap-public-url "http://127.0.0.1:$p_ks/v3/"
}
job_placement() { run_step placement /usr/bin/python3 /usr/bin/placement-manage --config-file "$dir/etc/placement/placement.conf" db sync; }
job_glance() { run_step glance "$dir/bin/glance-manage" --config-file "$dir/etc/glance/glance-api.conf" db_sync; }
job_neutron() { run_step neutron "$dir/bin/neutron-db-manage" --config-file "$dir/etc/neutron/neutron.conf" upgrade heads; }
job_nova() {
  local m=("$dir/bin/nova-manage" --config-file "$dir/etc/nova/nova.conf")
  run_step nova-manage "${m[@]}" api_db sync
  run_step nova-manage "${m[@]}" cell_v2 map_cell0 --database_connection "mysql+pymysql://os:os@127.0.0.1:$p_db/nova_cell0"
  if ! "${m[@]}" cell_v2 list_cells 2>/dev/null | grep -q ' cell1 '; then
    run_step nova-manage "${m[@]}" cell_v2 create_cell --name cell1
  fi
  run_step nova-manage "${m[@]}" db sync
}

# bring_up NAME...: for each service in parallel, its one-time DB work (job_NAME, skipped once
# DIR/state/NAME.synced exists), then its daemons (start_NAME), then then_NAME if there is one;
# fails on the first error.
# Nova's schema sync (single-threaded, about half the cold start), keystone (nova-conductor dies
# at startup if it cannot log in as nova) and nova's daemons are the critical path: placement,
# glance and neutron run at nice 10 meanwhile, so they only take the CPU left idle, and get their
# normal priority back once all is up.
bring_up() {
  local name pids=() names=() i
  for name in "$@"; do
    ( set -e; in_job=1
      case $name in placement|glance|neutron) renice -n 10 -p "$BASHPID" >/dev/null ;; esac
      if [ ! -f "$dir/state/$name.synced" ]; then "job_$name"; touch "$dir/state/$name.synced"; fi
      "start_$name"
      if declare -F "then_$name" >/dev/null; then "then_$name"; fi ) &
    pids+=($!) names+=("$name")
  done
  for i in "${!pids[@]}"; do
    wait "${pids[$i]}" || { local n=${names[$i]}; [ "$n" = nova ] && n=nova-manage; fail "$n" "setting up ${names[$i]} failed"; }
  done
  for name in placement glance neutron; do
    alive "$name" && { renice -n 0 -g "$(cat "$dir/run/$name.pid")" >/dev/null || true; }
  done
  return 0
}

do_start() {
  mkdir -p "$dir"; dir=$(cd "$dir" && pwd)
  # The daemons run Debian's python3 with Debian's dist-packages only, whatever venv called us.
  unset PYTHONPATH PYTHONHOME PYTHONSTARTUP VIRTUAL_ENV
  t0=$(date +%s); timeout=${QIANYUN_OS_START_TIMEOUT:-300}; deadline=$((t0 + timeout))
  if packages_missing || paste_missing; then do_install >&2; fi
  ports
  local s n_alive=0
  for s in "${services[@]}"; do alive "$s" && n_alive=$((n_alive + 1)); done
  if [ "$n_alive" = "${#services[@]}" ]; then
    say "a control plane is already running in $dir"
    echo "$dir/clouds.yaml"; return 0
  fi
  if [ "$n_alive" -gt 0 ]; then say "part of an earlier control plane still runs in $dir: stopping it first"; stop_all >&2; fi
  local p
  for p in $p_db $p_epmd $p_amqp $p_dist $p_ks $p_pl $p_gl $p_ne $p_no; do
    listening "$p" && { echo "openstack.sh: port $p on 127.0.0.1 is taken (another control plane? QIANYUN_OS_PORT_OFFSET shifts them all)" >&2; exit 1; }
  done
  rm -f "$dir"/run/*.pid "$dir"/run/*.start
  write_files
  say "$([ -f "$dir/state/ready" ] && echo warm || echo cold) start in $dir (ports +$off)"

  start_mariadb
  start_rabbit
  wait_for mariadb "MariaDB on port $p_db" sql nova "SELECT 1"
  say "mariadb up"
  # The schema syncs are independent: in parallel they take little more than nova's alone (the
  # notes measured 25 s saved with the syncs in parallel).
  bring_up keystone placement glance neutron nova
  say "databases synced, services started"
  # The computes need a conductor that listens (or they wait 10 s per ping), keystone's catalog and
  # placement (or their resource providers wait for the next periodic task, 60 s). A nova service
  # listens once its RPC queue has a consumer; its first report in the services table comes 5 s
  # later, and old rows and reports from before a warm restart would prove nothing.
  wait_for keystone "keystone on port $p_ks" http_up "http://127.0.0.1:$p_ks/v3"
  wait_for placement "placement on port $p_pl" http_up "http://127.0.0.1:$p_pl/"
  wait_for rabbitmq "rabbitmq on port $p_amqp" listening "$p_amqp"
  wait_for nova-conductor "nova-conductor on its RPC queue" "$dir/bin/qy-os" consumers conductor
  start_computes
  say "computes started"
  wait_for glance "glance on port $p_gl" http_up "http://127.0.0.1:$p_gl/"
  wait_for neutron "neutron on port $p_ne" http_up "http://127.0.0.1:$p_ne/"
  wait_for nova-api "nova-api on port $p_no" http_up "http://127.0.0.1:$p_no/"
  wait_for nova-scheduler "nova-scheduler on its RPC queue" "$dir/bin/qy-os" consumers scheduler
  for s in compute1 compute2; do
    # Its queue comes after its startup resource update: compute_nodes row and resource provider.
    wait_for "nova-$s" "nova-$s on its RPC queue" "$dir/bin/qy-os" consumers "compute.$s"
    wait_for "nova-$s" "$s in compute_nodes" eval "[ \"\$(sql nova \"SELECT COUNT(*) FROM compute_nodes WHERE host='$s' AND deleted=0\")\" = 1 ]"
  done
  if [ ! -f "$dir/state/hosts.discovered" ]; then
    run_step nova-manage "$dir/bin/nova-manage" --config-file "$dir/etc/nova/nova.conf" cell_v2 discover_hosts \
      || fail nova-manage "nova-manage cell_v2 discover_hosts failed"
    touch "$dir/state/hosts.discovered"
  fi
  wait_for nova-api "both hypervisors up in nova and placement" "$dir/bin/qy-os" cloud-ready
  touch "$dir/state/ready"
  say "ready"
  echo "$dir/clouds.yaml"
}

# ----------------------------------------------------------------------------------------------- stop

stop_group() { # stop_group NAME...: TERM to each process group, KILL what is left after 10 s
  local name pid pids=()
  for name in "$@"; do
    pid=$(cat "$dir/run/$name.pid" 2>/dev/null) || continue
    # Ours: the leader is still the process launch started, or it is gone (or a zombie) but its
    # group lives on (a pid is not reused while it names a process group).
    if alive "$name" || { leader_gone "$pid" && group_alive "$pid"; }; then
      kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid")
    else
      rm -f "$dir/run/$name.pid" "$dir/run/$name.start"
    fi
  done
  local i
  for i in $(seq 1 100); do
    local left=0
    for pid in "${pids[@]}"; do group_alive "$pid" && left=1; done
    [ $left = 0 ] && break
    sleep 0.1
  done
  for name in "$@"; do
    [ -f "$dir/run/$name.pid" ] || continue
    pid=$(cat "$dir/run/$name.pid")
    if group_alive "$pid"; then
      kill -KILL -- "-$pid" 2>/dev/null || true; echo "openstack.sh: $name ignored TERM for 10 s: killed" >&2
    fi
    rm -f "$dir/run/$name.pid" "$dir/run/$name.start"
  done
}
stop_all() {
  # OpenStack first (all at once), then what they talk to: no reconnect noise in their logs.
  stop_group keystone placement glance neutron nova-api nova-conductor nova-scheduler nova-compute1 nova-compute2
  stop_group rabbitmq
  stop_group epmd
  stop_group mariadb
}

case "$cmd" in
  install) do_install; echo "openstack.sh: packages installed; Debian's service files in $cache/unpacked" >&2 ;;
  start) dir=${2:?start DIR}; do_start ;;
  restart-compute)
    # A compute host back from a failure: nova keeps a host that was evacuated forced down until its
    # nova-compute has started again and cleaned up (the migration records go from done to completed).
    dir=${2:?restart-compute DIR HOST}; host=${3:?restart-compute DIR HOST}
    dir=$(cd "$dir" && pwd)
    case "$host" in compute1|compute2) ;; *) echo "openstack.sh: unknown compute host $host" >&2; exit 2 ;; esac
    stop_group "nova-$host"
    launch "nova-$host" "$dir/bin/nova-compute" --config-file "$dir/etc/nova/nova.conf" \
      --config-file "$dir/etc/nova/$host.conf" ;;
  stop)
    dir=${2:?stop DIR}
    [ -d "$dir" ] || exit 0
    dir=$(cd "$dir" && pwd)
    stop_all ;;
  *) echo "usage: openstack.sh install | start DIR | stop DIR | restart-compute DIR HOST" >&2; exit 2 ;;
esac
