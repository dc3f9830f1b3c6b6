"""A seeded, realistic Guizhou fleet as a fleet document of the optimizer contract.

Used three ways: the simulator's initial state, test fixtures, and the optimizer's benchmarks.
Every current placement obeys the contract's default rules (home cloud or province overflow, MLPS
level, capacity on every resource, spread groups on distinct hosts, the backup node only for DR
replicas); what cannot be placed without breaking a rule is left pending (host null). Hosts end up
roughly half full and scattered by a randomized first fit, so consolidation has something to gain.
One city cloud (`STRANDED_CLOUD`) is fuller and fragmented instead: its free room is stranded, so
the demo shows a quota request that fits only after migrations (docs/quotas.md).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from adapters.guizhou import (
    BACKUP_CLOUD, CLOUD_BY_ID, CLOUD_SIZE, CLOUDS, DEPARTMENT_DOMAIN, DEPARTMENTS, PROVINCE_CLOUD, SYSTEMS,
    department_home,
)
from adapters.protocol import DepartmentInfo

RESOURCES: list[str] = ["vcpu", "memory_gib", "gpu", "storage_gib"]


@dataclass(frozen=True)
class ServerModel:
    """A server model as bought by the clouds (capacity as offered to VMs)."""

    name: str
    vcpu: int
    memory_gib: int
    gpu: int
    storage_gib: int

    def capacity(self) -> dict[str, float]:
        return {"vcpu": self.vcpu, "memory_gib": self.memory_gib, "gpu": self.gpu, "storage_gib": self.storage_gib}


CPU_MODELS: tuple[ServerModel, ...] = (
    ServerModel("Inspur NF5270M6", 64, 256, 0, 7680),
    ServerModel("H3C UniServer R4900 G5", 96, 384, 0, 11520),
    ServerModel("Huawei TaiShan 200 2280", 128, 512, 0, 15360),
    ServerModel("Sugon I620-G40", 192, 768, 0, 23040),
)
GPU_MODELS: tuple[ServerModel, ...] = (
    ServerModel("H3C UniServer R5300 G5 (4 GPU)", 64, 512, 4, 7680),
    ServerModel("Inspur NF5468M6 (8 GPU)", 96, 768, 8, 15360),
)
# Qiannan's cloud bought one entry server in two memory configurations: a third of its hosts
# memory-rich (its databases), the rest lean; its scheduler spreads each VM to the host left least
# full on its fuller resource. So every host ends up nearly full on one resource: the memory-rich
# ones on vCPU, the lean ones on memory; the cloud has room in aggregate, but quota in pieces of a
# few vCPU and 20-30 GiB finds no host until some workloads move (fragmentation: stranded resources).
STRANDED_CLOUD = "qn"
STRANDED_MODELS: tuple[ServerModel, ServerModel] = (
    ServerModel("Inspur NF5270M6 (128 GiB)", 64, 128, 0, 7680),
    ServerModel("Inspur NF5270M6 (384 GiB)", 64, 384, 0, 7680),
)
_STRANDED_RICH_SHARE = 1 / 3
# Weights over CPU_MODELS: the province centre buys big servers, small cities buy small ones.
_MODEL_MIX: dict[str, tuple[int, ...]] = {
    "province": (0, 2, 4, 3), "backup": (0, 3, 4, 1), "gy": (1, 4, 3, 1), "city": (4, 4, 1, 0),
    "industry": (2, 4, 2, 0),
}
_BIG_GPU_CLOUDS = {PROVINCE_CLOUD, "gy", "health", BACKUP_CLOUD}
_GPU_REQUIRED = {PROVINCE_CLOUD, "gy", "health", "edu"}  # clouds that always get a GPU host if they can

# VM flavors (vcpu, memory_gib, weight), biased to the small ones as in any government cloud.
_FLAVORS: tuple[tuple[int, int, int], ...] = (
    (1, 2, 10), (2, 4, 16), (2, 8, 18), (4, 8, 16), (4, 16, 17), (8, 16, 8), (8, 32, 8),
    (16, 32, 3), (16, 64, 3), (32, 64, 1), (32, 128, 1),
)
_GPU_FLAVORS: tuple[tuple[int, int, int, int], ...] = ((8, 32, 1, 5), (16, 64, 1, 3), (16, 64, 2, 3), (32, 128, 4, 1))
_STORAGE: tuple[tuple[int, int], ...] = ((40, 22), (100, 25), (200, 20), (500, 16), (1000, 11), (2000, 6))
_COMPONENTS = {1: ("app",), 2: ("app", "db"), 3: ("web", "app", "db"), 4: ("web", "app", "db", "cache")}
_RTO_BY_PRIORITY = {1: (15, 30, 60), 2: (60, 120, 240), 3: (240, 480)}

TARGET_FILL = (0.40, 0.68)  # per-host ceiling on vcpu/memory during the initial first fit
_BACKUP_FILL = 0.8  # the backup node's fill after a failover of the province cloud


@dataclass
class GeneratedFleet:
    """The contract document plus what the contract does not carry (names, server models)."""

    doc: dict[str, Any]
    host_models: dict[str, str] = field(default_factory=dict)
    workload_names: dict[str, str] = field(default_factory=dict)


@dataclass
class _Spec:
    dept: DepartmentInfo
    cls: str
    mlps: int
    vcpu: int
    mem: int
    gpu: int
    storage: int
    target: str  # cloud it is meant to run on
    name: str
    spread: str | None = None
    role: str = "primary"
    dr: dict[str, Any] = field(default_factory=lambda: {"protected": False})
    pending: bool = False
    host: str | None = None
    pinned: bool = False


def generate_fleet(hosts: int = 300, workloads: int = 3000, seed: int = 0) -> dict:
    """A contract fleet document of exactly `hosts` hosts and `workloads` workloads, same for a seed."""
    return build_fleet(hosts, workloads, seed).doc


def build_fleet(hosts: int = 300, workloads: int = 3000, seed: int = 0) -> GeneratedFleet:
    """generate_fleet with the names and server models the simulator shows besides the document."""
    if hosts < 0 or workloads < 0:
        raise ValueError("hosts and workloads must be >= 0")
    rng = random.Random(seed)
    specs = _workload_specs(rng, workloads)
    host_rows, models = _hosts(rng, hosts, specs)
    _gpu_workloads(rng, specs, host_rows)
    normal = [s for s in specs if s.cls != "classified" and s.role == "primary"]
    for s in rng.sample(normal, round(len(normal) * 0.01)):
        s.pending = True
    _place(rng, specs, host_rows)
    placed = [s for s in normal if s.host is not None]
    for s in rng.sample(placed, round(len(placed) * 0.01)):
        s.pinned = True
    _strand(STRANDED_CLOUD, specs, host_rows, models)  # after every draw of `rng`: the other clouds stay as they were

    doc_workloads = []
    names: dict[str, str] = {}
    for i, s in enumerate(specs, start=1):
        wid = f"w-{i:06d}"
        names[wid] = s.name
        doc_workloads.append({
            "id": wid, "department": s.dept.id, "tier": s.dept.level, "city": s.dept.city,
            "industry": s.dept.industry, "classification": s.cls, "mlps_level": s.mlps,
            "demand": {"vcpu": s.vcpu, "memory_gib": s.mem, "gpu": s.gpu, "storage_gib": s.storage},
            "host": s.host, "spread_group": s.spread, "pinned": s.pinned, "role": s.role, "dr": dict(s.dr),
        })
    doc = {
        "resources": list(RESOURCES),
        "clouds": [{"id": c.id, "kind": c.kind, "city": c.city, "industry": c.industry, "mlps_level": c.mlps_level}
                   for c in CLOUDS],
        "hosts": [{"id": h["id"], "cloud": h["cloud"], "schedulable": True, "capacity": dict(h["capacity"])}
                  for h in host_rows],
        "workloads": doc_workloads,
        "objective": {"mode": "consolidate", "max_migrations": None, "time_limit_s": 30},
        "failed_clouds": [],
    }
    return GeneratedFleet(doc, models, names)


# --- workloads -------------------------------------------------------------------------------------

def _weighted(rng: random.Random, items: tuple, weight_index: int = -1) -> tuple:
    return rng.choices(items, weights=[it[weight_index] for it in items])[0]


def _dept_weights() -> list[float]:
    """A department's share: its cloud's size split among the cloud's bodies (counties weigh half)."""
    raw = [0.5 if d.level == "county" else 1.0 for d in DEPARTMENTS]
    per_cloud: dict[str, float] = {}
    for d, w in zip(DEPARTMENTS, raw):
        per_cloud[department_home(d)] = per_cloud.get(department_home(d), 0.0) + w
    return [CLOUD_SIZE[department_home(d)] * w / per_cloud[department_home(d)] for d, w in zip(DEPARTMENTS, raw)]


