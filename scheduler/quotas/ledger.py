"""Department quotas: usage, headroom, borrowing within a cohort, reclaim, the first quotas, feasibility.

A quota is what a department is guaranteed on one cloud, per resource. Borrowing follows Kueue's
cohorts: a department's quota is split into a guaranteed part and a lendable part (policy
`quotas.borrowing.lending_limit_share`); the lendable parts of a cohort form a pool that any member
may use, a member at most `borrowing_limit_share` of its own quota above it. Whatever a member uses
beyond its guaranteed part counts against the pool, so an owner that wants its lent quota back is
short exactly by what the borrowers use: `reclaim` reports that excess and marks the borrowers'
workloads that would give it back.

Each cloud keeps `headroom_share` and `dr_reserve_share` of its capacity out of every allotment,
and a grant is only offered when the optimizer finds room for every granted quota fully used
(`feasibility`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from scheduler.core import audit, sync
from scheduler.core.access import may
from scheduler.core.accounts import Actor
from scheduler.core.db import utcnow
from scheduler.core.models import RESOURCES, Cloud, Department, Host, ServiceSetting, Workload
from scheduler.core.policy import get_policy
from scheduler.core.messages import Msg, msg
from scheduler.core.refusal import Refusal
from scheduler.core.visibility import department_ids
from scheduler.quotas.models import Quota, QuotaReclaim

EPS = 1e-6
UNITS = {"vcpu": "vCPU", "memory_gib": "GiB memory", "gpu": "GPU", "storage_gib": "GiB storage"}
SEED_KEY = "quotas_seeded"

Amounts = dict[str, float]




def zero() -> Amounts:
    return {r: 0.0 for r in RESOURCES}


def amounts_of(row: Any) -> Amounts:
    return {r: float(getattr(row, r) or 0.0) for r in RESOURCES}


def rounded(a: Amounts) -> Amounts:
    return {r: round(v, 3) for r, v in a.items()}


def reclaim_reason(borrower: str, borrowed: Amounts, cloud_id: str, needs: str) -> dict[str, Any]:
    """Why a workload is asked back: its English (as stored before reasons were data) and the message."""
    why = msg("quota.reclaim.borrowed", department=borrower, amounts=rounded({r: v for r, v in borrowed.items() if v > EPS}),
              cloud=cloud_id, needs=needs)
    return {"reason": why.text, **why.to_json()}


def describe(a: Amounts, only_positive: bool = True) -> str:
    """'212 vCPU and 1.1 TiB memory': what a person reads in a refusal."""
    parts = []
    for r in RESOURCES:
        if r not in a:
            continue
        v = a[r]
        if only_positive and v <= EPS:
            continue
        if r in ("memory_gib", "storage_gib") and v >= 1024:
            parts.append(f"{v / 1024:.1f} TiB {'memory' if r == 'memory_gib' else 'storage'}")
        else:
            parts.append(f"{v:,.4g} {UNITS[r]}" if v < 1000 else f"{v:,.0f} {UNITS[r]}")
    if not parts:
        return "nothing"
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


# ------------------------------------------------------------------------------------------ who may ask, and for what


def may_act_for(session: Session, actor: Actor, dept: Department, cloud_id: str | None) -> bool:
    """A department's admin for its department (and its county offices); an operator within its cloud."""
    if may(actor, "quotas.act_any"):
        return True
    scope = actor.scope_obj()
    if scope.department is not None:
        return dept.id in (department_ids(session, scope) or set())
    if scope.cloud is not None:
        return cloud_id == actor.scope and dept.id in (department_ids(session, scope) or set())
    return False


