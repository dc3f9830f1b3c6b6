"""The data platform's three modules as tenants of Qianyun's own scheduler.

Each module is a department under the province Big Data Development Administration with a quota on
the province cloud, services registered as workloads (admitted against that quota and placed by the
optimizer's incremental placer, like any department's), and recurring work as data-zone job sets.
`ensure` creates what is missing and is safe to run at every start. The catalog's daily job set is
the compliance scan: when dispatch starts its `scan` job, the scan runs.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, select

from scheduler import jobs, quotas
from scheduler.core import leader
from scheduler.core.access import may
from scheduler.core.accounts import Actor, Scope
from scheduler.core.models import Department, Workload
from scheduler.core.refusal import Refusal
from scheduler.jobs import DataJob, JobSet
from scheduler.quotas import Quota
from scheduler.tenants import catalog

log = logging.getLogger(__name__)
ACTOR = Actor("system:data-platform", "province-operator", None)
CLOUD = "gz-gov"
PARENT = "prov-bigdata-bureau"
COMPLIANCE_JOBSET = "catalog compliance scan"


@dataclass(frozen=True)
class Service:
    name: str
    replicas: int
    vcpu: float
    memory_gib: float
    storage_gib: float


@dataclass(frozen=True)
class Tenant:
    module: str
    department: str
    name: str
    name_en: str
    quota: dict[str, float]
    services: tuple[Service, ...]
    jobsets: tuple[dict[str, Any], ...]


def _jobset(name: str, cron: str, jobs_: list[dict[str, Any]]) -> dict[str, Any]:
    return {"name": name, "cloud": CLOUD, "recurrence": cron, "horizon": 1440,
            "resources": {"vcpu": 16, "memory_gib": 64}, "jobs": jobs_}


TENANTS: tuple[Tenant, ...] = (
    Tenant("catalog", "dp-catalog", "公共数据目录系统", "Public data catalog",
           {"vcpu": 48, "memory_gib": 192, "gpu": 0, "storage_gib": 4096},
           (Service("catalog-api", 2, 4, 16, 100), Service("catalog-search", 1, 8, 32, 500)),
           (_jobset(COMPLIANCE_JOBSET, "0 2 * * *", [
               {"id": "scan", "duration": 10, "demand": {"vcpu": 2, "memory_gib": 4}},
               {"id": "report", "duration": 5, "demand": {"vcpu": 1, "memory_gib": 2}, "after": ["scan"]}]),)),
    Tenant("sharing", "dp-sharing", "数据共享交换平台", "Data sharing and exchange",
           {"vcpu": 64, "memory_gib": 256, "gpu": 0, "storage_gib": 8192},
           (Service("exchange-gateway", 2, 8, 32, 500),), ()),
    Tenant("opendata", "dp-opendata", "公共数据开放平台", "Open data portal",
           {"vcpu": 48, "memory_gib": 192, "gpu": 0, "storage_gib": 8192},
           (Service("opendata-portal", 2, 4, 16, 100), Service("opendata-api", 1, 4, 16, 200)),
           (_jobset("open data nightly refresh", "0 3 * * *", [
               {"id": "collect", "duration": 20, "demand": {"vcpu": 4, "memory_gib": 16}},
               {"id": "index", "duration": 15, "demand": {"vcpu": 4, "memory_gib": 16}, "after": ["collect"]},
               {"id": "publish", "duration": 5, "demand": {"vcpu": 1, "memory_gib": 4}, "after": ["index"]}]),)),
)
BY_MODULE = {t.module: t for t in TENANTS}


TRANSIENT = (502, 503)  # the cloud refused or did not answer: worth another try, unlike a full quota
RETRY_DELAYS_S = (0.5, 1.0, 2.0)


def _fenced(session: Session) -> None:
    """Services are placed by the leader only, under its current epoch (scheduler.core.leader)."""
    leader.fence(session)
    leader.check()


def _register_with_retries(session: Session, body: dict[str, Any]) -> str | None:
    """Register one service; a transient cloud error is tried again after a short wait. What still
    fails is reported, and the next inventory sync's `ensure` tries it again."""
    for delay in (*RETRY_DELAYS_S, None):
        try:
            with session.begin_nested():
                quotas.register(session, ACTOR, body, before_place=lambda: _fenced(session))
            session.commit()  # the placement stands on its own, and the lease row is free again
            return None
        except Refusal as exc:
            if exc.status not in TRANSIENT or delay is None:
                return exc.message
            log.info("data platform tenant: %s: %s; again in %.1f s", body["name"], exc.message, delay)
            time.sleep(delay)
    return None


