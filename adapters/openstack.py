"""One OpenStack deployment as one Qianyun cloud, through the official `openstacksdk`.

Hypervisors are hosts (capacity from placement inventories, os-hypervisors where there is no
placement endpoint); servers are workloads (demand from their flavors); a move is a live migration
to a named host, falling back to a cold migration and its confirmation when the live one is refused
or fails; a failover restart is an evacuation (rebuild on another host); compute quotas are read and
set per project. docs/adapters.md describes the metadata keys read.

Every action waits for the server to settle (ACTIVE, SHUTOFF, VERIFY_RESIZE or ERROR) within a
timeout, and every action is idempotent: a server already on its target host is done, a cold
migration found waiting for confirmation on its target is confirmed. That is what lets the executor
issue an interrupted move again after a restart.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from adapters.facts import TIERS, check_cloud, choice, cloud_info, local_name, workload_info
from adapters.protocol import AdapterError, CloudInfo, DepartmentInfo, Health, HostInfo, Inventory, WorkloadInfo
from adapters.resilience import CallPolicy, CircuitBreaker

META_PREFIX = "qianyun:"
_TRANSIENT = {408, 429, 500, 502, 503, 504}
_SETTLED = {"ACTIVE", "SHUTOFF", "VERIFY_RESIZE", "ERROR", "PAUSED", "SUSPENDED", "SHELVED"}
_MOVABLE = {"ACTIVE", "SHUTOFF"}
_GONE = {"DELETED", "SOFT_DELETED", "SHELVED_OFFLOADED"}
# nova's migration record once it is over: a live migration ends `completed`, an evacuation `done`
_MIGRATION_DONE = {"completed", "done"}
_MIGRATION_FAILED = {"error", "failed", "cancelled"}
_GPU_CLASS = re.compile(r"^(VGPU|PGPU|CUSTOM_.*GPU.*)$")
# placement resource class -> our resource and the factor to our unit
_PLACEMENT: dict[str, tuple[str, float]] = {"VCPU": ("vcpu", 1.0), "MEMORY_MB": ("memory_gib", 1 / 1024),
                                            "DISK_GB": ("storage_gib", 1.0)}


class OpenStackApiError(AdapterError):
    """An OpenStack API answered with an error; `status` is its HTTP code (0: no answer)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class OpenStackResilience(CallPolicy):
    """The shared call policy plus how long an action may take to settle."""

    action_timeout_s: float = 300.0     # a migration, evacuation or confirmation must settle within this
    action_poll_s: float = 1.0


@dataclass(frozen=True)
class Metadata:
    """Server metadata keys holding Qianyun's facts about a VM (project tags `qianyun:key=value` as fallback)."""

    department: str = META_PREFIX + "department"
    tier: str = META_PREFIX + "tier"
    city: str = META_PREFIX + "city"
    industry: str = META_PREFIX + "industry"
    classification: str = META_PREFIX + "classification"
    mlps_level: str = META_PREFIX + "mlps-level"
    spread_group: str = META_PREFIX + "spread-group"
    pinned: str = META_PREFIX + "pinned"
    role: str = META_PREFIX + "role"
    dr_protected: str = META_PREFIX + "dr-protected"
    dr_priority: str = META_PREFIX + "dr-priority"
    dr_rto_minutes: str = META_PREFIX + "dr-rto-minutes"
    dr_rpo_minutes: str = META_PREFIX + "dr-rpo-minutes"


def flavor_demand(flavor: dict[str, Any]) -> dict[str, float]:
    """What a flavor asks for in our units: vCPU, GiB of memory and disk (root + ephemeral + swap), GPUs."""
    extra = flavor.get("extra_specs") or {}
    gpu = 0.0
    for key, value in extra.items():
        if key.startswith("resources:") and _GPU_CLASS.match(key.split(":", 1)[1]):
            gpu += float(value)
        elif key == "pci_passthrough:alias":  # "a100:2,t4:1"
            for part in str(value).split(","):
                name, _, count = part.partition(":")
                gpu += float(count or 1) if name else 0.0
    swap = flavor.get("swap") or 0
    swap_gib = float(swap) / 1024 if isinstance(swap, (int, float)) else 0.0
    return {"vcpu": float(flavor.get("vcpus") or 0), "memory_gib": round(float(flavor.get("ram") or 0) / 1024, 6),
            "gpu": gpu, "storage_gib": float(flavor.get("disk") or 0) + float(flavor.get("ephemeral") or 0) + swap_gib}


