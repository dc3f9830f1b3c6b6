"""Who may drill, what a drill request must say, and the report as a page."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo


def test_only_dr_coordinators_and_the_province_centre_start_drills(client, people) -> None:
    for who in ("gy1", "dept", "aud"):
        for mode in ("tabletop", "live"):
            r = client.post("/api/v1/drills", json={"clouds": ["gy"], "mode": mode}, headers=people[who])
            assert r.status_code == 403 and r.json()["field"] == "role", (who, r.text)
        for path in ("declare-down", "declare-up"):
            r = client.post(f"/api/v1/clouds/gy/{path}", headers=people[who])
            assert r.status_code == 403 and r.json()["field"] == "role", (who, r.text)
    assert client.post("/api/v1/drills", json={"clouds": ["gy"], "mode": "tabletop"}).status_code == 401


BAD = [
    ({"clouds": [], "mode": "tabletop"}, 422, "clouds", "at least one cloud"),
    ({"clouds": ["nowhere"], "mode": "tabletop"}, 422, "clouds", "unknown cloud 'nowhere'"),
    ({"clouds": ["gz-backup"], "mode": "live"}, 422, "clouds", "backup node"),
    ({"clouds": ["gy", "gy"], "mode": "tabletop"}, 422, "clouds", "given twice"),
    ({"clouds": "gy", "mode": "tabletop"}, 422, "clouds", "list"),
    ({"clouds": [7], "mode": "tabletop"}, 422, "clouds[0]", "must be text"),
    ({"mode": "tabletop"}, 422, "clouds", "required"),
    ({"clouds": ["gy"], "mode": "real"}, 422, "mode", "tabletop"),
    ({"clouds": ["gy"]}, 422, "mode", "required"),
    ({"clouds": ["gy"], "mode": "tabletop", "speed": "fast"}, 422, "speed", "unknown field; allowed: clouds, mode"),
]


def test_bad_drill_requests_name_the_field(client, people) -> None:
    for body, status, field, words in BAD:
        r = client.post("/api/v1/drills", json=body, headers=people["dr"])
        assert r.status_code == status, (body, r.text)
        assert r.json()["field"] == field and words in r.json()["detail"], (body, r.json())
    assert client.get("/api/v1/drills", headers=people["dr"]).json()["total"] == 0


def test_reading_drills_and_their_reports(client, people) -> None:
    assert client.get("/api/v1/drills/999", headers=people["dr"]).status_code == 404
    drill = client.post("/api/v1/drills", json={"clouds": ["zy"], "mode": "tabletop"}, headers=people["dr"]).json()
    r = client.get(f"/api/v1/drills/{drill['id']}/report?format=pdf", headers=people["dr"])
    assert r.status_code == 422 and r.json()["field"] == "format"
    assert client.get(f"/api/v1/drills/{drill['id']}", headers=people["gy1"]).status_code == 404, "not gy's drill"
    assert client.get(f"/api/v1/drills/{drill['id']}", headers=people["dept"]).status_code == 403
    assert client.get("/api/v1/drills?state=closed&mode=tabletop", headers=people["prov"]).json()["total"] == 1
    assert client.get("/api/v1/drills?colour=red", headers=people["prov"]).status_code == 400
    r = client.get("/api/v1/drills", headers=people["aud"])  # the auditor reads the audit trail only
    assert r.status_code == 403 and r.json()["field"] == "role"


def test_the_html_report_shows_the_key_numbers(client, people) -> None:
    drill = client.post("/api/v1/drills", json={"clouds": ["gz-gov"], "mode": "tabletop"}, headers=people["dr"]).json()
    report = client.get(f"/api/v1/drills/{drill['id']}/report", headers=people["dr"]).json()
    r = client.get(f"/api/v1/drills/{drill['id']}/report?format=html", headers=people["dr"])
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = r.text
    assert "灾备演练报告" in page and "Disaster-recovery drill report" in page
    s = report["summary"]
    assert f"{s['protected']} 个" in page and f"{s['within_rto']} 个" in page
    assert "分钟 min" in page and "gz-gov" in page and "gz-backup" in page
    for p in report["by_priority"]["predicted"]:
        assert f"P{p['priority']}" in page
    slowest = report["slowest"][0]
    assert slowest["workload"] in page and f"{slowest['predicted_minutes']:.1f} 分钟 min" in page
    local = datetime.fromisoformat(report["drill"]["started_at"]).astimezone(ZoneInfo("Asia/Shanghai"))
    assert local.strftime("%Y-%m-%d %H:%M:%S") in page
    assert "<script" not in page and "<link" not in page and "http://" not in page and "https://" not in page
