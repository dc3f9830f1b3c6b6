"""The Guizhou clouds as data and the seeded fleet generator.

The generated placements are checked against the contract by a small checker written here from the
contract text alone, so a bug in the generator cannot hide behind shared code.
"""

from __future__ import annotations

import json
import time
from collections import Counter, defaultdict
from typing import Any

import pytest

from adapters.guizhou import CLOUDS, DEPARTMENT_BY_ID, DEPARTMENTS
from adapters.guizhou_fleet import build_fleet, generate_fleet

CITY_CLOUDS = ["gy", "zy", "lps", "as", "bj", "tr", "qdn", "qn", "qxn"]


def rule_violations(doc: dict[str, Any]) -> list[str]:
    """Every way the current placements break the contract's default rules (empty when valid)."""
    out: list[str] = []
    resources = doc["resources"]
    clouds = {c["id"]: c for c in doc["clouds"]}
    hosts = {h["id"]: h for h in doc["hosts"]}
    if len(clouds) != len(doc["clouds"]) or len(hosts) != len(doc["hosts"]):
        out.append("duplicate cloud or host id")
    if len({w["id"] for w in doc["workloads"]}) != len(doc["workloads"]):
        out.append("duplicate workload id")
    province = next(c for c in clouds if clouds[c]["kind"] == "province")
    backup = next(c for c in clouds if clouds[c]["kind"] == "backup")
    by_city = {c["city"]: c["id"] for c in doc["clouds"] if c["kind"] == "city"}
    by_industry = {c["industry"]: c["id"] for c in doc["clouds"] if c["kind"] == "industry"}
    used: dict[str, Counter[str]] = defaultdict(Counter)
    groups: dict[str, list[str]] = defaultdict(list)
    for w in doc["workloads"]:
        wid, host = w["id"], w["host"]
        if set(w["demand"]) - set(resources) or any(v < 0 for v in w["demand"].values()):
            out.append(f"{wid}: bad demand")
        if host is None:
            if w.get("pinned"):
                out.append(f"{wid}: pinned without a host")
            continue
        if host not in hosts:
            out.append(f"{wid}: unknown host {host}")
            continue
        if w["classification"] == "classified":
            out.append(f"{wid}: classified workload placed")
        if w["industry"] is not None:
            home = by_industry.get(w["industry"])
        elif w["tier"] == "province":
            home = province
        else:
            home = by_city.get(w["city"])
        cloud = hosts[host]["cloud"]
        allowed = {home, province} | ({backup} if w.get("role") == "dr-replica" else set())
        if cloud not in allowed:
            out.append(f"{wid}: on {cloud}, home {home}")
        if clouds[cloud]["mlps_level"] < w["mlps_level"]:
            out.append(f"{wid}: mlps {w['mlps_level']} on {cloud} (mlps {clouds[cloud]['mlps_level']})")
        if not hosts[host].get("schedulable", True):
            out.append(f"{wid}: on unschedulable {host}")
        used[host].update(w["demand"])
        if w.get("spread_group"):
            groups[w["spread_group"]].append(host)
    for hid, u in used.items():
        for r in resources:
            if u[r] > hosts[hid]["capacity"].get(r, 0) + 1e-9:
                out.append(f"{hid}: {r} {u[r]} > {hosts[hid]['capacity'][r]}")
    for g, members in groups.items():
        if len(members) != len(set(members)):
            out.append(f"spread group {g} shares a host")
    return out


@pytest.fixture(scope="module")
def fleet() -> dict[str, Any]:
    return generate_fleet()


def test_fourteen_clouds_of_the_right_kinds() -> None:
    ids = [c.id for c in CLOUDS]
    assert ids == ["gz-gov", "gz-backup", *CITY_CLOUDS, "edu", "health", "transport"]
    kinds = {c.id: c.kind for c in CLOUDS}
    assert kinds["gz-gov"] == "province" and kinds["gz-backup"] == "backup"
    assert all(kinds[c] == "city" for c in CITY_CLOUDS)
    assert {c.industry for c in CLOUDS if c.kind == "industry"} == {"education", "health", "transport"}
    by_id = {c.id: c for c in CLOUDS}
    assert by_id["gy"].city == "guiyang" and by_id["qxn"].city == "qianxinan" and by_id["gy"].mlps_level == 3
    assert all(c.name and c.name_en and c.mlps_level in (2, 3) for c in CLOUDS)


