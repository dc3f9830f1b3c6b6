"""A drill's headline counts every system of the drilled clouds (protected within RTO, protected late,
protected with no place, not protected) and its printable report has units and no raw field names."""

from __future__ import annotations

import re

import pytest


@pytest.mark.parametrize("cloud", ["gy", "gz-gov"])
def test_headline_adds_up_to_every_system_of_the_drilled_cloud(client, people, service, cloud) -> None:
    from sqlmodel import func, select

    from scheduler.core.models import Host, Workload

    with service.session() as session:
        on_cloud = session.exec(select(func.count()).select_from(Workload).join(Host, Workload.host_id == Host.id)
                                .where(Host.cloud_id == cloud)).one()
        unprotected = session.exec(select(func.count()).select_from(Workload).join(Host, Workload.host_id == Host.id)
                                   .where(Host.cloud_id == cloud, Workload.dr_protected == False)).one()  # noqa: E712
    assert unprotected > 0, "the fleet has unprotected systems to count"
    r = client.post("/api/v1/drills", json={"clouds": [cloud], "mode": "tabletop"}, headers=people["dr"])
    assert r.status_code == 201, r.text
    report = client.get(f"/api/v1/drills/{r.json()['id']}/report", headers=people["dr"]).json()
    hl = report["headline"]
    assert hl["systems"] == on_cloud
    assert hl["not_protected"] == unprotected
    assert hl["within_rto"] + hl["late"] + hl["no_place"] + hl["not_protected"] == hl["systems"]
    assert hl["within_rto"] == report["summary"]["within_rto"]
    assert hl["no_place"] == len(report["did_not_fit"])
    # shares are of every system, so the unprotected cannot hide behind "100 % of the protected"
    assert hl["shares"]["within_rto"] == pytest.approx(hl["within_rto"] / hl["systems"], abs=1e-4)
    assert hl["shares"]["within_rto"] < 1.0
    assert sum(hl["shares"].values()) == pytest.approx(1.0, abs=1e-3)


def test_printed_report_has_units_translated_keys_and_the_headline(client, people) -> None:
    r = client.post("/api/v1/drills", json={"clouds": ["gz-gov"], "mode": "tabletop"}, headers=people["dr"])
    assert r.status_code == 201, r.text
    drill_id = r.json()["id"]
    report = client.get(f"/api/v1/drills/{drill_id}/report", headers=people["dr"]).json()
    page = client.get(f"/api/v1/drills/{drill_id}/report?format=html", headers=people["dr"]).text
    text = re.sub(r"<[^>]+>", " ", page)
    for raw in ("vcpu", "memory_gib", "storage_gib"):
        m = re.search(rf"\b{raw}\b", text)
        assert m is None, f"raw key {raw!r} printed: ...{text[max(0, m.start() - 80):m.end() + 40]}..."
    assert "predicted: predicted" not in text and not re.search(r"预测 predicted:\s*predicted", text)
    hl = report["headline"]
    assert f"共 {hl['systems']} 个系统" in text
    assert f"{hl['not_protected']} 个未受保护" in text
    if report["capacity"] and report["capacity"]["backup"].get("share_after"):
        assert "内存 memory (GiB)" in text and re.search(r"[\d,]+\.\d GiB /", text), "backup rows carry units"
