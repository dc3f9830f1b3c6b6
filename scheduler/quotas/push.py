"""Department quotas carried to the clouds that enforce their own: OpenStack projects' compute quotas.

Qianyun admits what its API registers against the cohort rules (scheduler/quotas.py); a department
that boots servers straight through OpenStack is held by OpenStack's own project quota. So each
department's ceiling on an OpenStack cloud, its nominal quota plus its borrowing limit, becomes the
cores and RAM quota of the one project tagged `qianyun:department=<id>`. A department tagged on
several projects gets nothing pushed (splitting one quota among projects is a decision for people),
and the answer says so. Only what differs is set, and each change is an audit event.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from sqlmodel import Session

from adapters.protocol import AdapterError
from scheduler.core import audit, leader
from scheduler.quotas import ledger as quotas

ACTOR = "system:quota-push"


@runtime_checkable
class QuotaEnforcer(Protocol):
    """An adapter whose cloud enforces per-project compute quotas."""

    def department_projects(self) -> dict[str, list[str]]: ...

    def compute_quota(self, project: str) -> dict[str, float]: ...

    def set_compute_quota(self, project: str, *, vcpu: int | None = None, memory_gib: float | None = None,
                          instances: int | None = None) -> dict[str, float]: ...


@dataclass
class PushResult:
    cloud: str
    changed: dict[str, dict[str, float]] = field(default_factory=dict)  # project -> quota set
    unchanged: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def ceiling(s: quotas.Standing) -> dict[str, float]:
    """What the department may ever run on the cloud: whole cores, RAM in GiB."""
    return {"vcpu": float(math.floor(s.nominal["vcpu"] + s.borrowing_limit["vcpu"] + 1e-9)),
            "memory_gib": round(s.nominal["memory_gib"] + s.borrowing_limit["memory_gib"], 3)}


def push(session: Session, cloud_id: str, adapter: Any) -> PushResult:
    """Set the project quotas of one cloud from its departments' quotas."""
    result = PushResult(cloud_id)
    if not isinstance(adapter, QuotaEnforcer):
        return result
    try:
        projects = adapter.department_projects()
    except AdapterError as exc:
        result.problems.append(f"cannot read the projects of {cloud_id}: {exc}")
        return result
    for dept, s in sorted(quotas.standings(session, cloud_id).items()):
        if not any(s.nominal.values()):
            continue
        mine = projects.get(dept, [])
        if len(mine) != 1:
            if mine:
                result.problems.append(f"{dept} is tagged on {len(mine)} projects of {cloud_id} "
                                       f"({', '.join(sorted(mine))}); its quota is pushed to none of them")
            continue
        want = ceiling(s)
        try:
            have = adapter.compute_quota(mine[0])
            if all(abs(have[k] - v) < 1e-6 for k, v in want.items()):
                result.unchanged.append(mine[0])
                continue
            leader.fence(session)  # in the transaction that records the push: the leader's epoch holds
            leader.check()
            got = adapter.set_compute_quota(mine[0], vcpu=int(want["vcpu"]), memory_gib=want["memory_gib"])
        except AdapterError as exc:
            result.problems.append(f"{dept} on {cloud_id}: {exc}")
            continue
        result.changed[mine[0]] = got
        audit.record(session, ACTOR, "quota.pushed", "quota", f"{dept}/{cloud_id}",
                     {k: have.get(k) for k in want}, {"project": mine[0], **want})
        session.commit()  # the push stands, and the lease row is free again
    return result


def push_all(session: Session, adapters: dict[str, Any]) -> list[PushResult]:
    return [push(session, cloud_id, adapter) for cloud_id, adapter in sorted(adapters.items())]
