"""Feasibility on the demo fleet (the default simulated fleet of `qianyun serve --demo`), and the
placeholders that stand for unused quota (issue 22: GPU slivers on every placeholder refused everything)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.core.models import RESOURCES, Department
from tests.quotas.conftest import standing
from tests.support import login, make_user

SIZE = {"vcpu": 8.0, "memory_gib": 32.0, "gpu": 1.0, "storage_gib": 500.0}


@pytest.fixture
def demo_client(demo_fleet: str) -> Iterator[Any]:
    """The service over the demo fleet, as `serve --demo` runs it."""
    from fastapi.testclient import TestClient

    from api.app import create_app

    with TestClient(create_app()) as c:
        yield c


def test_demo_fleet_grants_16_vcpu_on_gy_end_to_end(demo_client) -> None:
    client = demo_client
    for name, role, scope in (("dept", "department-admin", "gy-bigdata-bureau"), ("gy", "city-operator", "gy")):
        make_user(name, role, scope)
    dept, gy = login(client, "dept"), login(client, "gy")
    before = standing(client, dept, "gy-bigdata-bureau", "gy")
    ask = {"department": "gy-bigdata-bureau", "cloud": "gy", "amount": {"vcpu": 16, "memory_gib": 64},
           "justification": "a new data exchange cluster for the 2027 census"}
    r = client.post("/api/v1/quota-requests", headers=dept, json=ask)
    assert r.status_code == 201, r.text
    req = r.json()
    assert req["feasibility"]["verdict"] == "feasible", req["feasibility"]
    assert req["pending_approvals"] == ["city:gy"]
    r = client.post(f"/api/v1/quota-requests/{req['id']}/approve", headers=gy, json={"reason": "census is due"})
    assert r.status_code == 200 and r.json()["state"] == "approved", r.text
    after = standing(client, dept, "gy-bigdata-bureau", "gy")
    assert after["nominal"]["vcpu"] == before["nominal"]["vcpu"] + 16
    assert after["nominal"]["memory_gib"] == before["nominal"]["memory_gib"] + 64
    # a workload as large as the grant is registered within the raised quota and placed on gy
    free = {r_: after["nominal"][r_] - after["used"][r_] for r_ in ("vcpu", "memory_gib")}
    assert free["vcpu"] >= 16 and free["memory_gib"] >= 64, after
    w = {"department": "gy-bigdata-bureau", "cloud": "gy", "name": "census-exchange",
         "demand": {"vcpu": 16, "memory_gib": 64, "storage_gib": 100}, "classification": "internal", "mlps_level": 2}
    r = client.post("/api/v1/workloads", headers=dept, json=w)
    assert r.status_code == 201, r.text
    assert r.json()["host"].startswith("gy-")
    used = standing(client, dept, "gy-bigdata-bureau", "gy")["used"]
    assert used["vcpu"] == pytest.approx(after["used"]["vcpu"] + 16)


def test_demo_fleet_holds_every_granted_quota_with_nothing_pending(demo_client) -> None:
    from scheduler.core.db import session_scope
    from scheduler.quotas.feasibility import _check_cloud

    with session_scope() as session:
        checks = {cloud: _check_cloud(session, cloud, None, with_migrations=False)
                  for cloud in ("gy", "gz-gov", "edu", "zy", "as")}
    short = {cloud: (c.unplaced, {r: v for r, v in c.short.items() if v}) for cloud, c in checks.items()
             if c.unplaced or any(c.short.values())}
    assert short == {}, short  # cloud: (placeholders that found no host, the shortfall)
    assert all(c.phantoms > 0 for c in checks.values())


def _dept() -> Department:
    return Department(id="gy-bigdata-bureau", name="x", city="guiyang", level="city", industry="government")


amount = st.floats(min_value=0, max_value=5000, allow_nan=False, allow_infinity=False)


@settings(max_examples=300, deadline=None)
@given(vcpu=amount, memory=amount, storage=amount, gpus=st.integers(min_value=0, max_value=2000),
       gpu_fraction=st.sampled_from([0.0, 0.25, 0.5]), gpu_size=st.sampled_from([1.0, 2.0, 4.0]))
def test_placeholders_carry_whole_gpus_apart_from_cpu_and_memory(vcpu, memory, storage, gpus, gpu_fraction,
                                                                  gpu_size) -> None:
    from scheduler.quotas.feasibility import MAX_PHANTOMS, _phantoms

    unused = {"vcpu": vcpu, "memory_gib": memory, "gpu": gpus + gpu_fraction, "storage_gib": storage}
    size = {**SIZE, "gpu": gpu_size}
    ph = _phantoms(_dept(), unused, size, "quota")
    with_gpu = [p["demand"] for p in ph if p["demand"]["gpu"] > 0]
    fractional = [d for d in with_gpu if d["gpu"] != math.floor(d["gpu"])]
    # a GPU placeholder carries GPUs only; whole GPUs, save one piece for a quota that is not whole
    assert all(d[r] == 0 for d in with_gpu for r in RESOURCES if r != "gpu")
    assert len(fractional) == (1 if gpu_fraction else 0)
    assert all(d["gpu"] == pytest.approx(gpu_fraction) for d in fractional)
    # nothing is lost or invented, and the pieces stay bounded
    for r in RESOURCES:
        assert sum(p["demand"][r] for p in ph) == pytest.approx(unused[r] if unused[r] > 1e-9 else 0.0, rel=1e-9, abs=1e-6)
    assert sum(1 for p in ph if p["demand"]["gpu"] == 0) <= MAX_PHANTOMS
    assert len(with_gpu) <= MAX_PHANTOMS + 2
    assert all(d["gpu"] <= max(gpu_size, math.ceil(gpus / MAX_PHANTOMS)) for d in with_gpu)
    assert len({p["id"] for p in ph}) == len(ph)