def _classification(rng: random.Random, home_mlps: int) -> tuple[str, int]:
    r = rng.random()
    if r < 0.30:
        return "public", 2
    if r < 0.85:
        return "internal", 3 if (home_mlps >= 3 and rng.random() < 0.4) else 2
    # Sensitive systems are graded level 3; in a level-2 city some are, and then run on the province cloud.
    return "sensitive", 3 if (home_mlps >= 3 or rng.random() < 0.3) else 2


def _dr(rng: random.Random) -> dict[str, Any]:
    if rng.random() >= 0.4:
        return {"protected": False}
    priority = rng.choices((1, 2, 3), weights=(2, 3, 5))[0]
    return {"protected": True, "priority": priority, "rto_minutes": rng.choice(_RTO_BY_PRIORITY[priority])}


def _workload_specs(rng: random.Random, n: int) -> list[_Spec]:
    n_classified = n // 500 if n >= 500 else (1 if n >= 20 else 0)
    n_replica = n // 200 if n >= 200 else (1 if n >= 40 else 0)
    n_normal = n - n_classified - n_replica
    cum = list(np.cumsum(_dept_weights()))
    depts = list(DEPARTMENTS)
    specs: list[_Spec] = []
    systems: list[list[_Spec]] = []
    system_no = 0
    while len(specs) < n_normal:
        system_no += 1
        remaining = n_normal - len(specs)
        size = min(rng.choice((2, 2, 3, 3, 4)), remaining)
        dept = rng.choices(depts, cum_weights=cum)[0]
        home = department_home(dept)
        home_mlps = CLOUD_BY_ID[home].mlps_level
        cls, mlps = _classification(rng, home_mlps)
        target = home if mlps <= home_mlps else PROVINCE_CLOUD
        spread = f"sys-{system_no:05d}" if size >= 2 and rng.random() < 0.2 else None
        dr = _dr(rng)
        sys_zh, _ = rng.choice(SYSTEMS[DEPARTMENT_DOMAIN[dept.id]])
        members: list[_Spec] = []
        flavor = _weighted(rng, _FLAVORS)
        storage = _weighted(rng, _STORAGE)[0]
        for k in range(size):
            if spread is None:  # a tiered system: each part sized on its own
                flavor = _weighted(rng, _FLAVORS)
                storage = _weighted(rng, _STORAGE)[0]
                part = _COMPONENTS[size][k]
            else:  # a cluster of identical nodes that must not share a host
                part = f"node-{k + 1}"
            members.append(_Spec(dept, cls, mlps, flavor[0], flavor[1], 0, storage, target,
                                 f"{dept.name} {sys_zh} {part}", spread=spread, dr=dict(dr)))
        specs.extend(members)
        systems.append(members)
    protected = [m for sys in systems for m in sys if m.dr.get("protected")]
    for src in rng.sample(protected, min(n_replica, len(protected))) if protected else []:
        specs.append(_Spec(src.dept, src.cls, src.mlps, src.vcpu, src.mem, 0, src.storage, BACKUP_CLOUD,
                           f"{src.name} 灾备副本", role="dr-replica"))
    while len(specs) < n:  # classified systems (and replicas, if nothing was protected): never placed
        dept = rng.choices(depts, cum_weights=cum)[0]
        flavor = _weighted(rng, _FLAVORS)
        specs.append(_Spec(dept, "classified", 3, flavor[0], flavor[1], 0, _weighted(rng, _STORAGE)[0],
                           department_home(dept), f"{dept.name} 涉密系统"))
    tail = specs[n_normal:]  # replicas and classified mixed; their ids follow the systems'
    rng.shuffle(tail)
    specs[n_normal:] = tail
    return specs


