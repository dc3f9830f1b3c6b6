"""The fleet document (optimizer-contract.md): dataclasses and strict parsing.

Nothing is guessed: a document that breaks the contract is refused with a `FleetError` whose
message names the field and the id (``workloads[w-000017].demand.vcpu: must be >= 0, got -4``),
because an operator must be able to fix the source data from that one line.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from optimizer.power import OBJECTIVES, HostPower

CLOUD_KINDS = ("province", "city", "industry", "backup")
TIERS = ("province", "city", "county")
CLASSIFICATIONS = ("public", "internal", "sensitive", "classified")
ROLES = ("primary", "dr-replica")
MODES = ("consolidate", "balance")
DEFAULT_PRIORITY = 3  # the adapters' DrProfile default, used when a protected workload names none


class FleetError(ValueError):
    """A fleet document that breaks the contract; the message names the field and the id."""


@dataclass(frozen=True)
class Cloud:
    id: str
    kind: str
    city: str | None
    industry: str | None
    mlps_level: int


@dataclass(frozen=True)
class Host:
    id: str
    cloud: str
    schedulable: bool
    capacity: dict[str, float]
    # optional extension (fleet-and-plan-contract.md, "Power"): the host's idle and full watts
    power: HostPower | None = None


@dataclass(frozen=True)
class Dr:
    protected: bool = False
    priority: int = DEFAULT_PRIORITY
    rto_minutes: int | None = None


@dataclass(frozen=True)
class Workload:
    id: str
    department: str
    tier: str
    city: str | None
    industry: str | None
    classification: str
    mlps_level: int
    demand: dict[str, float]
    host: str | None
    spread_group: str | None = None
    pinned: bool = False
    role: str = "primary"
    dr: Dr = field(default_factory=Dr)


@dataclass(frozen=True)
class Objective:
    mode: str = "consolidate"
    max_migrations: int | None = None
    time_limit_s: float = 30.0
    # optional extension (fleet-and-plan-contract.md): the share of each resource a host may be filled
    # to by what it receives; a resource not named (or no field at all) is 1.0, the contract as it was
    fill_target: dict[str, float] = field(default_factory=dict)
    # optional extension: what consolidation minimises, "hosts" (the contract as it was) or "power"
    minimise: str = "hosts"


@dataclass
class Fleet:
    """A parsed fleet plus dense indices (numpy arrays) the solvers share."""

    resources: list[str]
    clouds: list[Cloud]
    hosts: list[Host]
    workloads: list[Workload]
    objective: Objective
    failed_clouds: list[str]
    doc: dict[str, Any] = field(repr=False, default_factory=dict)
    # Clouds whose workloads cannot cross to or from any other cloud (each is its own OpenStack or
    # Kubernetes system; a VM cannot live-migrate between two deployments). Not part of the contract's
    # document: the service sets it from its clouds registry.
    isolated_clouds: frozenset[str] = frozenset()
    cloud_by_id: dict[str, Cloud] = field(init=False, repr=False)
    host_index: dict[str, int] = field(init=False, repr=False)
    workload_index: dict[str, int] = field(init=False, repr=False)
    # `cap` is what the solvers pack against: the capacity times the fill target, raised for a host
    # already above its target to what it holds now (it keeps that, receives nothing: `full`, so every
    # final load stays within `cap` and the LP bound on `cap` stays proven); `raw_cap` is the capacity
    cap: np.ndarray = field(init=False, repr=False)
    raw_cap: np.ndarray = field(init=False, repr=False)
    full: np.ndarray = field(init=False, repr=False)  # above its fill target before the plan: may not receive
    dem: np.ndarray = field(init=False, repr=False)
    host_cloud: list[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.cloud_by_id = {c.id: c for c in self.clouds}
        self.host_index = {h.id: i for i, h in enumerate(self.hosts)}
        self.workload_index = {w.id: i for i, w in enumerate(self.workloads)}
        r = self.resources
        self.cap = np.array([[h.capacity.get(k, 0.0) for k in r] for h in self.hosts], dtype=float).reshape(
            len(self.hosts), len(r)
        )
        self.dem = np.array([[w.demand.get(k, 0.0) for k in r] for w in self.workloads], dtype=float).reshape(
            len(self.workloads), len(r)
        )
        self.host_cloud = [h.cloud for h in self.hosts]
        self.raw_cap = self.cap
        self.full = np.zeros(len(self.hosts), dtype=bool)
        if self.objective.fill_target:
            self.cap, self.full = targeted_capacity(self)

    def with_objective(self, **changes: Any) -> "Fleet":
        """A copy with some objective fields (or failed_clouds) replaced; parsing is not repeated."""
        failed = changes.pop("failed_clouds", None)
        obj = Objective(**{**self.objective.__dict__, **changes})
        f = Fleet(self.resources, self.clouds, self.hosts, self.workloads, obj,
                  list(self.failed_clouds if failed is None else failed), self.doc, self.isolated_clouds)
        if failed is not None:
            for c in failed:
                if c not in f.cloud_by_id:
                    raise FleetError(f"failed_clouds: unknown cloud {c!r}")
        return f


FILL_TOL = 1e-6  # the checker's tolerance: a host above target by less is within it


def targeted_capacity(f: Fleet) -> tuple[np.ndarray, np.ndarray]:
    """(capacity the solvers pack against, hosts above target now) for the fleet's fill targets.

    A host's load now counts every workload whose `host` it is. A host within target on every
    resource gets capacity * target; one above it on any resource is `full` (it may not receive)
    and keeps room for what it holds, never above its capacity.
    """
    target = np.array([f.objective.fill_target.get(k, 1.0) for k in f.resources], dtype=float)
    load = np.zeros_like(f.raw_cap)
    for i, w in enumerate(f.workloads):
        if w.host is not None:
            load[f.host_index[w.host]] += f.dem[i]
    named = np.array([k in f.objective.fill_target for k in f.resources], dtype=bool)
    above = (load > f.raw_cap * target + FILL_TOL) & named
    full = above.any(axis=1) if len(f.resources) else np.zeros(len(f.hosts), dtype=bool)
    cap = f.raw_cap * target
    cap = np.where(full[:, None], np.minimum(f.raw_cap, np.maximum(cap, load)), cap)
    return cap, full


# ---------------------------------------------------------------- parsing helpers


MAX_AMOUNT = 1e12  # far beyond any host (a petabyte of GiB); keeps every sum of amounts finite


def _is_num(v: Any) -> bool:
    """A finite int or float (an int too large for a float, like 10**400, is not)."""
    if not isinstance(v, (int, float)) or isinstance(v, bool):
        return False
    try:
        return math.isfinite(float(v))
    except OverflowError:
        return False


def _show(v: Any) -> str:
    """A value for an error line: short even for a 400-digit integer."""
    r = repr(v)
    return r if len(r) <= 40 else f"{r[:20]}...({len(r)} characters)"


def _req(obj: dict[str, Any], key: str, where: str) -> Any:
    if key not in obj:
        raise FleetError(f"{where}.{key}: required field is missing")
    return obj[key]


def _opt_str(obj: dict[str, Any], key: str, where: str) -> str | None:
    v = obj.get(key)
    if v is not None and not isinstance(v, str):
        raise FleetError(f"{where}.{key}: must be a string or null, got {v!r}")
    return v


def _enum(v: Any, allowed: tuple[str, ...], where: str) -> str:
    if v not in allowed:
        raise FleetError(f"{where}: must be one of {', '.join(allowed)}, got {v!r}")
    return v


def _bool(obj: dict[str, Any], key: str, default: bool, where: str) -> bool:
    v = obj.get(key, default)
    if v is None:
        return default
    if not isinstance(v, bool):
        raise FleetError(f"{where}.{key}: must be true or false, got {v!r}")
    return v


def _int(v: Any, where: str, lo: int | None = None, hi: int | None = None) -> int:
    if not _is_num(v) or float(v) != int(v):
        raise FleetError(f"{where}: must be an integer, got {_show(v)}")
    v = int(v)
    if lo is not None and v < lo:
        raise FleetError(f"{where}: must be >= {lo}, got {v}")
    if hi is not None and v > hi:
        raise FleetError(f"{where}: must be <= {hi}, got {v}")
    return v


def _amounts(v: Any, resources: set[str], where: str) -> dict[str, float]:
    if not isinstance(v, dict):
        raise FleetError(f"{where}: must be an object of resource amounts, got {type(v).__name__}")
    out: dict[str, float] = {}
    for k, x in v.items():
        if k not in resources:
            raise FleetError(f"{where}.{k}: unknown resource name (resources are {', '.join(sorted(resources))})")
        if not _is_num(x):
            raise FleetError(f"{where}.{k}: must be a finite number, got {_show(x)}")
        if x < 0:
            raise FleetError(f"{where}.{k}: must be >= 0, got {x:g}")
        if x > MAX_AMOUNT:
            raise FleetError(f"{where}.{k}: must be <= {MAX_AMOUNT:g}, got {_show(x)}")
        out[k] = float(x)
    return out


def _items(doc: dict[str, Any], key: str) -> list[Any]:
    v = _req(doc, key, "fleet")
    if not isinstance(v, list):
        raise FleetError(f"{key}: must be a list, got {type(v).__name__}")
    return v


def _item_id(item: Any, key: str, i: int, seen: set[str]) -> str:
    if not isinstance(item, dict):
        raise FleetError(f"{key}[{i}]: must be an object, got {type(item).__name__}")
    if "id" not in item:
        raise FleetError(f"{key}[{i}].id: required field is missing")
    iid = item["id"]
    if not isinstance(iid, str) or not iid:
        raise FleetError(f"{key}[{i}].id: must be a non-empty string, got {iid!r}")
    if iid in seen:
        raise FleetError(f"{key}[{iid}].id: duplicate id {iid!r}")
    seen.add(iid)
    return iid


def _fill_target(v: Any, resources: list[str]) -> dict[str, float]:
    """objective.fill_target: resource -> share in (0, 1]; absent or null is no target."""
    if v is None:
        return {}
    if not isinstance(v, dict):
        raise FleetError(f"objective.fill_target: must be an object of resource shares, got {type(v).__name__}")
    out: dict[str, float] = {}
    for k, x in v.items():
        if k not in resources:
            raise FleetError(f"objective.fill_target.{k}: unknown resource name (resources are {', '.join(sorted(resources))})")
        if not _is_num(x) or not 0 < x <= 1:
            raise FleetError(f"objective.fill_target.{k}: must be a number > 0 and <= 1, got {_show(x)}")
        out[k] = float(x)
    return out


MAX_WATTS = 1e6  # a megawatt: far beyond any one server


def _power(v: Any, where: str) -> HostPower | None:
    """hosts[..].power: {"idle_w", "full_w"}, 0 <= idle_w <= full_w; absent or null is no power data."""
    if v is None:
        return None
    if not isinstance(v, dict):
        raise FleetError(f"{where}: must be an object with idle_w and full_w, got {type(v).__name__}")
    for k in v:
        if k not in ("idle_w", "full_w"):
            raise FleetError(f"{where}.{k}: unknown field (power has idle_w and full_w)")
    out: dict[str, float] = {}
    for k in ("idle_w", "full_w"):
        x = _req(v, k, where)
        if not _is_num(x) or not 0 <= x <= MAX_WATTS:
            raise FleetError(f"{where}.{k}: must be a number >= 0 and <= {MAX_WATTS:g}, got {_show(x)}")
        out[k] = float(x)
    if out["full_w"] < out["idle_w"]:
        raise FleetError(f"{where}.full_w: must be >= idle_w ({out['idle_w']:g}), got {out['full_w']:g}")
    return HostPower(out["idle_w"], out["full_w"])


# ---------------------------------------------------------------- the parser


def parse_fleet(doc: Any, isolated_clouds: frozenset[str] | set[str] | None = None) -> Fleet:
    """Validate a fleet document strictly and return the parsed `Fleet`.

    `isolated_clouds`: clouds no workload may enter or leave (see `Fleet.isolated_clouds`).
    """
    if isinstance(doc, Fleet):
        if isolated_clouds is not None and frozenset(isolated_clouds) != doc.isolated_clouds:
            doc = Fleet(doc.resources, doc.clouds, doc.hosts, doc.workloads, doc.objective, doc.failed_clouds,
                        doc.doc, frozenset(isolated_clouds))
        return doc
    if not isinstance(doc, dict):
        raise FleetError(f"fleet: must be a JSON object, got {type(doc).__name__}")

    res = _items(doc, "resources")
    resources: list[str] = []
    for i, r in enumerate(res):
        if not isinstance(r, str) or not r:
            raise FleetError(f"resources[{i}]: must be a non-empty string, got {r!r}")
        if r in resources:
            raise FleetError(f"resources[{i}]: duplicate resource name {r!r}")
        resources.append(r)
    rset = set(resources)

    clouds: list[Cloud] = []
    seen: set[str] = set()
    single: dict[str, str] = {}
    homes: dict[tuple[str, str], str] = {}
    for i, c in enumerate(_items(doc, "clouds")):
        cid = _item_id(c, "clouds", i, seen)
        where = f"clouds[{cid}]"
        kind = _enum(_req(c, "kind", where), CLOUD_KINDS, f"{where}.kind")
        city = _opt_str(c, "city", where)
        industry = _opt_str(c, "industry", where)
        mlps = _int(_req(c, "mlps_level", where), f"{where}.mlps_level", 1, 5)
        if kind in ("province", "backup"):
            if kind in single:
                raise FleetError(f"{where}.kind: a second {kind} cloud (already {single[kind]!r})")
            single[kind] = cid
        if kind == "city":
            if city is None:
                raise FleetError(f"{where}.city: required for a city cloud")
            if ("city", city) in homes:
                raise FleetError(f"{where}.city: city {city!r} already has cloud {homes[('city', city)]!r}")
            homes[("city", city)] = cid
        if kind == "industry":
            if industry is None:
                raise FleetError(f"{where}.industry: required for an industry cloud")
            if ("industry", industry) in homes:
                raise FleetError(
                    f"{where}.industry: industry {industry!r} already has cloud {homes[('industry', industry)]!r}"
                )
            homes[("industry", industry)] = cid
        clouds.append(Cloud(cid, kind, city, industry, mlps))

    hosts: list[Host] = []
    seen = set()
    for i, h in enumerate(_items(doc, "hosts")):
        hid = _item_id(h, "hosts", i, seen)
        where = f"hosts[{hid}]"
        cloud = _req(h, "cloud", where)
        if cloud not in homes.values() and cloud not in single.values():
            raise FleetError(f"{where}.cloud: unknown cloud {cloud!r}")
        sched = _bool(h, "schedulable", True, where)
        cap = _amounts(_req(h, "capacity", where), rset, f"{where}.capacity")
        hosts.append(Host(hid, cloud, sched, cap, _power(h.get("power"), f"{where}.power")))
    host_ids = seen

    workloads: list[Workload] = []
    seen = set()
    for i, w in enumerate(_items(doc, "workloads")):
        wid = _item_id(w, "workloads", i, seen)
        where = f"workloads[{wid}]"
        dept = w.get("department", "")
        if dept is None:
            dept = ""
        if not isinstance(dept, str):
            raise FleetError(f"{where}.department: must be a string, got {dept!r}")
        tier = _enum(_req(w, "tier", where), TIERS, f"{where}.tier")
        city = _opt_str(w, "city", where)
        industry = _opt_str(w, "industry", where)
        if tier in ("city", "county") and city is None and industry is None:
            raise FleetError(f"{where}.city: required for tier {tier} (no industry given either)")
        cls = _enum(_req(w, "classification", where), CLASSIFICATIONS, f"{where}.classification")
        mlps = _int(_req(w, "mlps_level", where), f"{where}.mlps_level", 1, 5)
        demand = _amounts(_req(w, "demand", where), rset, f"{where}.demand")
        host = w.get("host")
        if host is not None and (not isinstance(host, str) or host not in host_ids):
            raise FleetError(f"{where}.host: no host {host!r} in hosts")
        sg = _opt_str(w, "spread_group", where)
        pinned = _bool(w, "pinned", False, where)
        role = _enum(w.get("role", "primary") or "primary", ROLES, f"{where}.role")
        drd = w.get("dr") or {}
        if not isinstance(drd, dict):
            raise FleetError(f"{where}.dr: must be an object, got {type(drd).__name__}")
        prot = _bool(drd, "protected", False, f"{where}.dr")
        prio = drd.get("priority")
        prio = DEFAULT_PRIORITY if prio is None else _int(prio, f"{where}.dr.priority", 1)
        rto = drd.get("rto_minutes")
        rto = None if rto is None else _int(rto, f"{where}.dr.rto_minutes", 0)
        workloads.append(Workload(wid, dept, tier, city, industry, cls, mlps, demand, host, sg, pinned, role,
                                  Dr(prot, prio, rto)))

    objd = doc.get("objective") or {}
    if not isinstance(objd, dict):
        raise FleetError(f"objective: must be an object, got {type(objd).__name__}")
    mode = _enum(objd.get("mode", "consolidate") or "consolidate", MODES, "objective.mode")
    mm = objd.get("max_migrations")
    mm = None if mm is None else _int(mm, "objective.max_migrations", 0)
    tl = objd.get("time_limit_s", 30)
    if tl is None:
        tl = 30
    if not _is_num(tl) or tl <= 0 or tl > 86400:
        raise FleetError(f"objective.time_limit_s: must be a number > 0 and <= 86400, got {_show(tl)}")
    fill = _fill_target(objd.get("fill_target"), resources)
    minimise = objd.get("minimise")
    minimise = "hosts" if minimise is None else _enum(minimise, OBJECTIVES, "objective.minimise")
    if minimise == "power":
        if mode != "consolidate":
            raise FleetError(f"objective.minimise: 'power' applies to mode consolidate, got mode {mode!r}")
        for h in hosts:
            if h.power is None:
                raise FleetError(f"hosts[{h.id}].power: required when objective.minimise is 'power'")

    failed = doc.get("failed_clouds") or []
    if not isinstance(failed, list):
        raise FleetError(f"failed_clouds: must be a list, got {type(failed).__name__}")
    cloud_ids = {c.id for c in clouds}
    for i, c in enumerate(failed):
        if c not in cloud_ids:
            raise FleetError(f"failed_clouds[{i}]: unknown cloud {c!r}")

    isolated = frozenset(isolated_clouds or ())
    for c in sorted(isolated - cloud_ids):
        raise FleetError(f"isolated_clouds: unknown cloud {c!r}")
    return Fleet(resources, clouds, hosts, workloads, Objective(mode, mm, float(tl), fill, minimise), list(dict.fromkeys(failed)), doc,
                 isolated)
