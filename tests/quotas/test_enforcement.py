"""Registering workloads: within quota placed and created on the cloud; beyond it refused with the numbers."""

from __future__ import annotations

from tests.quotas.conftest import set_quota, standing


def body(**kw):  # type: ignore[no-untyped-def]
    return {"department": "gy-bigdata-bureau", "cloud": "gy", "name": "data-exchange-2",
            "demand": {"vcpu": 4, "memory_gib": 8, "storage_gib": 100}, "classification": "internal",
            "mlps_level": 2, **kw}


def test_within_quota_is_placed_created_and_audited(client, who) -> None:
    from scheduler.core.registry import get_adapters

    r = client.post("/api/v1/workloads", headers=who["dept"], json=body())
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["host"].startswith("gy-") and out["workload"]["host"] == out["host"]
    assert out["workload"]["tier"] == "city" and out["workload"]["city"] == "guiyang"
    wid = out["workload"]["id"]
    assert client.get(f"/api/v1/workloads/{wid}", headers=who["dept"]).json()["host"] == out["host"]
    sim = {w["id"]: w["host"] for w in get_adapters().simulated.fleet_document()["workloads"]}
    assert sim[wid] == out["host"]
    events = client.get("/api/v1/audit/events?action=workload.registered", headers=who["prov"]).json()["items"]
    assert events and events[0]["entity_id"] == wid
    # an inventory sync keeps it: the cloud reports what we stored
    from scheduler.core.sync import sync_all
    sync_all(get_adapters().all())
    assert client.get(f"/api/v1/workloads/{wid}", headers=who["dept"]).json()["host"] == out["host"]


def test_beyond_quota_is_403_with_the_numbers(client, who) -> None:
    s = standing(client, who["dept"], "gy-bigdata-bureau", "gy")
    ask = s["headroom"]["vcpu"] + 1
    r = client.post("/api/v1/workloads", headers=who["dept"], json=body(demand={"vcpu": ask, "memory_gib": 1}))
    assert r.status_code == 403, r.text
    err = r.json()
    assert err["field"] == "demand.vcpu" and err["over"]["vcpu"] > 0
    assert err["standing"]["nominal"]["vcpu"] == s["nominal"]["vcpu"]
    assert f"quota {s['nominal']['vcpu']:g} vCPU" in err["detail"]
    assert standing(client, who["dept"], "gy-bigdata-bureau", "gy")["used"] == s["used"]


def test_who_may_register(client, who) -> None:
    assert client.post("/api/v1/workloads", headers=who["zydept"], json=body()).status_code == 403
    assert client.post("/api/v1/workloads", headers=who["zy"], json=body()).status_code == 403
    assert client.post("/api/v1/workloads", headers=who["aud"], json=body()).status_code == 403
    assert client.post("/api/v1/workloads", headers=who["gy"], json=body()).status_code == 201
    # the city department's admin may register for its county office
    r = client.post("/api/v1/workloads", headers=who["dept"], json=body(department="gy-huaxi-bigdata-center"))
    assert r.status_code == 201, r.text
    assert r.json()["workload"]["tier"] == "county"


def test_bad_registrations_name_the_field(client, who) -> None:
    cases = [(body(demand={"vcpu": -1, "memory_gib": 2}), "demand.vcpu"),
             (body(demand={"gpus": 1}), "demand.gpus"),
             (body(cloud="zy"), "cloud"),
             (body(classification="classified"), "classification"),
             (body(mlps_level=9), "mlps_level"),
             (body(name=""), "name")]
    for b, field in cases:
        r = client.post("/api/v1/workloads", headers=who["dept"], json=b)
        assert 400 <= r.status_code < 500 and r.json()["field"] == field, (b, r.text)