# --- hosts -----------------------------------------------------------------------------------------

def _mix(cloud: str) -> tuple[int, ...]:
    kind = CLOUD_BY_ID[cloud].kind
    return _MODEL_MIX["gy" if cloud == "gy" else kind]


def _mean_vcpu(cloud: str) -> float:
    mix = _mix(cloud)
    return sum(m.vcpu * w for m, w in zip(CPU_MODELS, mix)) / sum(mix)


def _split(total: int, weights: dict[str, float], minimum: int) -> dict[str, int]:
    """Largest-remainder split of `total` in proportion to weights; the small ones topped up to
    `minimum` at the expense of the largest, so the proportions of the rest stay honest."""
    keys = list(weights)
    wsum = sum(weights.values()) or 1.0
    quotas = {k: total * weights[k] / wsum for k in keys}
    counts = {k: int(quotas[k]) for k in keys}
    left = total - sum(counts.values())
    for k in sorted(keys, key=lambda k: (-(quotas[k] - counts[k]), k))[:left]:
        counts[k] += 1
    for k in sorted(keys):
        while counts[k] < minimum:
            donor = max(keys, key=lambda d: (counts[d], d))
            if counts[donor] <= minimum:
                break
            counts[donor] -= 1
            counts[k] += 1
    return counts


