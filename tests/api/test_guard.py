"""NUL characters and oversized bodies are refused before any route runs, naming the field, on both
databases (PostgreSQL cannot store a NUL in text; it used to answer 500)."""

from __future__ import annotations

import json

from tests.support import logged_in


def test_nul_characters_are_refused_with_the_field_named(client) -> None:
    h = logged_in(client, {"prov": ("province-operator", None), "gyadmin": ("department-admin", "gy-bigdata-bureau")})
    r = client.post("/api/v1/auth/token", data={"username": "pro\x00v", "password": "correct-horse-9"})
    assert (r.status_code, r.json()["field"]) == (422, "username"), r.text
    r = client.get("/api/v1/hosts/a%00b", headers=h["prov"])
    assert (r.status_code, r.json()["field"]) == (422, "path"), r.text
    r = client.get("/api/v1/hosts?cloud=a%00b", headers=h["prov"])
    assert (r.status_code, r.json()["field"]) == (422, "cloud"), r.text
    before = client.get("/api/v1/quota-requests", headers=h["gyadmin"]).json()["total"]
    ask = {"department": "gy-bigdata-bureau", "cloud": "gy", "amount": {"vcpu": 1}, "justification": "n\x00ul"}
    r = client.post("/api/v1/quota-requests", headers=h["gyadmin"], json=ask)
    assert (r.status_code, r.json()["field"]) == (422, "justification"), r.text
    assert client.get("/api/v1/quota-requests", headers=h["gyadmin"]).json()["total"] == before  # nothing stored
    work = {"department": "gy-bigdata-bureau", "cloud": "gy", "name": "a\x00b",
            "demand": {"vcpu": 1, "memory_gib": 1, "gpu": 0, "storage_gib": 1}}
    r = client.post("/api/v1/workloads", headers=h["gyadmin"], json=work)
    assert (r.status_code, r.json()["field"]) == (422, "name"), r.text
    r = client.post("/api/v1/quota-requests", headers=h["gyadmin"], json={**ask, "justification": "a %00 b is fine"})
    assert r.status_code == 201, r.text  # the characters "%00" are not a NUL


def test_a_body_over_the_limit_is_refused_before_it_is_parsed(client) -> None:
    h = logged_in(client, {"prov": ("province-operator", None)})
    huge = json.dumps({"kind": "rebalance", "scope": "gy", "pad": "x" * (2 * 1024 * 1024)})
    r = client.post("/api/v1/plans", headers={**h["prov"], "content-type": "application/json"}, content=huge)
    assert (r.status_code, r.json()["field"]) == (413, "body"), r.text
    assert client.get("/api/v1/plans", headers=h["prov"]).json()["total"] == 0


def test_a_row_id_past_32_bits_is_refused_naming_the_field(client) -> None:
    """PostgreSQL's integer keys are 32-bit: an id that fits SQLite's 64 bits used to overflow there (500)."""
    h = logged_in(client, {"prov": ("province-operator", None)})
    for big in (2**31, 11709386540, 2**63 - 1):
        r = client.get(f"/api/v1/plans/{big}", headers=h["prov"])
        assert (r.status_code, r.json()["field"]) == (422, "plan_id"), r.text
        r = client.post(f"/api/v1/quota-requests/{big}/approve", headers=h["prov"], json={"reason": "x"})
        assert (r.status_code, r.json()["field"]) == (422, "request_id"), r.text
    r = client.get(f"/api/v1/plans/{2**31 - 1}", headers=h["prov"])
    assert (r.status_code, r.json()["field"]) == (404, "plan_id"), r.text
