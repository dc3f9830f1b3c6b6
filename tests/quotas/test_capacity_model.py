"""The capacity model (docs/quotas.md): allottable = capacity less headroom and DR reserve; unused
quota reserved at 1/overcommit; first quotas that leave room to grant; a short request answered by
the aggregate alone, without placing anything."""

from __future__ import annotations

import sys
from dataclasses import replace

import pytest

import optimizer
from policies import default_policy
from policies.model import ResourceAmounts
from scheduler.core.models import RESOURCES

ASK_CLOUD = "gy"


def _grantable(service, cloud: str) -> dict[str, float]:
    from scheduler.quotas import grantable

    with service.session() as session:
        return grantable(session, cloud)


def _no_optimizer(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_a, **_k):  # the quick path must not get here
        raise AssertionError("the aggregate answer placed placeholders")

    monkeypatch.setattr(optimizer, "IncrementalPlacer", refuse)
    monkeypatch.setattr(optimizer, "optimize", refuse)


def _ask(client, headers, vcpu: float, cloud: str = ASK_CLOUD) -> dict:
    r = client.post("/api/v1/quota-requests", headers=headers,
                    json={"department": "gy-bigdata-bureau", "cloud": cloud, "amount": {"vcpu": vcpu},
                          "justification": "a new analytics cluster for the statistics bureau"})
    assert r.status_code == 201, r.text
    return r.json()["feasibility"]


def test_first_quotas_leave_room_to_grant(service) -> None:
    from sqlmodel import select

    from scheduler.core.models import Cloud
    from scheduler.quotas import summary

    q = default_policy().quotas
    with service.session() as session:
        clouds = [c.id for c in session.exec(select(Cloud).where(Cloud.kind != "backup"))]
        sums = {c: summary(session, c) for c in clouds}
    for cloud, sm in sums.items():
        if not any(sm["used"].values()):
            continue
        for r in ("vcpu", "memory_gib"):
            room_above_use = sm["allottable"][r] - sm["used"][r]
            if room_above_use <= 0:
                continue
            # the seeds took at most seed_room_share of the room above use (plus rounding up to whole units)
            assert sm["grantable"][r] >= room_above_use * (1 - q.seed_room_share) * q.overcommit.as_dict()[r] - 20, (cloud, r, sm)


def test_short_request_is_answered_by_the_aggregate_without_placing_anything(client, who, service, monkeypatch) -> None:
    room = _grantable(service, ASK_CLOUD)["vcpu"]
    province = _grantable(service, "gz-gov")["vcpu"]
    assert province > room + 2, "the small fleet's province cloud has more room than gy"
    _no_optimizer(monkeypatch)
    ans = _ask(client, who["dept"], room + 1)
    assert ans["verdict"] == "short" and ans["checked"] == "aggregate"
    assert ans["short"]["vcpu"] == pytest.approx(1.0, abs=0.01), ans  # short in quota terms: ask 1 vCPU less
    assert ans["alternatives"] == ["gz-gov"] and "the province cloud could take it" in ans["message"]
    ans = _ask(client, who["dept"], province + 1)
    assert ans["verdict"] == "short" and ans["alternatives"] == []
    assert "no other cloud it may use could take it either" in ans["message"]


def test_request_that_fits_is_packed_and_granted(client, who, service) -> None:
    room = _grantable(service, ASK_CLOUD)["vcpu"]
    req = client.post("/api/v1/quota-requests", headers=who["dept"],
                      json={"department": "gy-bigdata-bureau", "cloud": ASK_CLOUD, "amount": {"vcpu": 16},
                            "justification": "a new analytics cluster for the statistics bureau"}).json()
    assert room >= 16 and req["feasibility"]["verdict"] == "feasible" and req["feasibility"]["checked"] == "packed"
    r = client.post(f"/api/v1/quota-requests/{req['id']}/approve", headers=who["gy"], json={"reason": "ok"})
    assert r.status_code == 200 and r.json()["state"] == "approved", r.text
    assert _grantable(service, ASK_CLOUD)["vcpu"] == pytest.approx(room - 16, abs=0.01)


def test_overcommit_ratio_decides_how_much_unused_quota_is_reserved(client, who, service, monkeypatch) -> None:
    import scheduler.core.policy as policy_mod

    base = default_policy()
    assert base.quotas.overcommit.vcpu > 1
    loose = _grantable(service, ASK_CLOUD)["vcpu"]
    strict = replace(base, quotas=replace(base.quotas, overcommit=ResourceAmounts(1.0, 1.0, 1.0, 1.0)))
    with monkeypatch.context() as m:
        m.setattr(policy_mod, "get_policy", lambda: strict)
        for mod in ("scheduler.quotas.ledger", "scheduler.quotas.feasibility"):
            m.setattr(sys.modules[mod], "get_policy", lambda: strict)  # the package re-exports a function of that name
        tight = _grantable(service, ASK_CLOUD)["vcpu"]
        assert tight < loose, "fully reserving unused quota leaves less to grant"
        ans = _ask(client, who["dept"], (tight + loose) / 2)
        assert ans["verdict"] == "short", ans
    ans = _ask(client, who["dept"], (tight + loose) / 2)
    assert ans["verdict"] != "short", ans
    assert set(RESOURCES) == set(base.quotas.overcommit.as_dict())