def _hosts(rng: random.Random, n: int, specs: list[_Spec]) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Hosts per cloud in proportion to the demand meant to run there; the backup node sized for the
    province cloud's protected workloads."""
    demand = {c.id: 0.0 for c in CLOUDS}
    protected_prov = 0.0
    for s in specs:
        if s.cls == "classified":
            continue
        d = max(s.vcpu, s.mem / 4)
        demand[s.target] += d
        if s.target == PROVINCE_CLOUD and s.dr.get("protected"):
            protected_prov += d
    # The backup node in absolute terms (room for a failover of the province cloud), the rest by share.
    minimum = min(4, n // (3 * len(demand))) if n >= 3 * len(demand) else min(1, n // len(demand))
    backup = (demand[BACKUP_CLOUD] + protected_prov) / _BACKUP_FILL / _mean_vcpu(BACKUP_CLOUD)
    n_backup = max(minimum, min(int(np.ceil(backup)), n // 4))
    weights = {c: demand[c] / _mean_vcpu(c) for c in demand if c != BACKUP_CLOUD}
    counts = _split(n - n_backup, weights, minimum)
    counts[BACKUP_CLOUD] = n_backup
    rows: list[dict[str, Any]] = []
    models: dict[str, str] = {}
    for c in CLOUDS:
        count = counts[c.id]
        n_gpu = round(0.05 * count)
        if n_gpu == 0 and c.id in _GPU_REQUIRED and count >= 3:
            n_gpu = 1
        gpu_slots = set(rng.sample(range(count), n_gpu))
        for k in range(count):
            if k in gpu_slots:
                model = GPU_MODELS[1] if (c.id in _BIG_GPU_CLOUDS and rng.random() < 0.6) else GPU_MODELS[0]
            else:
                model = rng.choices(CPU_MODELS, weights=_mix(c.id))[0]
            hid = f"{c.id}-h{k + 1:04d}"
            rows.append({"id": hid, "cloud": c.id, "capacity": model.capacity()})
            models[hid] = model.name
    return rows, models


def _gpu_workloads(rng: random.Random, specs: list[_Spec], hosts: list[dict[str, Any]]) -> None:
    """Turn some workloads of clouds with GPU hosts into GPU workloads, about half the GPUs' worth."""
    gpus: dict[str, float] = {}
    for h in hosts:
        gpus[h["cloud"]] = gpus.get(h["cloud"], 0) + h["capacity"]["gpu"]
    mean_gpu = sum(f[2] * f[3] for f in _GPU_FLAVORS) / sum(f[3] for f in _GPU_FLAVORS)
    for cloud in sorted(gpus):
        if cloud == BACKUP_CLOUD or gpus[cloud] == 0:
            continue
        pool = [s for s in specs if s.target == cloud and s.spread is None and s.cls != "classified"
                and s.role == "primary"]
        for s in rng.sample(pool, min(len(pool), int(0.45 * gpus[cloud] / mean_gpu))):
            s.vcpu, s.mem, s.gpu, _ = _weighted(rng, _GPU_FLAVORS)


# --- placement -------------------------------------------------------------------------------------

class _CloudSlots:
    """Free room of one cloud's hosts during the initial randomized first fit."""

    def __init__(self, rng: random.Random, ids: list[str], caps: list[dict[str, float]]) -> None:
        self.ids = ids
        self.cap = np.array([[c[r] for r in RESOURCES] for c in caps], dtype=float).reshape(len(ids), 4)
        ceiling = np.array([rng.uniform(*TARGET_FILL) for _ in ids], dtype=float)
        self.lim = self.cap.copy()
        self.lim[:, 0] *= ceiling
        self.lim[:, 1] *= ceiling
        self.used = np.zeros_like(self.cap)

    def find(self, rng: random.Random, d: np.ndarray, exclude: set[int], soft: bool) -> int | None:
        if not self.ids:
            return None
        bound = self.lim if soft else self.cap
        if d[2] == 0:  # most hosts can take a CPU workload: a few random tries before a scan
            for _ in range(4):
                i = rng.randrange(len(self.ids))
                if i not in exclude and bool(np.all(self.used[i] + d <= bound[i] + 1e-9)):
                    return i
        ok = np.all(self.used + d <= bound + 1e-9, axis=1)
        if exclude:
            ok[list(exclude)] = False
        idx = np.flatnonzero(ok)
        return int(idx[rng.randrange(len(idx))]) if len(idx) else None


def _place(rng: random.Random, specs: list[_Spec], hosts: list[dict[str, Any]]) -> None:
    by_cloud: dict[str, tuple[list[str], list[dict[str, float]]]] = {c.id: ([], []) for c in CLOUDS}
    for h in hosts:
        by_cloud[h["cloud"]][0].append(h["id"])
        by_cloud[h["cloud"]][1].append(h["capacity"])
    slots = {c: _CloudSlots(rng, ids, caps) for c, (ids, caps) in by_cloud.items()}
    groups: dict[str, dict[str, set[int]]] = {}  # spread group -> cloud -> host indexes taken
    order = [s for s in specs if s.cls != "classified" and not s.pending]
    rng.shuffle(order)
    for s in order:
        d = np.array([s.vcpu, s.mem, s.gpu, s.storage], dtype=float)
        if s.role == "dr-replica":
            tries = [(BACKUP_CLOUD, True), (BACKUP_CLOUD, False)]
        else:
            home = department_home(s.dept)
            clouds = [home] if CLOUD_BY_ID[home].mlps_level >= s.mlps else []
            if home != PROVINCE_CLOUD:
                clouds.append(PROVINCE_CLOUD)
            tries = [(c, soft) for c in clouds for soft in (True, False)]
        taken = groups.setdefault(s.spread, {}) if s.spread else None
        for cloud, soft in tries:
            exclude = taken.setdefault(cloud, set()) if taken is not None else set()
            i = slots[cloud].find(rng, d, exclude, soft)
            if i is not None:
                slots[cloud].used[i] += d
                exclude.add(i)
                s.host = slots[cloud].ids[i]
                break


def _strand(cloud: str, specs: list[_Spec], hosts: list[dict[str, Any]], models: dict[str, str]) -> None:
    """Re-equip `cloud`'s hosts with STRANDED_MODELS and re-place its workloads as its scheduler would:
    largest first, each on the host left least full on its fuller resource (deterministic, no draw).
    A workload that no longer fits waits (host null, never pinned)."""
    rows = [h for h in hosts if h["cloud"] == cloud]
    if not rows:
        return
    rich = round(len(rows) * _STRANDED_RICH_SHARE)
    for k, h in enumerate(rows):
        model = STRANDED_MODELS[1] if k < rich else STRANDED_MODELS[0]
        h["capacity"] = model.capacity()
        models[h["id"]] = model.name
    index = {h["id"]: i for i, h in enumerate(rows)}
    cap = np.array([[h["capacity"][r] for r in RESOURCES] for h in rows], dtype=float)
    used = np.zeros_like(cap)
    mine = [s for s in specs if s.host in index]
    scale = np.where(cap.max(axis=0) > 0, cap.max(axis=0), 1.0)
    mine.sort(key=lambda s: -float(np.max(np.array([s.vcpu, s.mem, s.gpu, s.storage]) / scale)))
    taken: dict[str, set[int]] = {}
    for s in mine:
        d = np.array([s.vcpu, s.mem, s.gpu, s.storage], dtype=float)
        ok = np.all(used + d <= cap + 1e-9, axis=1)
        if s.spread:
            ok[list(taken.get(s.spread, ()))] = False
        if not ok.any():
            s.host, s.pinned = None, False
            continue
        fill = np.max(np.divide(used + d, cap, out=np.zeros_like(cap), where=cap > 0), axis=1)
        i = int(np.argmin(np.where(ok, fill, np.inf)))
        used[i] += d
        s.host = rows[i]["id"]
        if s.spread:
            taken.setdefault(s.spread, set()).add(i)
