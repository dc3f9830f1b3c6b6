"""A scenario's changes: checked against today's fleet, then applied to a copy of its fleet document.

Every change is checked before anything is applied or stored, and a refusal names the field at fault
(`changes.add_hosts[0].type`), so a scenario is either taken whole or not at all. Applying never
touches the database or a cloud: it edits a deep copy of the document the plans are solved on.
"""

from __future__ import annotations

import copy
import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from policies.model import Policy
from policies.power import MINIMISE
from scheduler.core.db import MAX_ROW_ID
from scheduler.core.models import RESOURCES, Cloud, Department, Host, Workload
from scheduler.core.messages import Msg, msg
from scheduler.core.refusal import Refusal
from scheduler.quotas.ledger import home_cloud
from scheduler.quotas.models import QuotaRequest

Amounts = dict[str, float]
CHANGE_KEYS = ("add_hosts", "retire_hosts", "lose_clouds", "lose_hosts", "grow_departments", "grow_clouds",
               "quota_requests", "new_systems", "policy")
MAX_COUNT = 10_000  # hosts or systems one change may add: a typo of 1e9 is refused, not planned
MAX_SHARE = 10.0  # growth of at most 1000 % in one change
CLASSIFICATIONS = ("public", "internal", "sensitive")


@dataclass(frozen=True)
class HostChange:
    cloud: str
    type: str
    count: int


@dataclass(frozen=True)
class Growth:
    target: str  # a department or a cloud id
    share: float


@dataclass(frozen=True)
class NewSystems:
    department: str
    cloud: str  # the cloud its quota counts on (its home cloud unless given)
    count: int
    demand: Amounts
    classification: str = "internal"
    mlps_level: int = 2
    protected: bool = False
    priority: int = 3
    rto_minutes: int = 240
    spread: bool = False  # the copies of one entry run on distinct hosts


@dataclass(frozen=True)
class Changes:
    """A scenario's changes, checked; `to_json` is what is stored and shown back."""

    add_hosts: tuple[HostChange, ...] = ()
    retire_hosts: tuple[HostChange, ...] = ()
    lose_clouds: tuple[str, ...] = ()
    lose_hosts: tuple[str, ...] = ()
    grow_departments: tuple[Growth, ...] = ()
    grow_clouds: tuple[Growth, ...] = ()
    quota_requests: tuple[int, ...] = ()
    new_systems: tuple[NewSystems, ...] = ()
    policy: tuple[tuple[str, float | str], ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "add_hosts": [dataclasses.asdict(h) for h in self.add_hosts],
            "retire_hosts": [dataclasses.asdict(h) for h in self.retire_hosts],
            "lose_clouds": list(self.lose_clouds), "lose_hosts": list(self.lose_hosts),
            "grow_departments": [{"department": g.target, "share": g.share} for g in self.grow_departments],
            "grow_clouds": [{"cloud": g.target, "share": g.share} for g in self.grow_clouds],
            "quota_requests": list(self.quota_requests),
            "new_systems": [{"department": n.department, "cloud": n.cloud, "count": n.count, "demand": dict(n.demand),
                             "classification": n.classification, "mlps_level": n.mlps_level, "spread": n.spread,
                             "dr": {"protected": n.protected, "priority": n.priority, "rto_minutes": n.rto_minutes}}
                            for n in self.new_systems],
            "policy": dict(self.policy),
        }


# ------------------------------------------------------------------------------------------ reading


def _list(raw: dict[str, Any], key: str) -> list[Any]:
    v = raw.get(key)
    if v is None:
        return []
    if not isinstance(v, list):
        raise Refusal(422, f"changes.{key}", msg("whatif.list"))
    return v