def test_borrowing_from_the_cohort_and_its_limit(client, who) -> None:
    """A department may use idle quota of its cloud's cohort, up to half its own quota above it."""
    set_quota("gy-bigdata-bureau", "gy", vcpu=0, memory_gib=0)
    s0 = standing(client, who["dept"], "gy-bigdata-bureau", "gy")
    used = s0["used"]
    set_quota("gy-bigdata-bureau", "gy", vcpu=used["vcpu"] + 10, memory_gib=used["memory_gib"] + 40)
    s = standing(client, who["dept"], "gy-bigdata-bureau", "gy")
    assert s["borrowing_limit"]["vcpu"] == (used["vcpu"] + 10) * 0.5
    # 10 vCPU of its own, more borrowed from idle quota of the cohort
    r = client.post("/api/v1/workloads", headers=who["dept"], json=body(demand={"vcpu": 14, "memory_gib": 8}))
    assert r.status_code == 201, r.text
    s = standing(client, who["dept"], "gy-bigdata-bureau", "gy")
    assert s["borrowed"]["vcpu"] == 4
    assert s["headroom"]["vcpu"] <= s["borrowing_limit"]["vcpu"] - 4 + 1e-6
    # beyond the borrowing limit: refused
    r = client.post("/api/v1/workloads", headers=who["dept"],
                    json=body(demand={"vcpu": s["borrowing_limit"]["vcpu"], "memory_gib": 1}))
    assert r.status_code == 403 and r.json()["field"] == "demand.vcpu"


def test_owner_reclaims_what_borrowers_use(client, who) -> None:
    """Two departments alone in a cohort: one borrows the other's idle quota; the owner gets a reclaim list."""
    from sqlmodel import select

    from scheduler.core.db import session_scope
    from scheduler.quotas import usage
    from scheduler.quotas.models import Quota

    with session_scope() as session:  # everyone else on gy uses exactly its quota: nothing idle, nothing borrowed
        used = usage(session, "gy")
        for q in session.exec(select(Quota).where(Quota.cloud_id == "gy")):
            if q.department_id not in ("gy-bigdata-bureau", "gy-huaxi-bigdata-center"):
                for r, v in used.get(q.department_id, {}).items():
                    setattr(q, r, v)
    big = standing(client, who["dept"], "gy-bigdata-bureau", "gy")["used"]
    small = standing(client, who["county"], "gy-huaxi-bigdata-center", "gy")["used"]
    set_quota("gy-bigdata-bureau", "gy", vcpu=big["vcpu"], memory_gib=big["memory_gib"] + 1000)
    set_quota("gy-huaxi-bigdata-center", "gy", vcpu=small["vcpu"] + 40, memory_gib=small["memory_gib"] + 1000)
    # the bureau borrows 16 vCPU of the county office's idle quota (its own is fully used)
    for _ in range(2):
        r = client.post("/api/v1/workloads", headers=who["dept"], json=body(demand={"vcpu": 8, "memory_gib": 8}))
        assert r.status_code == 201, r.text
    assert standing(client, who["dept"], "gy-bigdata-bureau", "gy")["borrowed"]["vcpu"] == 16
    owner = standing(client, who["county"], "gy-huaxi-bigdata-center", "gy")
    assert owner["lent"]["vcpu"] > 0
    # the owner now needs 30 of its 40 idle vCPU: more than the pool has left; refused, and a reclaim names the borrowers
    r = client.post("/api/v1/workloads", headers=who["county"],
                    json=body(department="gy-huaxi-bigdata-center", demand={"vcpu": 30, "memory_gib": 8}))
    assert r.status_code == 403, r.text
    err = r.json()
    assert err["reclaimable"]["vcpu"] > 0 and err["reclaim"]["workloads"]
    rc = client.get("/api/v1/quotas/reclaims?cloud=gy", headers=who["gy"]).json()["items"][0]
    assert rc["department"] == "gy-huaxi-bigdata-center" and rc["covered"]
    assert {w["department"] for w in rc["workloads"]} == {"gy-bigdata-bureau"}
    assert sum(w["demand"]["vcpu"] for w in rc["workloads"]) >= rc["shortfall"]["vcpu"]
    # the borrower's admin sees the reclaim of its workloads; an explicit reclaim works the same
    assert client.get("/api/v1/quotas/reclaims", headers=who["dept"]).json()["total"] >= 1
    r = client.post("/api/v1/quotas/reclaim", headers=who["county"],
                    json={"department": "gy-huaxi-bigdata-center", "cloud": "gy"})
    assert r.status_code == 201 and r.json()["workloads"], r.text
    assert client.post("/api/v1/quotas/reclaim", headers=who["zydept"],
                       json={"department": "gy-huaxi-bigdata-center", "cloud": "gy"}).status_code == 403
