"""Qianyun's facts about a workload, read from a real cloud's own labels or metadata.

Kubernetes keeps them in pod and namespace labels, OpenStack in server metadata and project tags.
The keys differ; what they mean and what a missing or malformed one defaults to do not, so both
adapters read them here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from adapters.guizhou import CLOUD_BY_ID
from adapters.protocol import AdapterError, CloudInfo, DrProfile, WorkloadInfo

TIERS = ("province", "city", "county")
CLASSIFICATIONS = ("public", "internal", "sensitive", "classified")


class FactKeys(Protocol):
    """Where one system keeps each fact (a label name, a metadata key)."""

    department: str
    tier: str
    city: str
    industry: str
    classification: str
    mlps_level: str
    spread_group: str
    pinned: str
    role: str
    dr_protected: str
    dr_priority: str
    dr_rto_minutes: str
    dr_rpo_minutes: str


def cloud_info(cloud: str, adapter: str, info: CloudInfo | None = None) -> CloudInfo:
    """The Guizhou cloud's name, kind, city and MLPS level (or the given info), served by `adapter`."""
    base = info or CLOUD_BY_ID.get(cloud)
    return CloudInfo(id=cloud, name=base.name if base else cloud, name_en=base.name_en if base else cloud,
                     kind=base.kind if base else "city", city=base.city if base else None,
                     industry=base.industry if base else None, mlps_level=base.mlps_level if base else 3,
                     adapter=adapter)


def check_cloud(cloud: str, served: str, system: str) -> None:
    if cloud != served:
        raise AdapterError(f"unknown cloud {cloud!r}; this {system} adapter serves {served!r}")


def local_name(cloud: str, host: str, kind: str, workload: str = "") -> str:
    """The system's own name in a host id "<cloud>/<name>"; `kind` says what it is ("node of
    Kubernetes cloud"), for the refusal of an id of another cloud."""
    prefix = f"{cloud}/"
    if not host.startswith(prefix) or len(host) == len(prefix):
        what = f"cannot put {workload} on {host}" if workload else f"host {host!r}"
        raise AdapterError(f"{what}: not a {kind} {cloud} (ids look like {prefix}<name>)")
    return host[len(prefix):]


def workload_info(wid: str, name: str, get: Callable[[str], str | None], keys: FactKeys, cloud: CloudInfo, *,
                  department: str, demand: dict[str, float], host: str | None, movable: bool,
                  default_mlps_level: int) -> WorkloadInfo:
    """A workload from its facts; `movable` False (a DaemonSet pod, a server in ERROR) pins it."""
    return WorkloadInfo(
        id=wid, name=name, department=get(keys.department) or department,
        tier=choice(get(keys.tier), TIERS, "province"),
        city=get(keys.city) or cloud.city, industry=get(keys.industry) or cloud.industry,
        classification=choice(get(keys.classification), CLASSIFICATIONS, "internal"),
        mlps_level=as_int(get(keys.mlps_level), default_mlps_level),
        demand=demand, host=host, spread_group=get(keys.spread_group),
        pinned=not movable or truthy(get(keys.pinned)),
        role="dr-replica" if get(keys.role) == "dr-replica" else "primary",
        dr=DrProfile(protected=truthy(get(keys.dr_protected)), priority=as_int(get(keys.dr_priority), 3),
                     rto_minutes=as_int(get(keys.dr_rto_minutes), 240), rpo_minutes=as_int(get(keys.dr_rpo_minutes), 60)))


def truthy(value: str | None) -> bool:
    return (value or "").lower() in ("true", "yes", "1")


def choice(value: str | None, allowed: tuple[str, ...], default: str) -> Any:
    return value if value in allowed else default


def as_int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default