def check_amount(session: Session, raw: Any, cloud_id: str | None, field: str = "amount",
                 allow_zero: bool = False) -> Amounts:
    """Known resources, numbers, not negative, not all zero, not more than the whole cloud."""
    if not isinstance(raw, dict):
        raise Refusal(422, field, msg("quota.must_object", RESOURCES=', '.join(RESOURCES)))
    out = zero()
    for k, v in raw.items():
        if k not in RESOURCES:
            raise Refusal(422, f"{field}.{k}", msg("quota.unknown_resource_one", RESOURCES=', '.join(RESOURCES)))
        if v is None:
            continue
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise Refusal(422, f"{field}.{k}", msg("quota.must_number_got", v=v))
        if v < 0:
            raise Refusal(422, f"{field}.{k}", msg("quota.must_negative_got", v=v))
        out[k] = float(v)
    if not allow_zero and not any(v > 0 for v in out.values()):
        raise Refusal(422, field, msg("quota.asks_nothing_give_least", RESOURCES=', '.join(RESOURCES)))
    if cloud_id is not None:
        cap = cloud_capacity(session, cloud_id)
        for r in RESOURCES:
            if out[r] > cap[r] + EPS:
                raise Refusal(422, f"{field}.{r}", msg("quota.more_than_s_whole", out=out[r], cloud_id=cloud_id, cap=cap[r], UNITS=UNITS[r]))
    return out


def department(session: Session, dept_id: Any) -> Department:
    if not isinstance(dept_id, str) or not dept_id:
        raise Refusal(422, "department", msg("quota.must_department_id"))
    dept = session.get(Department, dept_id)
    if dept is None:
        raise Refusal(422, "department", msg("quota.unknown_department", dept_id=dept_id))
    return dept


# ------------------------------------------------------------------------------------------ clouds a department may use


def home_cloud(session: Session, dept: Department) -> Cloud | None:
    """The contract's home cloud: the industry's cloud, else the province cloud or the city's cloud by level."""
    clouds = session.exec(select(Cloud)).all()
    if dept.industry:
        return next((c for c in clouds if c.kind == "industry" and c.industry == dept.industry), None)
    if dept.level == "province":
        return next((c for c in clouds if c.kind == "province"), None)
    return next((c for c in clouds if c.kind == "city" and c.city == dept.city), None)


def allowed_clouds(session: Session, dept: Department) -> list[str]:
    """Clouds a department may hold quota on: its home cloud and the province cloud (never the backup node)."""
    out = []
    home = home_cloud(session, dept)
    if home is not None:
        out.append(home.id)
    province = session.exec(select(Cloud.id).where(Cloud.kind == "province")).first()
    if province and province not in out:
        out.append(province)
    return out


def check_cloud_for(session: Session, dept: Department, cloud_id: str, field_name: str = "cloud") -> Cloud:
    """The cloud, if this department may use it; otherwise a refusal that says why."""
    cloud = session.get(Cloud, cloud_id)
    if cloud is None:
        known = ", ".join(sorted(session.exec(select(Cloud.id))))
        raise Refusal(422, field_name, msg("quota.unknown_cloud_one", cloud_id=cloud_id, known=known))
    if cloud.kind == "backup":
        raise Refusal(422, field_name, msg("quota.backup_node_kept_disaster", cloud_id=cloud_id))
    allowed = allowed_clouds(session, dept)
    if cloud_id not in allowed:
        whose = (msg("quota.whose_city", city=cloud.city) if cloud.kind == "city"
                 else msg("quota.whose_industry", industry=cloud.industry) if cloud.kind == "industry"
                 else msg("quota.whose_none"))
        raise Refusal(422, field_name, msg("quota.use_use", department=dept.id, cloud=cloud_id, whose=whose,
                                           clouds=list(allowed)) if allowed else
                      msg("quota.use_none", department=dept.id, cloud=cloud_id, whose=whose))
    return cloud


def cloud_capacity(session: Session, cloud_id: str) -> Amounts:
    """What the cloud's live, schedulable hosts hold."""
    row = session.exec(select(*[func.coalesce(func.sum(getattr(Host, r)), 0) for r in RESOURCES])
                       .where(Host.cloud_id == cloud_id, col(Host.up).is_(True), col(Host.schedulable).is_(True))).one()
    return {r: float(v) for r, v in zip(RESOURCES, row)}


