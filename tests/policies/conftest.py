"""A small Guizhou-shaped fleet for the policy tests, built inline and parsed by the optimizer."""

from __future__ import annotations

from typing import Any

import pytest

from optimizer.fleet import Fleet, parse_fleet
from policies import CloudRef, Policy, default_policy


def _w(wid: str, tier: str, host: str | None, *, city: str | None = None, industry: str | None = None,
       mlps: int = 2, cls: str = "internal", dept: str = "dept", **extra: Any) -> dict[str, Any]:
    return {"id": wid, "department": dept, "tier": tier, "city": city, "industry": industry,
            "classification": cls, "mlps_level": mlps, "demand": {"vcpu": 1}, "host": host, **extra}


def fleet_doc() -> dict[str, Any]:
    clouds = [
        {"id": "gz-gov", "kind": "province", "mlps_level": 3},
        {"id": "gz-backup", "kind": "backup", "mlps_level": 3},
        {"id": "gy", "kind": "city", "city": "guiyang", "mlps_level": 3},
        {"id": "zy", "kind": "city", "city": "zunyi", "mlps_level": 2},
        {"id": "edu", "kind": "industry", "industry": "education", "mlps_level": 2},
        {"id": "health", "kind": "industry", "industry": "health", "mlps_level": 3},
    ]
    hosts = [{"id": f"{c['id']}-h1", "cloud": c["id"], "capacity": {"vcpu": 64}} for c in clouds]
    workloads = [
        _w("w-000017", "county", "gy-h1", city="guiyang", dept="huaxi-edu-bureau", dr={"protected": True, "priority": 1}),
        _w("w-prov", "province", "gz-gov-h1", mlps=3, dept="prov-health-commission"),
        _w("w-edu", "city", "edu-h1", city="guiyang", industry="education", dept="gy-education"),
        _w("w-replica", "city", "gz-backup-h1", city="guiyang", role="dr-replica"),
        _w("w-secret", "city", None, city="guiyang", cls="classified"),
        _w("w-mlps3", "city", None, city="zunyi", mlps=3),
        _w("w-pinned", "city", "gy-h1", city="guiyang", pinned=True),
        _w("w-unprot", "city", "zy-h1", city="zunyi"),
        _w("w-orphan", "county", None, city="anshun"),
    ]
    return {"resources": ["vcpu"], "clouds": clouds, "hosts": hosts, "workloads": workloads}


@pytest.fixture
def doc() -> dict[str, Any]:
    return fleet_doc()


@pytest.fixture
def fleet(doc: dict[str, Any]) -> Fleet:
    return parse_fleet(doc)


@pytest.fixture
def clouds(fleet: Fleet) -> dict[str, CloudRef]:
    return {c.id: CloudRef(c.id, c.kind, c.city, c.industry) for c in fleet.clouds}


@pytest.fixture
def policy() -> Policy:
    return default_policy()
