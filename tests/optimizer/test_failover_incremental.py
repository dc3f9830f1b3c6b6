"""Failover by DR priority, and incremental placement of single workloads."""

from __future__ import annotations

import numpy as np

import optimizer

CLOUDS = [{"id": "gz-gov", "kind": "province", "city": None, "industry": None, "mlps_level": 3},
          {"id": "gz-backup", "kind": "backup", "city": None, "industry": None, "mlps_level": 3},
          {"id": "gy", "kind": "city", "city": "guiyang", "industry": None, "mlps_level": 3}]


def w(i: str, cpu: int, host: str | None, prio: int | None = None, **kw: object) -> dict:
    d = {"id": i, "tier": "province", "classification": "internal", "mlps_level": 2, "demand": {"cpu": cpu},
         "host": host, "dr": {"protected": prio is not None, "priority": prio or 3}}
    d.update(kw)
    return d


def test_failover_restarts_by_priority() -> None:
    doc = {"resources": ["cpu"], "clouds": CLOUDS,
           "hosts": [{"id": "gov-1", "cloud": "gz-gov", "capacity": {"cpu": 20}},
                     {"id": "bak-1", "cloud": "gz-backup", "capacity": {"cpu": 10}}],
           "workloads": [w("low", 6, "gov-1", 3), w("high", 6, "gov-1", 1), w("mid", 4, "gov-1", 2),
                         w("none", 1, "gov-1")]}
    plan = optimizer.failover(doc, ["gz-gov"], time_limit_s=1).to_document()
    assert plan["assignments"] == {"high": "bak-1", "mid": "bak-1"}
    unplaced = {u["workload"]: u["reason"] for u in plan["unplaced"]}
    assert "not DR-protected" in unplaced["none"]
    assert "low" in unplaced and "priority 3" in unplaced["low"]
    assert all(m["from"] == "gov-1" and "failed" in m["reason"] for m in plan["moves"])
    doc["failed_clouds"] = ["gz-gov"]
    assert optimizer.check_plan(doc, plan) == []
    # a plan that restarted the low priority one instead breaks the priority rule
    bad = {**plan, "assignments": {"low": "bak-1", "mid": "bak-1"},
           "unplaced": [{"workload": "high", "reason": "x"}, {"workload": "none", "reason": "not DR-protected"}],
           "moves": [{"step": 1, "workload": "low", "from": "gov-1", "to": "bak-1", "reason": "r"},
                     {"step": 2, "workload": "mid", "from": "gov-1", "to": "bak-1", "reason": "r"}]}
    assert any(v.startswith("priority") for v in optimizer.check_plan(doc, bad))


def test_failover_uses_home_city_cloud_then_backup() -> None:
    doc = {"resources": ["cpu"], "clouds": CLOUDS,
           "hosts": [{"id": "gy-1", "cloud": "gy", "capacity": {"cpu": 10}},
                     {"id": "gov-1", "cloud": "gz-gov", "capacity": {"cpu": 10}},
                     {"id": "bak-1", "cloud": "gz-backup", "capacity": {"cpu": 10}}],
           "workloads": [w("c1", 8, "gy-1", 1, tier="city", city="guiyang"),
                         w("c2", 1, "gov-1", None, tier="city", city="guiyang")]}
    plan = optimizer.failover(doc, ["gy"], time_limit_s=1).to_document()
    assert plan["assignments"]["c1"] in ("gov-1", "bak-1")
    doc["failed_clouds"] = ["gy"]
    assert optimizer.check_plan(doc, plan) == []


def big_fleet(n_hosts: int) -> dict:
    rng = np.random.default_rng(0)
    hosts = [{"id": f"h{i}", "cloud": "gz-gov" if i % 2 else "gy", "capacity": {"cpu": 64, "mem": 256}}
             for i in range(n_hosts)]
    ws = [{"id": f"w{i}", "tier": "city", "city": "guiyang", "classification": "internal", "mlps_level": 2,
           "demand": {"cpu": int(rng.integers(1, 8)), "mem": int(rng.integers(1, 32))}, "host": f"h{i % n_hosts}",
           "spread_group": None} for i in range(n_hosts * 4)]
    return {"resources": ["cpu", "mem"], "clouds": CLOUDS, "hosts": hosts, "workloads": ws}