def allottable(session: Session, cloud_id: str) -> Amounts:
    """The cloud's capacity less the policy headroom and the DR reserve: what quotas may add up to."""
    q = get_policy().quotas
    keep = 1.0 - q.headroom_share - q.dr_reserve_share
    return {r: v * keep for r, v in cloud_capacity(session, cloud_id).items()}


# ------------------------------------------------------------------------------------------ usage and standing


def usage(session: Session, cloud_id: str) -> dict[str, Amounts]:
    """Per department, what its workloads on (or waiting for) the cloud ask for."""
    q = (select(Workload.department_id, *[func.sum(getattr(Workload, r)) for r in RESOURCES])
         .where(Workload.cloud_id == cloud_id, Workload.classification != "classified")
         .group_by(Workload.department_id))
    return {row[0]: {r: float(v or 0) for r, v in zip(RESOURCES, row[1:])} for row in session.exec(q)}


@dataclass
class Standing:
    """One department on one cloud: its quota, use, borrowing and what it may still start."""

    department: str
    cloud: str
    parent: str | None
    cohort: str
    nominal: Amounts
    used: Amounts
    guaranteed: Amounts = field(default_factory=zero)
    lendable: Amounts = field(default_factory=zero)
    borrowing_limit: Amounts = field(default_factory=zero)
    borrowed: Amounts = field(default_factory=zero)
    lent: Amounts = field(default_factory=zero)  # of its idle lendable quota, what others use now
    headroom: Amounts = field(default_factory=zero)

    def to_dict(self) -> dict[str, Any]:
        return {"department": self.department, "cloud": self.cloud, "parent": self.parent, "cohort": self.cohort,
                **{k: rounded(getattr(self, k)) for k in ("nominal", "used", "guaranteed", "lendable", "borrowing_limit",
                                                          "borrowed", "lent", "headroom")}}


def _root(depts: dict[str, Department], dept_id: str) -> str:
    seen = set()
    d = depts.get(dept_id)
    while d is not None and d.parent_id and d.parent_id not in seen:
        seen.add(d.id)
        d = depts.get(d.parent_id)
    return d.id if d is not None else dept_id


def standings(session: Session, cloud_id: str) -> dict[str, Standing]:
    """Every department with quota or use on the cloud, with the cohort arithmetic done (Kueue's rules)."""
    pol = get_policy().quotas.borrowing
    used = usage(session, cloud_id)
    quotas = {q.department_id: amounts_of(q) for q in session.exec(select(Quota).where(Quota.cloud_id == cloud_id))}
    depts = {d.id: d for d in session.exec(select(Department))}
    out: dict[str, Standing] = {}
    for d in sorted(set(quotas) | set(used)):
        nominal = quotas.get(d, zero())
        cohort = cloud_id if pol.cohort == "cloud" else f"{cloud_id}/{_root(depts, d)}"
        dept = depts.get(d)
        s = Standing(d, cloud_id, dept.parent_id if dept else None, cohort, nominal, used.get(d, zero()))
        for r in RESOURCES:
            s.lendable[r] = nominal[r] * pol.lending_limit_share
            s.guaranteed[r] = nominal[r] - s.lendable[r]
            s.borrowing_limit[r] = nominal[r] * pol.borrowing_limit_share
            s.borrowed[r] = max(0.0, s.used[r] - nominal[r])
        out[d] = s
    for cohort in {s.cohort for s in out.values()}:
        members = [s for s in out.values() if s.cohort == cohort]
        for r in RESOURCES:
            pool = sum(s.lendable[r] for s in members)
            pool_used = sum(max(0.0, s.used[r] - s.guaranteed[r]) for s in members)
            borrowed = sum(s.borrowed[r] for s in members)
            idle = sum(max(0.0, s.nominal[r] - s.used[r]) for s in members)
            for s in members:
                own = s.nominal[r] + s.borrowing_limit[r] - s.used[r]
                avail = pool - pool_used + max(0.0, s.used[r] - s.guaranteed[r])
                s.headroom[r] = max(0.0, min(own, s.guaranteed[r] + avail - s.used[r]))
                my_idle = max(0.0, s.nominal[r] - s.used[r])
                s.lent[r] = borrowed * my_idle / idle if idle > EPS else 0.0  # borrowers use idle quota pro rata
    return out