def placement_capacity(inventories: list[dict[str, Any]]) -> dict[str, float]:
    """Schedulable capacity per resource: (total - reserved) x allocation_ratio, as placement computes it."""
    out = {"vcpu": 0.0, "memory_gib": 0.0, "gpu": 0.0, "storage_gib": 0.0}
    for inv in inventories:
        rc = inv.get("resource_class") or ""
        usable = (float(inv.get("total") or 0) - float(inv.get("reserved") or 0)) * float(inv.get("allocation_ratio") or 1)
        if rc in _PLACEMENT:
            ours, factor = _PLACEMENT[rc]
            out[ours] += usable * factor
        elif _GPU_CLASS.match(rc):
            out["gpu"] += usable
    return {k: round(v, 6) for k, v in out.items()}


class OpenStackAdapter:
    """CloudAdapter for one OpenStack deployment that is one Qianyun cloud.

    Connect by a cloud name of `clouds.yaml` (None: $OS_CLOUD, or the OS_* environment variables),
    searched in `clouds_yaml` when given, else where openstacksdk looks ($OS_CLIENT_CONFIG_FILE,
    ./clouds.yaml, ~/.config/openstack, /etc/openstack). The credentials must be an admin's: the
    adapter lists every project's servers and migrates them. Host ids are "<cloud>/<compute host>",
    workload ids "<cloud>/<server uuid>".
    """

    def __init__(self, cloud: str, *, os_cloud: str | None = None, clouds_yaml: str | Path | None = None,
                 region: str | None = None, info: CloudInfo | None = None, metadata: Metadata = Metadata(),
                 resilience: OpenStackResilience = OpenStackResilience(), default_mlps_level: int = 2,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:
        import openstack.config
        import openstack.connection
        from openstack import exceptions as osexc

        self.cloud = cloud
        self.meta = metadata
        self.res = resilience
        self.default_mlps_level = default_mlps_level
        self._clock, self._sleep = clock, sleep
        self.info = cloud_info(cloud, "openstack", info)
        name = os_cloud or os.environ.get("OS_CLOUD")
        where = f"cloud {name!r} of {clouds_yaml}" if clouds_yaml else f"cloud {name!r}" if name else "OS_* variables"
        try:
            loader = openstack.config.OpenStackConfig(config_files=[str(clouds_yaml)] if clouds_yaml else None)
            region_cfg = loader.get_one(cloud=name, region_name=region,
                                        api_timeout=resilience.read_timeout_s)
            self.conn = openstack.connection.Connection(config=region_cfg)
        except (osexc.SDKException, OSError, KeyError) as e:  # ConfigException, missing file...
            raise AdapterError(f"cloud {cloud}: cannot load OpenStack configuration ({where}): {e}") from e
        self.breaker = CircuitBreaker(resilience.breaker_threshold, resilience.breaker_cooldown_s, clock,
                                      "OpenStack API")
        self._failed_cloud = False
        self._flavors: dict[str, dict[str, Any]] = {}

    def close(self) -> None:
        self.conn.close()

    # --- calls: timeout, retries, breaker ----------------------------------------------------------

    def _call(self, what: str, service: str, method: str, *args: Any, retry: bool = True, **kwargs: Any) -> Any:
        """`conn.<service>.<method>(...)` (a listing read to the end), with retries and the breaker.

        The proxy is looked up inside the try: openstacksdk authenticates and discovers the endpoint
        when a service is first touched, and that too may find the cloud not answering. Only answers
        that say the cloud is in trouble (5xx, 429, no answer) count against the breaker; a 404 or
        409 is the API working.
        """
        from keystoneauth1 import exceptions as ksexc
        from openstack import exceptions as osexc

        delays = self.res.delays() if retry else []
        for attempt in range(len(delays) + 1):
            self.breaker.check(self.cloud)
            try:
                out = getattr(getattr(self.conn, service), method)(*args, **kwargs)
                if hasattr(out, "__next__"):  # the SDK's listings are generators: errors surface while reading
                    out = list(out)
                self.breaker.success()
                return out
            except osexc.HttpException as e:
                status = int(e.status_code or 0)
                detail = _http_detail(e)
            except (ksexc.ConnectionError, ksexc.RequestTimeout) as e:
                status, detail = 0, f"{type(e).__name__}: {e}"
            except (ksexc.ClientException, osexc.SDKException) as e:  # auth, catalogue, discovery failures
                self.breaker.failure()
                raise OpenStackApiError(f"{what}: {type(e).__name__}: {e}", 0) from e
            transient = status == 0 or status in _TRANSIENT
            if not transient:
                self.breaker.success()
                raise OpenStackApiError(f"{what}: {status}: {detail}", status)
            if attempt == len(delays):
                self.breaker.failure()
                msg = f"no answer from OpenStack ({detail})" if status == 0 else f"{status}: {detail}"
                raise OpenStackApiError(f"{what}: {msg} after {attempt + 1} attempt(s)", status)
            self._sleep(delays[attempt])
        raise AssertionError("unreachable")

    # --- catalogue -----------------------------------------------------------------------------------

    def clouds(self) -> list[CloudInfo]:
        return [self.info]

    def _projects(self) -> dict[str, Any]:
        """Projects by id; empty when the credentials may not list them (names then fall back to ids)."""
        try:
            return {p.id: p for p in self._call(f"cloud {self.cloud}: list projects", "identity", "projects")}
        except OpenStackApiError as e:
            if e.status in (401, 403):
                return {}
            raise

    def departments(self) -> list[DepartmentInfo]:
        """Projects tagged `qianyun:department=<id>` are departments; sync creates others it meets on a VM."""
        out: dict[str, DepartmentInfo] = {}
        for p in self._projects().values():
            tags = _tags(p)
            dept = tags.get(self.meta.department)
            if not dept or dept in out:
                continue
            tier = choice(tags.get(self.meta.tier), TIERS, "province")
            out[dept] = DepartmentInfo(dept, p.name or dept, dept, tier, tags.get(self.meta.city) or self.info.city,
                                       tags.get(self.meta.industry) or self.info.industry, None)
        return list(out.values())

    def department_projects(self) -> dict[str, list[str]]:
        """Project ids per department, from the projects' `qianyun:department=<id>` tags."""
        out: dict[str, list[str]] = {}
        for pid, p in self._projects().items():
            dept = _tags(p).get(self.meta.department)
            if dept:
                out.setdefault(dept, []).append(pid)
        return out

    # --- inventory and health ------------------------------------------------------------------------

    def _check_cloud(self, cloud: str) -> None:
        check_cloud(cloud, self.cloud, "OpenStack")

    def host_id(self, compute_host: str) -> str:
        return f"{self.cloud}/{compute_host}"

    def _host_name(self, host: str, workload: str = "") -> str:
        return local_name(self.cloud, host, "compute host of OpenStack cloud", workload)

    def _server_id(self, workload: str, action: str) -> str:
        prefix = f"{self.cloud}/"
        if not workload.startswith(prefix) or "/" in workload[len(prefix):] or len(workload) == len(prefix):
            raise AdapterError(f"cannot {action} {workload}: not a server of OpenStack cloud {self.cloud} "
                               f"(ids look like {prefix}<server uuid>)")
        return workload[len(prefix):]

    def _hypervisors(self) -> list[dict[str, Any]]:
        """Hypervisors as plain dicts with their compute host, state, status and capacity."""
        hyps = self._call(f"cloud {self.cloud}: list hypervisors", "compute", "hypervisors", details=True)
        try:
            rps = {rp.name: rp for rp in self._call(f"cloud {self.cloud}: list resource providers",
                                                    "placement", "resource_providers")}
        except OpenStackApiError as e:  # no placement endpoint in the catalogue: read os-hypervisors
            if e.status not in (0, 404):
                raise
            rps = None
        legacy: dict[str, dict[str, Any]] = {}
        if rps is None:
            resp = self._call(f"cloud {self.cloud}: read hypervisor capacity", "compute", "get",
                              "/os-hypervisors/detail", microversion="2.87")
            legacy = {h["hypervisor_hostname"]: h for h in resp.json().get("hypervisors") or []}
        out = []
        for h in hyps:
            service = h.service_details or {}
            host = service.get("host") or h.name
            if rps is not None and h.name in rps:
                invs = self._call(f"cloud {self.cloud}: read inventories of {h.name}",
                                  "placement", "resource_provider_inventories", rps[h.name])
                cap = placement_capacity([{"resource_class": i.resource_class, "total": i.total,
                                           "reserved": i.reserved, "allocation_ratio": i.allocation_ratio}
                                          for i in invs])
            else:
                old = legacy.get(h.name) or {}
                cap = {"vcpu": float(old.get("vcpus") or 0), "memory_gib": float(old.get("memory_mb") or 0) / 1024,
                       "gpu": 0.0, "storage_gib": float(old.get("local_gb") or 0)}
            out.append({"host": host, "name": h.name, "state": h.state, "status": h.status, "capacity": cap,
                        "type": h.hypervisor_type or ""})
        return out

    def _servers(self) -> list[Any]:
        return self._call(f"cloud {self.cloud}: list servers", "compute", "servers", details=True,
                          all_projects=True)

    def inventory(self, cloud: str) -> Inventory:
        """Hypervisors as hosts, servers on them as workloads, departments from metadata or project tags."""
        self._check_cloud(cloud)
        hyps = self._hypervisors()
        servers = self._servers()
        projects = self._projects()
        hosts = [HostInfo(id=self.host_id(h["host"]), cloud=self.cloud, capacity=h["capacity"],
                          schedulable=h["status"] == "enabled", up=h["state"] == "up" and not self._failed_cloud,
                          model=h["type"]) for h in hyps]
        workloads = [self._workload(s, projects.get(s.project_id)) for s in servers
                     if s.status not in _GONE and s.compute_host]
        return Inventory(cloud=self.cloud, hosts=hosts, workloads=workloads)

    def _flavor(self, server: Any) -> dict[str, Any]:
        """The server's flavor: embedded since microversion 2.47, else looked up (once) by id."""
        f = server.flavor
        d = f.to_dict() if hasattr(f, "to_dict") else dict(f or {})
        if d.get("vcpus") is not None:
            return d
        fid = d.get("id") or server.flavor_id
        if fid not in self._flavors:
            flavor = self._call(f"cloud {self.cloud}: read flavor {fid}", "compute", "get_flavor", fid)
            self._flavors[fid] = flavor.to_dict()
        return self._flavors[fid]

    def _workload(self, s: Any, project: Any) -> WorkloadInfo:
        md = dict(s.metadata or {})
        tags = _tags(project) if project is not None else {}
        M = self.meta

        def get(key: str) -> str | None:
            return md.get(key) or tags.get(key) or None

        # a server in ERROR or in the middle of a task is not a plan's to move
        movable = s.status in _MOVABLE and not s.task_state
        return workload_info(f"{self.cloud}/{s.id}", s.name or s.id, get, M, self.info,
                             department=project.name if project is not None else s.project_id,
                             demand=flavor_demand(self._flavor(s)), host=self.host_id(s.compute_host), movable=movable,
                             default_mlps_level=self.default_mlps_level)

    def health(self, cloud: str) -> Health:
        """Healthy when every nova-compute is up, degraded when some are down, failed when none is."""
        self._check_cloud(cloud)
        services = self._call(f"cloud {self.cloud}: list compute services", "compute", "services",
                              binary="nova-compute")
        if self._failed_cloud:
            return Health(cloud, "failed", "cloud marked failed")
        if not services:
            return Health(cloud, "degraded", "no nova-compute service is registered")
        down = sorted(s.host for s in services if s.state != "up")
        if len(down) == len(services):
            return Health(cloud, "failed", f"no nova-compute is up ({len(services)} service(s))")
        if down:
            return Health(cloud, "degraded", f"{len(down)} of {len(services)} nova-compute down: {', '.join(down)}")
        return Health(cloud, "healthy", f"{len(services)} nova-compute up")

    # --- actions ------------------------------------------------------------------------------------

    def _server(self, server_id: str, what: str) -> Any:
        try:
            return self._call(f"cloud {self.cloud}: {what}: read server {server_id}", "compute", "get_server",
                              server_id)
        except OpenStackApiError as e:
            if e.status == 404:
                raise AdapterError(f"cannot {what}: no server {server_id} in OpenStack cloud {self.cloud}") from e
            raise

    def _check_target(self, host: str, workload: str, action: str) -> None:
        """The target must be a known nova-compute that is up and enabled: fail before asking nova."""
        services = self._call(f"cloud {self.cloud}: list compute services", "compute", "services",
                              binary="nova-compute")
        svc = next((s for s in services if s.host == host), None)
        if svc is None:
            known = ", ".join(sorted(s.host for s in services)) or "none"
            raise AdapterError(f"cannot {action} {workload}: no compute host {host!r} in OpenStack cloud "
                               f"{self.cloud} (known: {known})")
        if svc.state != "up" or svc.status != "enabled":
            raise AdapterError(f"cannot {action} {workload}: compute host {host} is {svc.state} and {svc.status}")

    def _settle(self, server_id: str, what: str) -> Any:
        """The server once no task runs on it (a resumed action may find one half done)."""
        deadline = self._clock() + self.res.action_timeout_s
        while True:
            s = self._server(server_id, what)
            if s.status in _SETTLED and not s.task_state:
                return s
            if self._clock() >= deadline:
                raise AdapterError(f"cannot {what}: server stays busy (status {s.status}, task {s.task_state})")
            self._sleep(self.res.action_poll_s)

    def place(self, workload: WorkloadInfo, host: str) -> None:
        """Qianyun does not boot OpenStack servers; done only when the server already runs on the host."""
        sid = self._server_id(workload.id, "place")
        dst = self._host_name(host, workload.id)
        s = self._server(sid, f"place {workload.id}")
        if s.compute_host != dst:
            raise AdapterError(f"cannot place {workload.id} on {host}: Qianyun does not create OpenStack servers; "
                               f"it runs on {s.compute_host or 'no host'}")

    def migrate(self, workload: str, host: str) -> None:
        """Live-migrate to the host; cold-migrate and confirm when live migration is refused or fails."""
        sid = self._server_id(workload, "migrate")
        dst = self._host_name(host, workload)
        what = f"migrate {workload} to {host}"
        s = self._settle(sid, what)
        if s.status == "VERIFY_RESIZE":  # a cold migration interrupted before its confirmation
            self._finish_resize(s, dst, what)
            s = self._settle(sid, what)
        if s.compute_host == dst and s.status != "ERROR":
            return
        if s.status == "ERROR":
            raise AdapterError(f"cannot {what}: server is in ERROR{_fault(s)}")
        if s.status not in _MOVABLE:
            raise AdapterError(f"cannot {what}: server is {s.status}; only ACTIVE or SHUTOFF servers move")
        self._check_target(dst, workload, "migrate")
        source = s.compute_host
        refused = ""
        if s.status == "ACTIVE":
            started = self._last_migration(sid)
            try:
                self._call(f"cloud {self.cloud}: {what}: live migration", "compute", "live_migrate_server",
                           sid, host=dst, block_migration="auto", retry=False)
            except OpenStackApiError as e:
                if e.status not in (400, 409):
                    raise
                refused = str(e)
            if not refused:
                try:
                    self._arrive(sid, dst, what, "live migration", started)
                    return
                except AdapterError as e:
                    if "ERROR" in str(e):
                        raise
                    refused = str(e)
                self._settle(sid, what)
        self._cold(sid, dst, what, source, refused)

    def _cold(self, sid: str, dst: str, what: str, source: str | None, why: str) -> None:
        try:
            self._call(f"cloud {self.cloud}: {what}: cold migration", "compute", "migrate_server", sid,
                       host=dst, retry=False)
        except OpenStackApiError as e:
            pre = f" after the live migration was refused ({why})" if why else ""
            raise AdapterError(f"{what}: cold migration{pre} refused too: {e}") from e
        s = self._settle(sid, what)
        if s.status == "ERROR":
            raise AdapterError(f"{what}: cold migration left the server in ERROR{_fault(s)}")
        if s.status == "VERIFY_RESIZE":
            self._finish_resize(s, dst, what)
            s = self._settle(sid, what)
        if s.compute_host != dst:
            raise AdapterError(f"{what}: the server is on {s.compute_host} (was on {source}) after the cold migration")

    def _finish_resize(self, s: Any, dst: str, what: str) -> None:
        """Confirm a migration that reached the target, revert one that went elsewhere; wait until done.

        Nova answers the confirmation at once and finishes it behind: the server shows VERIFY_RESIZE,
        without a task, a little longer, so that state is waited out explicitly."""
        confirm = s.compute_host == dst
        self._call(f"cloud {self.cloud}: {what}: {'confirm' if confirm else 'revert'}", "compute",
                   "confirm_server_resize" if confirm else "revert_server_resize", s.id, retry=False)
        deadline = self._clock() + self.res.action_timeout_s
        while True:
            now = self._server(s.id, what)
            if now.status != "VERIFY_RESIZE" and not now.task_state:
                return
            if self._clock() >= deadline:
                raise AdapterError(f"{what}: the {'confirmation' if confirm else 'revert'} did not finish within "
                                   f"{self.res.action_timeout_s:g}s (status {now.status})")
            self._sleep(self.res.action_poll_s)

    def restart_elsewhere(self, workload: str, host: str) -> None:
        """Failover: evacuate (rebuild) the server on the host; its source compute must be down."""
        sid = self._server_id(workload, "restart")
        dst = self._host_name(host, workload)
        what = f"restart {workload} on {host}"
        s = self._settle(sid, what)
        if s.compute_host == dst and s.status in _MOVABLE:
            return
        self._check_target(dst, workload, "restart")
        started = self._last_migration(sid)
        try:
            self._call(f"cloud {self.cloud}: {what}: evacuation", "compute", "evacuate_server", sid, host=dst,
                       retry=False)
        except OpenStackApiError as e:
            raise AdapterError(f"{what}: evacuation refused: {e}") from e
        self._arrive(sid, dst, what, "evacuation", started)

    def _last_migration(self, sid: str) -> int:
        ms = self._call(f"cloud {self.cloud}: list migrations of {sid}", "compute", "migrations", instance_uuid=sid)
        return max((int(m.id) for m in ms), default=0)

    def _arrive(self, sid: str, dst: str, what: str, kind: str, after: int) -> Any:
        """Wait until the server runs on `dst` and nova has closed the migration; fail at once on its failure.

        Nova answers an evacuation before its conductor has moved anything: the server may still show
        its old host, settled, for a moment, so settling alone does not mean done. At the other end, a
        live migration shows the server on its new host, without a task, while the source is still being
        cleaned up and the migration is still `running`: the next action on either host must wait."""
        deadline = self._clock() + self.res.action_timeout_s
        while True:
            s = self._server(sid, what)
            if s.status == "ERROR" and not s.task_state:
                raise AdapterError(f"{what}: the {kind} left the server in ERROR{_fault(s)}")
            if not s.task_state:  # arrived, settled elsewhere (failed), or not begun yet
                ms = [m for m in self._call(f"cloud {self.cloud}: list migrations of {sid}", "compute", "migrations",
                                            instance_uuid=sid) if int(m.id) > after]
                last = max(ms, key=lambda m: int(m.id)).status if ms else None
                if last in _MIGRATION_FAILED:
                    raise AdapterError(f"{what}: nova reports the {kind} failed; the server is on {s.compute_host}")
                if s.compute_host == dst and s.status in _MOVABLE and (not ms or last in _MIGRATION_DONE):
                    return s
            if self._clock() >= deadline:
                raise AdapterError(f"{what}: the server is on {s.compute_host} (status {s.status}) "
                                   f"{self.res.action_timeout_s:g}s after the {kind} began")
            self._sleep(self.res.action_poll_s)

    def set_cloud_failed(self, cloud: str, failed: bool) -> None:
        """A drill's declaration: a real cloud is not switched off from here; sync reports it failed."""
        self._check_cloud(cloud)
        self._failed_cloud = failed

    def _compute_service(self, host: str) -> tuple[Any, str]:
        """The host's nova-compute service and the host's name in nova."""
        name = self._host_name(host)
        services = self._call(f"cloud {self.cloud}: list compute services", "compute", "services",
                              binary="nova-compute", host=name)
        if not services:
            raise AdapterError(f"host {host}: no nova-compute service on {name} in OpenStack cloud {self.cloud}")
        return services[0], name

    def set_host_failed(self, host: str, failed: bool) -> None:
        """Mark the host's nova-compute forced down and disabled (so nova allows evacuation), or undo it."""
        svc, name = self._compute_service(host)
        try:
            self._call(f"cloud {self.cloud}: force {name} {'down' if failed else 'up'}",
                       "compute", "update_service_forced_down", svc, name, "nova-compute", failed)
        except OpenStackApiError as e:
            if not failed and e.status == 400 and "evacuation" in str(e):
                raise AdapterError(f"host {host}: nova keeps it forced down until its nova-compute has restarted "
                                   f"and cleaned up the servers evacuated from it; restart it, then retry ({e})") from e
            raise
        self._switch(svc, name, not failed, "declared failed by Qianyun")

    def set_host_schedulable(self, host: str, schedulable: bool, reason: str = "") -> None:
        """Disable the host's nova-compute service with the reason (nova schedules nothing there; what
        runs there stays), or enable it again."""
        self._switch(*self._compute_service(host), schedulable, reason or "disabled by Qianyun")

    def _switch(self, svc: Any, name: str, enabled: bool, reason: str) -> None:
        if enabled:
            self._call(f"cloud {self.cloud}: enable {name}", "compute", "enable_service", svc, name, "nova-compute")
        else:
            self._call(f"cloud {self.cloud}: disable {name}", "compute", "disable_service", svc, name,
                       "nova-compute", disabled_reason=reason)

    # --- quotas --------------------------------------------------------------------------------------

    def _project_id(self, project: str) -> str:
        found = self._call(f"cloud {self.cloud}: find project {project}", "identity", "find_project", project,
                           ignore_missing=True)
        if found is None:
            raise AdapterError(f"no project {project!r} in OpenStack cloud {self.cloud}")
        return str(found.id)

    def compute_quota(self, project: str) -> dict[str, float]:
        """A project's compute quota in our units (-1: unlimited): vcpu, memory_gib, instances."""
        q = self._call(f"cloud {self.cloud}: read quota of {project}", "compute", "get_quota_set",
                       self._project_id(project))
        ram = float(q.ram) if q.ram is not None else -1.0
        return {"vcpu": float(q.cores), "memory_gib": ram / 1024 if ram >= 0 else -1.0,
                "instances": float(q.instances)}

    def set_compute_quota(self, project: str, *, vcpu: int | None = None, memory_gib: float | None = None,
                          instances: int | None = None) -> dict[str, float]:
        """Set what is given (idempotent: setting the same value twice changes nothing); returns the quota read back."""
        attrs: dict[str, int] = {}
        for key, value in (("cores", vcpu), ("instances", instances)):
            if value is not None:
                if int(value) != value or value < -1:
                    raise AdapterError(f"quota {key}: must be a whole number >= -1, got {value!r}")
                attrs[key] = int(value)
        if memory_gib is not None:
            if memory_gib < 0 and memory_gib != -1:
                raise AdapterError(f"quota memory_gib: must be >= 0 or -1, got {memory_gib!r}")
            attrs["ram"] = -1 if memory_gib == -1 else int(round(memory_gib * 1024))
        if not attrs:
            raise AdapterError("quota: give at least one of vcpu, memory_gib, instances")
        pid = self._project_id(project)
        self._call(f"cloud {self.cloud}: set quota of {project}", "compute", "update_quota_set", pid, **attrs)
        return self.compute_quota(pid)

    def quotas(self) -> dict[str, dict[str, float]]:
        """Every project's compute quota, by project name."""
        return {p.name or pid: self.compute_quota(pid) for pid, p in self._projects().items()}


def _http_detail(e: Any) -> str:
    details = getattr(e, "details", None) or ""
    return (str(details) or getattr(e, "message", "") or str(e)).strip()


def _fault(s: Any) -> str:
    fault = s.fault or {}
    msg = fault.get("message") if isinstance(fault, dict) else str(fault)
    return f": {msg}" if msg else ""


def _tags(project: Any) -> dict[str, str]:
    """`qianyun:key=value` project tags as a mapping (keystone tags may not contain '/' or ',')."""
    out: dict[str, str] = {}
    for t in getattr(project, "tags", None) or []:
        k, sep, v = str(t).partition("=")
        if sep and k.startswith(META_PREFIX):
            out[k] = v
    return out