def test_departments_form_a_tree_at_three_levels() -> None:
    seen: set[str] = set()
    for d in DEPARTMENTS:
        assert d.id == d.id.lower() and " " not in d.id
        assert d.parent is None or d.parent in seen, f"{d.id}: parent {d.parent} not listed before it"
        seen.add(d.id)
    assert len(seen) == len(DEPARTMENTS)
    levels = Counter(d.level for d in DEPARTMENTS)
    assert 10 <= levels["province"] and levels["city"] >= 9 * 4 and levels["county"] >= 9 * 3
    for d in DEPARTMENTS:
        if d.level == "county" and d.industry is None:
            parent = DEPARTMENT_BY_ID[d.parent]  # type: ignore[index]
            assert parent.level == "city" and parent.city == d.city
    assert {"prov-health-commission", "prov-bigdata-bureau", "gy-huaxi-bigdata-center"} <= seen
    assert {d.industry for d in DEPARTMENTS if d.industry} == {"education", "health", "transport"}
    classified_bodies = ("public-security", "state-security", "secrecy", "military", "armed-police")
    assert not [d.id for d in DEPARTMENTS if any(b in d.id for b in classified_bodies)]


def test_default_fleet_obeys_every_contract_rule(fleet: dict[str, Any]) -> None:
    assert fleet["resources"] == ["vcpu", "memory_gib", "gpu", "storage_gib"]
    assert len(fleet["hosts"]) == 300 and len(fleet["workloads"]) == 3000
    assert fleet["objective"] == {"mode": "consolidate", "max_migrations": None, "time_limit_s": 30}
    assert fleet["failed_clouds"] == []
    assert rule_violations(fleet) == []


def test_fleet_is_accepted_by_the_optimizer_parser(fleet: dict[str, Any]) -> None:
    from optimizer.fleet import parse_fleet

    parsed = parse_fleet(fleet)
    assert [h.id for h in parsed.hosts] == [h["id"] for h in fleet["hosts"]]
    assert [w.id for w in parsed.workloads] == [w["id"] for w in fleet["workloads"]]
    assert {w.id: w.host for w in parsed.workloads} == {w["id"]: w["host"] for w in fleet["workloads"]}


def test_fleet_passes_the_optimizer_checker(fleet: dict[str, Any]) -> None:
    from optimizer.check import check_placement

    assert check_placement(fleet) == []


def test_workloads_are_consistent_with_their_departments(fleet: dict[str, Any]) -> None:
    for w in fleet["workloads"]:
        d = DEPARTMENT_BY_ID[w["department"]]
        assert (w["tier"], w["city"], w["industry"]) == (d.level, d.city, d.industry), w["id"]
        assert w["mlps_level"] in (2, 3)
        assert 1 <= w["demand"]["vcpu"] <= 32 and 2 <= w["demand"]["memory_gib"] <= 128
        assert 40 <= w["demand"]["storage_gib"] <= 2000
    assert [w["id"] for w in fleet["workloads"][:2]] == ["w-000001", "w-000002"]