def standing(session: Session, department: str, cloud_id: str) -> Standing:
    st = standings(session, cloud_id)
    if department in st:
        return st[department]
    depts = {d.id: d for d in session.exec(select(Department))}
    pol = get_policy().quotas.borrowing
    cohort = cloud_id if pol.cohort == "cloud" else f"{cloud_id}/{_root(depts, department)}"
    d = depts.get(department)
    return Standing(department, cloud_id, d.parent_id if d else None, cohort, zero(), zero())


def expected_use(session: Session, cloud_id: str, extra: tuple[Department, Amounts] | None
                     ) -> tuple[Amounts, dict[str, Amounts]]:
    """Today's use on the cloud, and per department the unused quota (request included) divided by the
    overcommit ratio: what the cloud is expected to have to hold beyond today."""
    ratio = get_policy().quotas.overcommit.as_dict()
    st = standings(session, cloud_id)
    used_total = {r: sum(s.used[r] for s in st.values()) for r in RESOURCES}
    expected: dict[str, Amounts] = {}
    for s in st.values():
        nominal = dict(s.nominal)
        if extra is not None and extra[0].id == s.department:
            nominal = {r: nominal[r] + extra[1][r] for r in RESOURCES}
        expected[s.department] = {r: max(0.0, nominal[r] - s.used[r]) / ratio[r] for r in RESOURCES}
    if extra is not None and extra[0].id not in st:
        expected[extra[0].id] = {r: extra[1][r] / ratio[r] for r in RESOURCES}
    return used_total, expected


def grantable(session: Session, cloud_id: str) -> Amounts:
    """How much more quota the cloud can grant now: the allottable room left above today's use and
    the expected use of every granted quota, times the overcommit ratio (a new grant is unused at first)."""
    ratio = get_policy().quotas.overcommit.as_dict()
    used_total, expected = expected_use(session, cloud_id, None)
    room = allottable(session, cloud_id)
    return {r: max(0.0, room[r] - used_total[r] - sum(e[r] for e in expected.values())) * ratio[r] for r in RESOURCES}


def lock_cloud(session: Session, cloud_id: str) -> None:
    """Serialise quota decisions on one cloud: a no-op write takes the cloud's row lock (PostgreSQL) or
    the database's write lock (SQLite) before anything is read, so two registrations cannot both fit."""
    session.execute(update(Cloud).where(col(Cloud.id) == cloud_id).values(status=Cloud.status))


def admit(session: Session, department: str, cloud_id: str, demand: Amounts) -> Standing:
    """Refuse (403, with the numbers) a demand beyond the department's quota, borrowing included."""
    s = standing(session, department, cloud_id)
    over = {r: demand[r] - s.headroom[r] for r in RESOURCES if demand.get(r, 0) > s.headroom[r] + EPS}
    if not over:
        return s
    r0 = next(iter(over))
    lent_back = {r: max(0.0, min(demand[r], s.nominal[r] - s.used[r]) - s.headroom[r]) for r in RESOURCES}
    figures = {"department": department, "cloud": cloud_id,
               "ask_amounts": {r: demand[r] for r in over}, "start_amounts": {r: s.headroom[r] for r in over},
               "quota_amounts": {r: s.nominal[r] for r in over}, "used_amounts": {r: s.used[r] for r in over},
               "borrow_amounts": {r: s.borrowing_limit[r] for r in over}}
    extra: dict[str, Any] = {"standing": s.to_dict(), "demand": rounded(demand), "over": rounded(over)}
    said = msg("quota.over", **figures)
    if any(v > EPS for v in lent_back.values()):
        said = msg("quota.over_lent", **figures, amounts={r: v for r, v in lent_back.items() if v > EPS})
        extra["reclaimable"] = rounded(lent_back)
    raise Refusal(403, f"demand.{r0}", said, extra)


