"""The demo fleet (`qianyun serve --demo`: 300 hosts, 3,000 workloads) answers a quota request each way
a department meets: feasible, and short with the cloud that could take it instead."""

from __future__ import annotations

import pytest

ASK = {"vcpu": 0.0, "memory_gib": 0.0, "gpu": 0.0, "storage_gib": 0.0}


def test_the_demo_fleet_answers_feasible_and_short_with_the_alternative(demo_fleet) -> None:
    from sqlalchemy import func
    from sqlmodel import select

    from scheduler.core.db import session_scope
    from scheduler.core.models import Department, Host
    from scheduler.quotas import grantable
    from scheduler.quotas.feasibility import feasibility

    with session_scope() as s:
        assert s.exec(select(func.count()).select_from(Host)).one() >= 300, "the demo's fleet, not the tests' small one"
        dept = s.get(Department, "gy-bigdata-bureau")
        assert dept is not None
        ok = feasibility(s, dept, "gy", {**ASK, "vcpu": 16.0, "memory_gib": 64.0})
        assert (ok["verdict"], ok["checked"], ok["migrations"]) == ("feasible", "packed", 0), ok
        room = grantable(s, "gy")["vcpu"]
        short = feasibility(s, dept, "gy", {**ASK, "vcpu": room + 50})
        assert short["verdict"] == "short" and short["alternatives"] == ["gz-gov"], short
        assert short["short"]["vcpu"] == pytest.approx(50, abs=1) and "the province cloud could take it" in short["message"]