def test_fleet_looks_like_a_real_province(fleet: dict[str, Any]) -> None:
    hosts = {h["id"]: h for h in fleet["hosts"]}
    per_cloud: Counter[str] = Counter()
    for h in fleet["hosts"]:
        per_cloud[h["cloud"]] += h["capacity"]["vcpu"]
    assert per_cloud.most_common(1)[0][0] == "gz-gov"
    assert max(per_cloud[c] for c in CITY_CLOUDS) == per_cloud["gy"]
    assert set(per_cloud) == {c.id for c in CLOUDS}
    assert hosts["gz-gov-h0001"] and hosts["gy-h0001"]
    assert len({tuple(h["capacity"].values()) for h in fleet["hosts"]}) >= 4, "heterogeneous server models"
    gpu_hosts = {h["id"] for h in fleet["hosts"] if h["capacity"]["gpu"] > 0}
    assert 0.03 <= len(gpu_hosts) / len(hosts) <= 0.08
    assert all(hosts[h]["capacity"]["gpu"] in (4, 8) for h in gpu_hosts)

    ws = fleet["workloads"]
    cls = Counter(w["classification"] for w in ws)
    assert cls["internal"] > cls["public"] > cls["sensitive"] > cls["classified"] > 0
    assert all(w["host"] is None for w in ws if w["classification"] == "classified")
    gpu_ws = [w for w in ws if w["demand"]["gpu"] > 0]
    assert gpu_ws and all(w["host"] is None or w["host"] in gpu_hosts for w in gpu_ws)
    pending = [w for w in ws if w["host"] is None and w["classification"] != "classified"]
    assert 0.005 <= len(pending) / len(ws) <= 0.03
    replicas = [w for w in ws if w["role"] == "dr-replica"]
    assert replicas and all(hosts[w["host"]]["cloud"] == "gz-backup" for w in replicas)
    assert all(w["role"] == "dr-replica" for w in ws if w["host"] and hosts[w["host"]]["cloud"] == "gz-backup")
    protected = [w for w in ws if w["dr"]["protected"]]
    assert 0.3 <= len(protected) / len(ws) <= 0.5
    assert {w["dr"]["priority"] for w in protected} == {1, 2, 3}
    assert all(15 <= w["dr"]["rto_minutes"] <= 480 for w in protected)
    pinned = [w for w in ws if w["pinned"]]
    assert 0 < len(pinned) <= 0.02 * len(ws) and all(w["host"] for w in pinned)

    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for w in ws:
        if w["spread_group"]:
            groups[w["spread_group"]].append(w)
    assert groups and all(2 <= len(g) <= 4 and len({w["department"] for w in g}) == 1 for g in groups.values())

    # Roughly half full and scattered: consolidation has something to gain.
    used: Counter[str] = Counter()
    for w in ws:
        if w["host"]:
            used[w["host"]] += w["demand"]["vcpu"] / hosts[w["host"]]["capacity"]["vcpu"]
    fills = [used[h] for h in hosts if hosts[h]["cloud"] != "gz-backup"]
    mean = sum(fills) / len(fills)
    assert 0.4 <= mean <= 0.65
    assert sum(1 for f in fills if f < 0.7) / len(fills) > 0.8


@pytest.mark.parametrize("size", [(300, 3000), (60, 500)])
def test_backup_node_can_take_the_province_clouds_protected_workloads(size: tuple[int, int]) -> None:
    doc = generate_fleet(*size)
    cloud = {h["id"]: h["cloud"] for h in doc["hosts"]}
    need: Counter[str] = Counter()
    for w in doc["workloads"]:
        if w["host"] and (w["role"] == "dr-replica" or (cloud[w["host"]] == "gz-gov" and w["dr"]["protected"])):
            need.update(w["demand"])
    have: Counter[str] = Counter()
    for h in doc["hosts"]:
        if h["cloud"] == "gz-backup":
            have.update(h["capacity"])
    assert all(need[r] <= have[r] for r in ("vcpu", "memory_gib", "storage_gib")), (need, have)


def test_same_seed_same_fleet_other_seed_other_fleet() -> None:
    a = json.dumps(generate_fleet(60, 500, seed=7), sort_keys=True)
    assert a == json.dumps(generate_fleet(60, 500, seed=7), sort_keys=True)
    assert a != json.dumps(generate_fleet(60, 500, seed=8), sort_keys=True)


@pytest.mark.parametrize(("hosts", "workloads"), [(0, 0), (0, 50), (14, 100), (60, 500), (20, 3000), (400, 800)])
def test_any_size_stays_within_the_rules(hosts: int, workloads: int) -> None:
    """Too many workloads for the hosts: the rest stays pending, no rule is broken."""
    doc = generate_fleet(hosts, workloads, seed=3)
    assert len(doc["hosts"]) == hosts and len(doc["workloads"]) == workloads
    assert rule_violations(doc) == []
    if (hosts, workloads) == (20, 3000):
        assert sum(1 for w in doc["workloads"] if w["host"] is None) > 1000


def test_names_and_models_come_with_the_document() -> None:
    fleet = build_fleet(60, 500, seed=1)
    assert set(fleet.host_models) == {h["id"] for h in fleet.doc["hosts"]}
    assert set(fleet.workload_names) == {w["id"] for w in fleet.doc["workloads"]}
    assert fleet.doc == generate_fleet(60, 500, seed=1)


@pytest.mark.slow
def test_xl_fleet_generates_validly() -> None:
    t0 = time.perf_counter()
    doc = generate_fleet(5000, 60000, seed=0)
    elapsed = time.perf_counter() - t0
    assert elapsed < 120, f"xl fleet took {elapsed:.1f} s"  # hang guard, ~20x the expected 5.5 s
    assert len(doc["hosts"]) == 5000 and len(doc["workloads"]) == 60000
    assert rule_violations(doc) == []
    placed = sum(1 for w in doc["workloads"] if w["host"])
    assert placed / 60000 > 0.97