def test_incremental_respects_rules_at_5000_hosts() -> None:
    """Its latency (p50, p99 at 5,000 hosts) is measured by bench/optimizer_bench.py, not here."""
    doc = big_fleet(5000)
    placer = optimizer.IncrementalPlacer(doc)
    for i in range(300):
        p = placer.place({"id": f"n{i}", "tier": "city", "city": "guiyang", "classification": "internal",
                          "mlps_level": 2, "demand": {"cpu": 4, "mem": 16}, "spread_group": "s" if i < 5 else None})
        assert p.host is not None
    # spread group members landed on distinct hosts
    hosts = [placer.placed[f"n{i}"][0] for i in range(5)]
    assert len(set(hosts)) == 5


def test_incremental_refuses_with_reason() -> None:
    doc = big_fleet(4)
    placer = optimizer.IncrementalPlacer(doc)
    p = placer.place({"id": "x", "tier": "province", "classification": "internal", "mlps_level": 2,
                      "demand": {"cpu": 1000, "mem": 1}})
    assert p.host is None and "cpu" in p.reason
    p = placer.place({"id": "y", "tier": "province", "classification": "classified", "mlps_level": 2,
                      "demand": {"cpu": 1, "mem": 1}})
    assert p.host is None and "classified" in p.reason
    p = placer.place({"id": "z", "tier": "province", "classification": "public", "mlps_level": 4,
                      "demand": {"cpu": 1, "mem": 1}})
    assert p.host is None  # MLPS 4 exceeds every cloud's level
    placed = placer.place({"id": "ok", "tier": "province", "classification": "public", "mlps_level": 1,
                           "demand": {"cpu": 1, "mem": 1}})
    assert placed.host is not None and placed.host.startswith("h")


def test_incremental_strands_fewest_gpus() -> None:
    """The host without GPUs is full, so both candidates have GPUs. A CPU-only workload fits most tightly on `a`, whose 2 free GPUs would
    then keep too few vCPUs for the GPU workloads' mix (about 8 vCPUs per GPU here); on `b`, whose GPUs
    are all taken, it strands nothing, so it goes there (the ATC'23 paper's fragmentation)."""
    cap = {"cpu": 96, "gpu": 8}
    doc = {"resources": ["cpu", "gpu"], "clouds": CLOUDS[:1],
           "hosts": [{"id": "a", "cloud": "gz-gov", "capacity": cap}, {"id": "b", "cloud": "gz-gov", "capacity": cap},
                     {"id": "c", "cloud": "gz-gov", "capacity": {"cpu": 96, "gpu": 0}}],
           "workloads": [{"id": "full-c", "tier": "province", "classification": "internal", "mlps_level": 1,
                          "demand": {"cpu": 96, "gpu": 0}, "host": "c"},
                         {"id": "busy-a", "tier": "province", "classification": "internal", "mlps_level": 1,
                          "demand": {"cpu": 76, "gpu": 6}, "host": "a"},
                         {"id": "gpus-b", "tier": "province", "classification": "internal", "mlps_level": 1,
                          "demand": {"cpu": 36, "gpu": 8}, "host": "b"},
                         {"id": "mix", "tier": "province", "classification": "internal", "mlps_level": 1,
                          "demand": {"cpu": 12, "gpu": 1}, "host": None}]}
    placer = optimizer.IncrementalPlacer(doc)
    p = placer.place({"id": "cpu-only", "tier": "province", "classification": "internal", "mlps_level": 1,
                      "demand": {"cpu": 8, "gpu": 0}})
    assert p.host == "b"