def ensure(session: Session) -> list[str]:
    """Create the tenants' departments, quotas, services and job sets where missing; return what failed."""
    from scheduler.core.registry import get_adapters

    problems: list[str] = []
    for t in TENANTS:
        ensure_department(session, t.module)
        if session.exec(select(Quota).where(Quota.department_id == t.department, Quota.cloud_id == CLOUD)).first() is None:
            quotas.grant(session, ACTOR.username, t.department, CLOUD, dict(t.quota), f"{t.module} module tenant")
        have = {w.name for w in session.exec(select(Workload).where(Workload.department_id == t.department))}
        for svc in t.services:
            for k in range(1, svc.replicas + 1):
                name = f"{svc.name}-{k}"
                if name in have:
                    continue
                body = {"department": t.department, "cloud": CLOUD, "name": name, "classification": "internal",
                        "mlps_level": 3, "spread_group": f"{t.department}/{svc.name}",
                        "demand": {"vcpu": svc.vcpu, "memory_gib": svc.memory_gib, "gpu": 0,
                                   "storage_gib": svc.storage_gib}}
                problem = _register_with_retries(session, body)
                if problem:
                    problems.append(f"{t.module}: {name} not placed: {problem}")
        named = {js.name for js in session.exec(select(JobSet).where(JobSet.department_id == t.department))}
        for spec in t.jobsets:
            if spec["name"] in named:
                continue
            try:
                with session.begin_nested():
                    jobs.create(session, ACTOR.username, Scope("province-operator"), {**spec, "department": t.department},
                                get_adapters().metrics_for(CLOUD))
            except Refusal as exc:
                problems.append(f"{t.module}: job set {spec['name']!r} not planned: {exc.message}")
    for p in problems:
        log.warning("data platform tenant: %s", p)
    return problems


def ensure_department(session: Session, module: str) -> str:
    """The module's tenant department, created under the Big Data Development Administration if missing."""
    t = BY_MODULE[module]
    if session.get(Department, t.department) is None:
        parent = PARENT if session.get(Department, PARENT) is not None else None
        session.add(Department(id=t.department, name=t.name, name_en=t.name_en, level="province", parent_id=parent))
        session.flush()
    return t.department


@jobs.on_job_started
def on_job_started(session: Session, js: JobSet, d: DataJob) -> None:
    """Work a tenant's job does in the service itself: the catalog's scan job runs the compliance scan."""
    if js.department_id == BY_MODULE["catalog"].department and js.name == COMPLIANCE_JOBSET and d.job_id == "scan":
        catalog.scan(session, "system:compliance-scan")


def tenant_out(session: Session, module: str, reader: Actor) -> dict[str, Any]:
    """The tenant at a glance. Host ids only for readers who may list the province cloud's hosts."""
    hosts_visible = may(reader, "hosts.read_all")
    t = BY_MODULE[module]
    quota = session.exec(select(Quota).where(Quota.department_id == t.department, Quota.cloud_id == CLOUD)).first()
    workloads = session.exec(select(Workload).where(Workload.department_id == t.department).order_by(Workload.name)).all()
    used = {r: 0.0 for r in ("vcpu", "memory_gib", "gpu", "storage_gib")}
    for w in workloads:
        if w.host_id is not None:
            for r in used:
                used[r] += getattr(w, r)
    jobsets = session.exec(select(JobSet).where(JobSet.department_id == t.department).order_by(JobSet.id)).all()
    out_js = []
    for js in jobsets:
        run = jobs.latest_run(session, js.id)  # type: ignore[arg-type]
        out_js.append({"id": js.id, "name": js.name, "recurrence": js.recurrence, "run_state": run.state if run else None})
    return {"module": module, "department": t.department, "name": t.name, "name_en": t.name_en, "cloud": CLOUD,
            "quota": {r: getattr(quota, r) for r in used} if quota else None, "used": used,
            "workloads": [{"id": w.id, "name": w.name, "host": w.host_id if hosts_visible else None,
                           "placed": w.host_id is not None, "vcpu": w.vcpu, "memory_gib": w.memory_gib}
                          for w in workloads],
            "jobsets": out_js}