def _obj(v: Any, where: str, keys: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(v, dict):
        raise Refusal(422, where, msg("whatif.object_with", keys=list(keys)))
    for k in v:
        if k not in keys:
            raise Refusal(422, f"{where}.{k}", msg("whatif.unknown_field", keys=list(keys)))
    return v


def _str(v: Any, where: str) -> str:
    if not isinstance(v, str) or not v:
        raise Refusal(422, where, msg("whatif.non_empty_string"))
    return v


def _int(v: Any, where: str, lo: int, hi: int) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise Refusal(422, where, msg("invalid.whole_number", got=repr(v)))
    if not lo <= v <= hi:
        raise Refusal(422, where, msg("whatif.between", lo=lo, hi=hi, got=v))
    return v


def _number(v: Any, where: str) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise Refusal(422, where, msg("invalid.number", got=repr(v)))
    return float(v)


def _share(v: Any, where: str) -> float:
    s = _number(v, where)
    if s <= 0:
        raise Refusal(422, where, msg("whatif.share_above_zero", got=f"{s:g}"))
    if s > MAX_SHARE:
        raise Refusal(422, where, msg("whatif.share_at_most", most=f"{MAX_SHARE:g}", percent=f"{MAX_SHARE * 100:.0f}", got=f"{s:g}"))
    return s


def _bool(v: Any, where: str) -> bool:
    if not isinstance(v, bool):
        raise Refusal(422, where, msg("invalid.bool", got=repr(v)))
    return v


@dataclass
class Ground:
    """What the checks read from today's database, once."""

    clouds: dict[str, Cloud]
    departments: dict[str, Department]
    host_types: dict[str, Amounts]  # server model -> capacity (of its first host by id)
    hosts: dict[str, str]  # host id -> cloud


def ground(session: Session) -> Ground:
    clouds = {c.id: c for c in session.exec(select(Cloud))}
    depts = {d.id: d for d in session.exec(select(Department))}
    types: dict[str, Amounts] = {}
    hosts: dict[str, str] = {}
    for h in session.exec(select(Host).order_by(Host.id)):
        hosts[h.id] = h.cloud_id
        if h.model and h.model not in types:
            types[h.model] = {r: float(getattr(h, r)) for r in RESOURCES}
    return Ground(clouds, depts, types, hosts)


def _cloud(g: Ground, v: Any, where: str, scope: str) -> str:
    cid = _str(v, where)
    if cid not in g.clouds:
        raise Refusal(422, where, msg("whatif.unknown_cloud", got=repr(cid), known=sorted(g.clouds)))
    if scope != "all" and cid != scope:
        raise Refusal(422, where, msg("whatif.cloud_outside", cloud=cid, scope=scope))
    return cid


def _home(session: Session, dept: Department) -> str | None:
    home = home_cloud(session, dept)
    return home.id if home is not None else None


def _department(session: Session, g: Ground, v: Any, where: str, scope: str) -> Department:
    did = _str(v, where)
    dept = g.departments.get(did)
    if dept is None:
        raise Refusal(422, where, msg("department.unknown", department=did))
    if scope != "all" and _home(session, dept) != scope:
        raise Refusal(422, where, msg("whatif.department_outside", department=did, scope=scope))
    return dept


def _host_changes(g: Ground, raw: dict[str, Any], key: str, scope: str) -> tuple[HostChange, ...]:
    out = []
    for i, item in enumerate(_list(raw, key)):
        where = f"changes.{key}[{i}]"
        item = _obj(item, where, ("cloud", "type", "count"))
        cloud = _cloud(g, item.get("cloud"), f"{where}.cloud", scope)
        htype = _str(item.get("type"), f"{where}.type")
        if htype not in g.host_types:
            raise Refusal(422, f"{where}.type", msg("whatif.unknown_host_type", got=repr(htype), known=sorted(g.host_types)))
        out.append(HostChange(cloud, htype, _int(item.get("count"), f"{where}.count", 1, MAX_COUNT)))
    return tuple(out)


def _policy_value(policy: Any, path: list[str]) -> Any:
    """The value at a dotted path of the policy (dataclass fields, then mapping keys); KeyError if none."""
    node = policy
    for part in path:
        if dataclasses.is_dataclass(node) and part in {f.name for f in dataclasses.fields(node)}:
            node = getattr(node, part)
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            raise KeyError(part)
    return node


def _replaced(node: Any, path: list[str], value: Any) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if dataclasses.is_dataclass(node):
        return dataclasses.replace(node, **{head: _replaced(getattr(node, head), rest, value)})  # type: ignore[type-var]
    return {**node, head: _replaced(node[head], rest, value)}


def policy_with(policy: Policy, changes: tuple[tuple[str, float | str], ...]) -> Policy:
    """The effective policy with the scenario's values put in (the service's own is never changed)."""
    for key, value in changes:
        policy = _replaced(policy, key.split("."), value)
    return policy


CHOICES: dict[str, tuple[str, ...]] = {"power.minimise": MINIMISE}  # the policy's values that are words, not numbers


def _policy(raw: dict[str, Any], policy: Policy) -> tuple[tuple[str, float | str], ...]:
    v = raw.get("policy")
    if v is None:
        return ()
    if not isinstance(v, dict):
        raise Refusal(422, "changes.policy", msg("whatif.policy_object"))
    out = []
    for key, value in v.items():
        where = f"changes.policy.{key}"
        try:
            now = _policy_value(policy, str(key).split("."))
        except KeyError:
            raise Refusal(422, where, msg("whatif.unknown_policy_key")) from None
        if key in CHOICES:
            if value not in CHOICES[key]:
                raise Refusal(422, where, msg("whatif.policy_choice", got=repr(value), known=list(CHOICES[key])))
            out.append((str(key), value))
            continue
        if isinstance(now, bool) or not isinstance(now, (int, float)):
            raise Refusal(422, where, msg("whatif.policy_not_number"))
        if isinstance(now, int):
            new: float = _int(value, where, 0 if "max_" not in key else 1, 1_000_000)
        else:
            new = _number(value, where)
            if new < 0:
                raise Refusal(422, where, msg("whatif.not_negative", got=f"{new:g}"))
            if ("share" in key or "target" in key) and new > 1:
                raise Refusal(422, where, msg("whatif.policy_share", got=f"{new:g}"))
        out.append((str(key), new))
    return tuple(out)


def parse(session: Session, raw: Any, scope: str, policy: Policy) -> Changes:
    """Check a scenario's changes against today's fleet; a refusal names the field (nothing is applied)."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise Refusal(422, "changes", msg("whatif.changes_object", keys=list(CHANGE_KEYS)))
    for k in raw:
        if k not in CHANGE_KEYS:
            raise Refusal(422, f"changes.{k}", msg("whatif.unknown_change", keys=list(CHANGE_KEYS)))
    g = ground(session)
    lose_clouds = []
    for i, v in enumerate(_list(raw, "lose_clouds")):
        cid = _cloud(g, v, f"changes.lose_clouds[{i}]", scope)
        if g.clouds[cid].kind == "backup":
            raise Refusal(422, f"changes.lose_clouds[{i}]", msg("whatif.backup_node", cloud=cid))
        if cid in lose_clouds:
            raise Refusal(422, f"changes.lose_clouds[{i}]", msg("whatif.given_twice", cloud=cid))
        lose_clouds.append(cid)
    lose_hosts = []
    for i, v in enumerate(_list(raw, "lose_hosts")):
        hid = _str(v, f"changes.lose_hosts[{i}]")
        if hid not in g.hosts:
            raise Refusal(422, f"changes.lose_hosts[{i}]", msg("whatif.unknown_host", got=repr(hid)))
        if scope != "all" and g.hosts[hid] != scope:
            raise Refusal(422, f"changes.lose_hosts[{i}]", msg("whatif.host_outside", host=hid, cloud=g.hosts[hid], scope=scope))
        lose_hosts.append(hid)
    grow_d = []
    for i, item in enumerate(_list(raw, "grow_departments")):
        where = f"changes.grow_departments[{i}]"
        item = _obj(item, where, ("department", "share"))
        dept = _department(session, g, item.get("department"), f"{where}.department", scope)
        grow_d.append(Growth(dept.id, _share(item.get("share"), f"{where}.share")))
    grow_c = []
    for i, item in enumerate(_list(raw, "grow_clouds")):
        where = f"changes.grow_clouds[{i}]"
        item = _obj(item, where, ("cloud", "share"))
        grow_c.append(Growth(_cloud(g, item.get("cloud"), f"{where}.cloud", scope), _share(item.get("share"), f"{where}.share")))
    requests = []
    qr = raw.get("quota_requests")
    if qr == "pending":
        q = select(QuotaRequest).where(QuotaRequest.state == "pending").order_by(col(QuotaRequest.id))
        requests = [r.id for r in session.exec(q) if scope == "all" or r.cloud_id == scope]
    else:
        for i, v in enumerate(_list(raw, "quota_requests")):
            where = f"changes.quota_requests[{i}]"
            rid = _int(v, where, 1, MAX_ROW_ID)
            req = session.get(QuotaRequest, rid)
            if req is None or (scope != "all" and req.cloud_id != scope):
                raise Refusal(422, where, msg("whatif.no_quota_request", request=rid))
            if req.state != "pending":
                raise Refusal(422, where, msg("whatif.quota_request_state", request=rid, state=req.state))
            requests.append(rid)
    systems = []
    keys = ("department", "cloud", "count", "demand", "classification", "mlps_level", "dr", "spread")
    for i, item in enumerate(_list(raw, "new_systems")):
        where = f"changes.new_systems[{i}]"
        item = _obj(item, where, keys)
        dept = _department(session, g, item.get("department"), f"{where}.department", scope)
        cloud = (_cloud(g, item["cloud"], f"{where}.cloud", scope) if item.get("cloud") is not None
                 else _home(session, dept))
        if cloud is None:
            raise Refusal(422, f"{where}.cloud", msg("whatif.no_home_cloud", department=dept.id))
        demand_raw = _obj(item.get("demand"), f"{where}.demand", RESOURCES)
        demand = {r: 0.0 for r in RESOURCES}
        for r, v in demand_raw.items():
            demand[r] = _number(v, f"{where}.demand.{r}")
            if demand[r] < 0:
                raise Refusal(422, f"{where}.demand.{r}", msg("whatif.not_negative", got=f"{demand[r]:g}"))
        if not any(v > 0 for v in demand.values()):
            raise Refusal(422, f"{where}.demand", msg("whatif.asks_nothing", keys=list(RESOURCES)))
        cls = item.get("classification", "internal")
        if cls not in CLASSIFICATIONS:
            raise Refusal(422, f"{where}.classification", msg("input.one_of", allowed=list(CLASSIFICATIONS), got=repr(cls)))
        dr = _obj(item.get("dr") or {}, f"{where}.dr", ("protected", "priority", "rto_minutes"))
        systems.append(NewSystems(
            dept.id, cloud, _int(item.get("count", 1), f"{where}.count", 1, MAX_COUNT), demand, cls,
            _int(item.get("mlps_level", 2), f"{where}.mlps_level", 1, 4),
            _bool(dr.get("protected", False), f"{where}.dr.protected"),
            _int(dr.get("priority", 3), f"{where}.dr.priority", 1, 9),
            _int(dr.get("rto_minutes", 240), f"{where}.dr.rto_minutes", 1, 100_000),
            _bool(item.get("spread", False), f"{where}.spread")))
    return Changes(add_hosts=_host_changes(g, raw, "add_hosts", scope),
                   retire_hosts=_host_changes(g, raw, "retire_hosts", scope),
                   lose_clouds=tuple(lose_clouds), lose_hosts=tuple(lose_hosts), grow_departments=tuple(grow_d),
                   grow_clouds=tuple(grow_c), quota_requests=tuple(requests), new_systems=tuple(systems),
                   policy=_policy(raw, policy))


# ------------------------------------------------------------------------------------------ applying


@dataclass
class Changed:
    """The changed fleet: its document, where each system's quota counts, what each change did."""

    doc: dict[str, Any]
    cloud_of: dict[str, str]  # workload -> the cloud its use counts on (quotas)
    host_models: dict[str, str]
    policy: Policy
    applied: list[Msg] = field(default_factory=list)  # what was changed, as messages: rendered when read
    new_systems: list[str] = field(default_factory=list)  # the ids of added systems (growth, new, requests)
    request_systems: dict[int, list[str]] = field(default_factory=dict)
    extra_quota: dict[str, dict[str, Amounts]] = field(default_factory=dict)  # cloud -> department -> added quota
    retired: list[str] = field(default_factory=list)
    added_hosts: list[str] = field(default_factory=list)


def _wid(doc_ids: set[str], base: str) -> str:
    wid, n = base, 1
    while wid in doc_ids:
        n += 1
        wid = f"{base}~{n}"
    doc_ids.add(wid)
    return wid


def _remove_hosts(ch: Changed, ids: list[str]) -> int:
    """Hosts leave the fleet; what ran there waits for a place (the plan re-places it, or says why not)."""
    gone = set(ids)
    ch.doc["hosts"] = [h for h in ch.doc["hosts"] if h["id"] not in gone]
    moved = 0
    for w in ch.doc["workloads"]:
        if w["host"] in gone:
            w["host"], w["pinned"] = None, False
            moved += 1
    return moved


def _copies(ch: Changed, ids: set[str], pick: list[dict[str, Any]], share: float, tag: str) -> int:
    """Growth by `share`: as many more systems like these as the share of their number (at least one),
    taken in id order, each a copy of one of them waiting for a place."""
    n = max(1, round(len(pick) * share)) if pick else 0
    for i in range(n):
        src = pick[i % len(pick)]
        w = copy.deepcopy(src)
        w["id"] = _wid(ids, f"{src['id']}~{tag}{i // len(pick) + 1}")
        w["host"], w["pinned"] = None, False
        if w.get("spread_group"):
            w["spread_group"] = f"{w['spread_group']}~{tag}"
        ch.doc["workloads"].append(w)
        ch.cloud_of[w["id"]] = ch.cloud_of.get(src["id"], "")
        ch.new_systems.append(w["id"])
    return n


def apply(session: Session, base: dict[str, Any], changes: Changes, policy: Policy) -> Changed:
    """The base document (not changed) with the changes applied, in the order of the issue: hosts, losses,
    growth, requests, new systems, policy."""
    doc = copy.deepcopy(base)
    g = ground(session)
    cloud_of = {w.id: w.cloud_id for w in session.exec(select(Workload))}
    models = {h.id: h.model for h in session.exec(select(Host))}
    ch = Changed(doc, cloud_of, models, policy_with(policy, changes.policy))
    host_ids = {h["id"] for h in doc["hosts"]} | set(g.hosts)
    ids = {w["id"] for w in doc["workloads"]} | set(cloud_of)
    for a in changes.add_hosts:
        made = []
        n = 0
        while len(made) < a.count:
            n += 1
            hid = f"{a.cloud}-whatif-{n:04d}"
            if hid in host_ids:
                continue
            host_ids.add(hid)
            doc["hosts"].append({"id": hid, "cloud": a.cloud, "schedulable": True, "capacity": dict(g.host_types[a.type])})
            ch.host_models[hid] = a.type
            made.append(hid)
        ch.added_hosts += made
        ch.applied.append(msg("whatif.applied.added_hosts", n=a.count, type=a.type, cloud=a.cloud, first=made[0],
                              last=made[-1]))
    for r in changes.retire_hosts:
        load: dict[str, int] = {}
        for w in doc["workloads"]:
            if w["host"]:
                load[w["host"]] = load.get(w["host"], 0) + 1
        mine = sorted((h["id"] for h in doc["hosts"] if h["cloud"] == r.cloud and ch.host_models.get(h["id"]) == r.type),
                      key=lambda h: (load.get(h, 0), h))
        take = mine[: r.count]
        moved = _remove_hosts(ch, take)
        ch.retired += take
        code = "whatif.applied.retired_hosts_short" if len(take) < r.count else "whatif.applied.retired_hosts"
        ch.applied.append(msg(code, n=len(take), type=r.type, cloud=r.cloud, moved=moved))
    if changes.lose_clouds:
        doc["failed_clouds"] = sorted(set(doc.get("failed_clouds") or []) | set(changes.lose_clouds))
        ch.applied.append(msg("whatif.applied.lost_clouds", clouds=list(changes.lose_clouds)))
    if changes.lose_hosts:
        present = [h for h in changes.lose_hosts if any(x["id"] == h for x in doc["hosts"])]
        moved = _remove_hosts(ch, present)
        ch.applied.append(msg("whatif.applied.lost_hosts", n=len(present), moved=moved))
    originals = list(doc["workloads"])
    for gr in changes.grow_departments:
        pick = [w for w in originals if w["department"] == gr.target and w["classification"] != "classified"]
        n = _copies(ch, ids, pick, gr.share, "grow")
        ch.applied.append(msg("whatif.applied.grew_department", department=gr.target, share=f"{gr.share:.0%}", n=n,
                              of=len(pick)))
    host_cloud = {h["id"]: h["cloud"] for h in base["hosts"]}
    for gr in changes.grow_clouds:
        pick = [w for w in originals if w["classification"] != "classified"
                and (host_cloud.get(w["host"] or "") == gr.target or (w["host"] is None and cloud_of.get(w["id"]) == gr.target))]
        n = _copies(ch, ids, pick, gr.share, "grow")
        ch.applied.append(msg("whatif.applied.grew_cloud", cloud=gr.target, share=f"{gr.share:.0%}", n=n, of=len(pick)))
    ratio = ch.policy.quotas.overcommit.as_dict()
    size = ch.policy.quotas.phantom_size.as_dict()
    for rid in changes.quota_requests:
        req = session.get(QuotaRequest, rid)
        assert req is not None
        dept = g.departments[req.department_id]
        amount = {r: float(getattr(req, r)) for r in RESOURCES}
        per_cloud = ch.extra_quota.setdefault(req.cloud_id, {})
        per_cloud[dept.id] = {r: per_cloud.get(dept.id, {}).get(r, 0.0) + amount[r] for r in RESOURCES}
        # its systems as the quota check expects them used: the amount / overcommit, in pieces of the phantom size
        expected = {r: amount[r] / ratio[r] for r in RESOURCES}
        n = max([math.ceil(expected[r] / size[r] - 1e-9) for r in RESOURCES if size[r] > 0 and expected[r] > 0] or [1])
        made = []
        for i in range(n):
            wid = _wid(ids, f"request-{rid}-{i + 1}")
            doc["workloads"].append(_system(dept, wid, {r: expected[r] / n for r in RESOURCES}, "internal", 2,
                                            False, 3, 240, None))
            cloud_of[wid] = req.cloud_id
            made.append(wid)
        ch.request_systems[rid] = made
        ch.new_systems += made
        ch.applied.append(msg("whatif.applied.quota_request", request=rid, department=dept.id, cloud=req.cloud_id, n=n))
    for k, ns in enumerate(changes.new_systems):
        dept = g.departments[ns.department]
        group = f"whatif-{k + 1}" if ns.spread else None
        for i in range(ns.count):
            wid = _wid(ids, f"whatif-{k + 1}-{i + 1}")
            doc["workloads"].append(_system(dept, wid, ns.demand, ns.classification, ns.mlps_level, ns.protected,
                                            ns.priority, ns.rto_minutes, group))
            cloud_of[wid] = ns.cloud
            ch.new_systems.append(wid)
        ch.applied.append(msg("whatif.applied.new_systems", n=ns.count, department=ns.department))
    for key, value in changes.policy:
        ch.applied.append(msg("whatif.applied.policy", key=key, value=_shown(value),
                              was=_shown(_policy_value(policy, key.split(".")))))
    return ch


def _shown(value: Any) -> str:
    return f"{value:g}" if isinstance(value, (int, float)) else str(value)


def _system(dept: Department, wid: str, demand: Amounts, classification: str, mlps: int, protected: bool,
            priority: int, rto: int, group: str | None) -> dict[str, Any]:
    """A new system of a department, homed as the department is (tier, city, industry)."""
    tier = dept.level if dept.level in ("province", "city", "county") else "city"
    return {"id": wid, "department": dept.id, "tier": tier, "city": dept.city, "industry": dept.industry,
            "classification": classification, "mlps_level": mlps, "demand": dict(demand), "host": None,
            "spread_group": group, "pinned": False, "role": "primary",
            "dr": {"protected": protected, "priority": priority, "rto_minutes": rto}}