# ------------------------------------------------------------------------------------------ grants


def grant(session: Session, actor: str, department: str, cloud_id: str, delta: Amounts, why: str) -> Quota:
    """Add (or with a negative delta, return) quota; never below zero. Audited as quota.changed."""
    row = session.exec(select(Quota).where(Quota.department_id == department, Quota.cloud_id == cloud_id)).first()
    if row is None:
        row = Quota(department_id=department, cloud_id=cloud_id, **zero())
        session.add(row)
        session.flush()
    before = amounts_of(row)
    after = {r: max(0.0, before[r] + delta.get(r, 0.0)) for r in RESOURCES}
    result = session.execute(update(Quota).where(col(Quota.id) == row.id, col(Quota.version) == row.version)
                             .values(**after, version=row.version + 1, updated_at=utcnow()))
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Refusal(409, "quota", msg("quota.quota_was_changed_someone", department=department, cloud_id=cloud_id))
    session.expire(row)
    audit.record(session, actor, "quota.changed", "quota", f"{department}@{cloud_id}", rounded(before),
                 {**rounded(after), "why": why})
    return row


@sync.after_sync
def seed_if_needed(session: Session) -> int:
    """First quotas for a fresh service: each department's use on each cloud plus the seed share,
    scaled down so that, reserved at 1/overcommit, they take at most `seed_room_share` of the
    allottable room above today's use: the rest stays to grant. Runs once."""
    if session.get(ServiceSetting, SEED_KEY) is not None:
        return 0
    if session.exec(select(func.count()).select_from(Host)).one() == 0:
        return 0  # nothing synced yet
    q = get_policy().quotas
    share, ratio = q.seed_headroom_share, q.overcommit.as_dict()
    made = 0
    for cloud in session.exec(select(Cloud).where(Cloud.kind != "backup").order_by(Cloud.id)):
        used = usage(session, cloud.id)
        if not used:
            continue
        room = allottable(session, cloud.id)
        wanted = {d: {r: u[r] * (1 + share) for r in RESOURCES} for d, u in used.items()}
        for r in RESOURCES:
            base = sum(u[r] for u in used.values())
            extra = sum(wanted[d][r] - used[d][r] for d in used)
            # the extra is expected to be used at 1/overcommit; it may take only seed_room_share of the room above use
            may = max(0.0, room[r] - base) * q.seed_room_share * ratio[r]
            factor = 1.0 if extra <= may + EPS else may / extra
            exact = {d: used[d][r] + (wanted[d][r] - used[d][r]) * factor for d in used}
            up = {d: math.ceil(v - EPS) for d, v in exact.items()}
            # rounded up per department unless that breaks the bound: ten departments with one GPU
            # each, rounded up from 1.2 to 2, would take ten GPUs of room instead of two (issue 17)
            if sum(up[d] - used[d][r] for d in used) > may + EPS:
                up = {d: max(used[d][r], math.floor(v + EPS)) for d, v in exact.items()}
            for d in used:
                wanted[d][r] = up[d]
        for d in sorted(wanted):
            if session.exec(select(Quota).where(Quota.department_id == d, Quota.cloud_id == cloud.id)).first():
                continue
            session.add(Quota(department_id=d, cloud_id=cloud.id, **wanted[d]))
            made += 1
    session.add(ServiceSetting(key=SEED_KEY, value=utcnow().isoformat()))
    audit.record(session, "system:quotas", "quota.seeded", "quota", "all", None,
                 {"quotas": made, "seed_headroom_share": share, "seed_room_share": q.seed_room_share})
    return made


