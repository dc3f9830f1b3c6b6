"""Usage against quota, JSON and CSV, each user within its scope; the first quotas fit every cloud."""

from __future__ import annotations

import csv
import io


def test_seeded_quotas_cover_use_and_fit_each_cloud(client, who) -> None:
    body = client.get("/api/v1/quotas", headers=who["prov"]).json()
    assert body["total"] > 20
    for c in body["clouds"]:
        holders = sum(1 for i in body["items"] if i["cloud"] == c["cloud"])
        for r, v in c["granted"].items():
            assert v >= c["used"][r] - 1e-6, (c["cloud"], r)  # every department's use is covered
            # the seed share is scaled down to what the cloud can allot (each grant rounded up to a whole unit)
            assert v <= max(c["used"][r], c["allottable"][r]) + holders, (c["cloud"], r)
    assert all(i["nominal"]["vcpu"] >= i["used"]["vcpu"] for i in body["items"])


def test_department_sees_only_its_own(client, who) -> None:
    items = client.get("/api/v1/quotas/usage", headers=who["county"]).json()["items"]
    assert items and {i["department"] for i in items} == {"gy-huaxi-bigdata-center"}
    assert client.get("/api/v1/quotas/usage?department=gy-bigdata-bureau", headers=who["county"]).status_code == 403
    assert client.get("/api/v1/quotas?department=zy-bigdata-bureau", headers=who["dept"]).status_code == 403
    # the city department sees itself and its county offices
    depts = {i["department"] for i in client.get("/api/v1/quotas/usage", headers=who["dept"]).json()["items"]}
    assert "gy-bigdata-bureau" in depts and "gy-huaxi-bigdata-center" in depts
    assert all(d.startswith("gy-") for d in depts)
    # an operator sees its own cloud only
    assert {i["cloud"] for i in client.get("/api/v1/quotas/usage", headers=who["gy"]).json()["items"]} == {"gy"}
    assert client.get("/api/v1/quotas/usage?cloud=zy", headers=who["gy"]).status_code == 403
    assert client.get("/api/v1/quotas/usage?cloud=mars", headers=who["prov"]).json()["field"] == "cloud"
    assert client.get("/api/v1/quotas/usage?colour=red", headers=who["prov"]).status_code == 400


def test_csv(client, who) -> None:
    r = client.get("/api/v1/quotas/usage?format=csv&cloud=gy", headers=who["gy"])
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert rows and set(rows[0]) == {"department", "parent", "cloud", "resource", "quota", "used", "borrowed", "lent",
                                     "headroom", "used_share"}
    assert {row["resource"] for row in rows} == {"vcpu", "memory_gib", "gpu", "storage_gib"}
    assert {row["cloud"] for row in rows} == {"gy"}
