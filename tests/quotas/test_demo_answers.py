"""The demo fleet (`qianyun serve --demo`: 300 hosts, 3,000 workloads) answers a quota request each way
a department meets (docs/quotas.md, "The demo's answers"): feasible on Guiyang's cloud, feasible after
migrations on Qiannan's fragmented cloud, short with the province cloud as the alternative; and the
health cloud, whose GPUs are fully allotted, still grants CPU."""

from __future__ import annotations

import pytest

ASK = {"vcpu": 0.0, "memory_gib": 0.0, "gpu": 0.0, "storage_gib": 0.0}


def _answer(department: str, cloud: str, **amount: float) -> dict:
    from scheduler.core.db import session_scope
    from scheduler.core.models import Department
    from scheduler.quotas.feasibility import feasibility

    with session_scope() as s:
        dept = s.get(Department, department)
        assert dept is not None
        return feasibility(s, dept, cloud, {**ASK, **amount})


def test_the_demo_fleet_answers_feasible_and_short_with_the_alternative(demo_fleet) -> None:
    from sqlalchemy import func
    from sqlmodel import select

    from scheduler.core.db import session_scope
    from scheduler.core.models import Host
    from scheduler.quotas import grantable

    with session_scope() as s:
        assert s.exec(select(func.count()).select_from(Host)).one() >= 300, "the demo's fleet, not the tests' small one"
        room = grantable(s, "gy")["vcpu"]
    ok = _answer("gy-bigdata-bureau", "gy", vcpu=16.0, memory_gib=64.0)
    assert (ok["verdict"], ok["checked"], ok["migrations"]) == ("feasible", "packed", 0), ok
    short = _answer("gy-bigdata-bureau", "gy", vcpu=room + 50)
    assert short["verdict"] == "short" and short["alternatives"] == ["gz-gov"], short
    assert short["short"]["vcpu"] == pytest.approx(50, abs=1) and "the province cloud could take it" in short["message"]


def test_qiannans_fragmented_cloud_answers_feasible_after_migrations_and_short(demo_fleet) -> None:
    """Room in aggregate, none on any host for the request's pieces: workloads must move first."""
    from scheduler.core.db import session_scope
    from scheduler.quotas import grantable

    moved = _answer("qn-bigdata-bureau", "qn", vcpu=16.0, memory_gib=64.0)
    assert moved["verdict"] == "feasible-after-migrations", moved
    assert moved["migrations"] > 0 and moved["checked"] == "packed"
    assert moved["message"] == f"feasible after {moved['migrations']} migrations"
    with session_scope() as s:
        room = grantable(s, "qn")
    assert 16 < room["vcpu"] < 128 and 64 < room["memory_gib"], room  # it fits in aggregate, 128 does not
    short = _answer("qn-bigdata-bureau", "qn", vcpu=128.0, memory_gib=512.0)
    assert short["verdict"] == "short" and short["checked"] == "aggregate", short
    assert short["alternatives"] == ["gz-gov"] and "the province cloud could take it" in short["message"]
    assert short["short"]["vcpu"] == pytest.approx(128 - room["vcpu"], abs=1)


def test_the_health_cloud_grants_cpu_although_its_gpus_are_allotted(demo_fleet) -> None:
    """Its seeded GPU quota leaves room (not rounded up per department past the bound), and a CPU-only
    request is never refused for GPUs it does not ask for."""
    from scheduler.core.db import session_scope
    from scheduler.quotas import grantable

    with session_scope() as s:
        assert grantable(s, "health")["gpu"] >= 1
    cpu = _answer("health-bj-first-hospital", "health", vcpu=16.0, memory_gib=64.0)
    assert cpu["verdict"] == "feasible", cpu
    gpu = _answer("health-bj-first-hospital", "health", gpu=1.0)
    assert gpu["verdict"] == "feasible", gpu
    too_many = _answer("health-bj-first-hospital", "health", gpu=8.0)
    assert too_many["verdict"] == "short" and set(k for k, v in too_many["short"].items() if v > 0) == {"gpu"}