# ------------------------------------------------------------------------------------------ reclaim


def reclaim(session: Session, actor: str, department: str, cloud_id: str, need: Amounts | None = None) -> QuotaReclaim:
    """The owner wants (part of) its idle quota back: report the borrowers' excess and mark their
    workloads that, once moved off or stopped, return it. Smallest single workload that covers the
    rest first, else the largest, so as few systems as possible are disturbed."""
    st = standings(session, cloud_id)
    me = st.get(department) or standing(session, department, cloud_id)
    own_idle = {r: max(0.0, me.nominal[r] - me.used[r]) for r in RESOURCES}
    want = {r: min(own_idle[r], (need or own_idle).get(r, 0.0)) for r in RESOURCES}
    remaining = {r: max(0.0, want[r] - me.headroom[r]) for r in RESOURCES}
    shortfall = dict(remaining)
    items: list[dict[str, Any]] = []
    borrowers = sorted((s for s in st.values() if s.cohort == me.cohort and s.department != department
                        and any(v > EPS for v in s.borrowed.values())),
                       key=lambda s: (-sum(s.borrowed[r] / max(me.nominal[r], 1.0) for r in RESOURCES), s.department))
    for b in borrowers:
        budget = dict(b.borrowed)
        pool = list(session.exec(select(Workload).where(Workload.cloud_id == cloud_id, Workload.department_id == b.department,
                                                         col(Workload.pinned).is_(False)).order_by(Workload.id)))
        while pool and any(v > EPS for v in remaining.values()):
            useful = [w for w in pool if any(remaining[r] > EPS and budget[r] > EPS and getattr(w, r) > 0 for r in RESOURCES)]
            if not useful:
                break
            covers = [w for w in useful if all(getattr(w, r) >= remaining[r] - EPS for r in RESOURCES)]
            size = lambda w: sum(getattr(w, r) / max(me.nominal[r], 1.0) for r in RESOURCES)  # noqa: E731
            pick = min(covers, key=size) if covers else max(useful, key=size)
            pool.remove(pick)
            d = amounts_of(pick)
            for r in RESOURCES:
                remaining[r] = max(0.0, remaining[r] - d[r])
                budget[r] -= d[r]
            items.append({"workload": pick.id, "name": pick.name, "department": b.department, "host": pick.host_id,
                          "demand": rounded(d), **reclaim_reason(b.department, b.borrowed, cloud_id, department)})
    row = QuotaReclaim(department_id=department, cloud_id=cloud_id, shortfall=rounded(shortfall), items=items,
                       covered=all(v <= EPS for v in remaining.values()), requested_by=actor,
                       state="open" if items else "resolved")
    session.add(row)
    session.flush()
    audit.record(session, actor, "quota.reclaim", "quota_reclaim", str(row.id), None,
                 {"department": department, "cloud": cloud_id, "shortfall": row.shortfall,
                  "workloads": [i["workload"] for i in items], "covered": row.covered})
    return row


def summary(session: Session, cloud_id: str) -> dict[str, Any]:
    """A cloud's allotment at a glance: capacity, allottable, granted, used, and what may still be granted."""
    st = standings(session, cloud_id)
    return {"cloud": cloud_id, "capacity": rounded(cloud_capacity(session, cloud_id)),
            "allottable": rounded(allottable(session, cloud_id)),
            "granted": rounded({r: sum(s.nominal[r] for s in st.values()) for r in RESOURCES}),
            "grantable": rounded(grantable(session, cloud_id)),
            "used": rounded({r: sum(s.used[r] for s in st.values()) for r in RESOURCES})}


def who(actor: Actor) -> Msg:
    """'gy1 (city-operator gy)': who was refused, as a refusal names them."""
    if actor.scope:
        return msg("quota.who_scoped", username=actor.username, role=actor.role, scope=actor.scope)
    return msg("quota.who", username=actor.username, role=actor.role)
