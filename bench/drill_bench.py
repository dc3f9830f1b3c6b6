"""Benchmark: a tabletop drill for the loss of the whole province cloud, against a first-fit baseline.

    .venv/bin/python bench/drill_bench.py [--hosts 2000] [--workloads 25000] [--seed 0] [--time-limit 10]

What it measures, on a fleet from adapters.guizhou_fleet.generate_fleet:
- the tabletop's planning time (optimizer failover + recovery sequencing + predictions + capacity
  check), against the 15 s target;
- that the failover plan keeps the contract's rules, the failover priority rule included (check_plan);
- the share of priority-1 systems predicted back within their RTO, against a first-fit baseline run
  here: protected workloads of the failed cloud in priority order (tightest RTO first), each onto the
  first eligible host with room, recovery times from the same restart model and the same executor
  concurrency. Both are also shown at higher per-cloud concurrencies, to show what the concurrency
  setting (policy `execution.max_concurrent_restarts_per_cloud`) costs in RTO.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

import optimizer  # noqa: E402
from adapters.guizhou_fleet import generate_fleet  # noqa: E402
from optimizer.rules import Rules  # noqa: E402
from policies import default_policy  # noqa: E402
from policies.model import Execution, RestartModel  # noqa: E402
from scheduler.dr import recovery  # noqa: E402


def first_fit(doc: dict[str, Any], failed: list[str]) -> dict[str, Any]:
    """The baseline: restart in priority order (then RTO), each onto the first eligible host with room."""
    fleet = optimizer.parse_fleet({**doc, "failed_clouds": failed})
    rules = Rules(fleet)
    used = np.zeros_like(fleet.cap)
    groups: set[tuple[str, int]] = set()
    for wi, w in enumerate(fleet.workloads):
        h = int(rules.orig[wi])
        if h >= 0 and bool(rules.host_live[h]):
            used[h] += fleet.dem[wi]
            if w.spread_group:
                groups.add((w.spread_group, h))
    owed = [wi for wi in range(len(fleet.workloads)) if rules.on_failed_cloud(wi) and fleet.workloads[wi].dr.protected]
    owed.sort(key=lambda wi: (fleet.workloads[wi].dr.priority, fleet.workloads[wi].dr.rto_minutes or 240, wi))
    moves, unplaced, assignments = [], [], {}
    for wi in owed:
        w = fleet.workloads[wi]
        target = None
        for h in rules.eligible_hosts(wi):
            h = int(h)
            if np.all(used[h] + fleet.dem[wi] <= fleet.cap[h] + 1e-9) and not (w.spread_group and (w.spread_group, h) in groups):
                target = h
                break
        if target is None:
            unplaced.append({"workload": w.id, "reason": "first fit found no host with room"})
            continue
        used[target] += fleet.dem[wi]
        if w.spread_group:
            groups.add((w.spread_group, target))
        hid = fleet.hosts[target].id
        assignments[w.id] = hid
        moves.append({"step": len(moves) + 1, "workload": w.id, "from": w.host, "to": hid, "reason": "first fit"})
    return {"assignments": assignments, "unplaced": unplaced, "moves": moves, "stats": {}}


def p1_share(fleet: dict[str, Any], plan: dict[str, Any], model: RestartModel, limits: Execution) -> dict[str, Any]:
    rows = recovery.predictions(fleet, plan, model, limits)
    by = {p["priority"]: p for p in recovery.summarise(rows, "predicted_minutes")}
    p1 = by.get(1, {"systems": 0, "within_rto": 0, "share_within_rto": 0.0, "max_minutes": None})
    return {"p1_systems": p1["systems"], "p1_within_rto": p1["within_rto"], "p1_share": p1["share_within_rto"],
            "all_within_rto": sum(1 for r in rows if r["within_rto"]), "protected": len(rows),
            "unplaced": sum(1 for r in rows if r["to_host"] is None),
            "last_back_minutes": max((r["predicted_minutes"] or 0 for r in rows), default=0)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--hosts", type=int, default=2000)
    ap.add_argument("--workloads", type=int, default=25000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--time-limit", type=float, default=10.0, help="optimizer time limit, seconds")
    ap.add_argument("--cloud", default="gz-gov", help="the cloud lost (default: the province cloud)")
    args = ap.parse_args()

    policy = default_policy()
    model, limits = policy.dr.restart_minutes, policy.execution
    doc = generate_fleet(args.hosts, args.workloads, args.seed)
    failed = [args.cloud]

    t0 = time.perf_counter()
    fleet = copy.deepcopy(doc)
    plan = recovery.plan_failover(fleet, failed, model, limits, args.time_limit)
    rows = recovery.predictions(fleet, plan, model, limits)
    capacity = recovery.capacity_check(fleet, plan, policy.dr.backup_reserve_share)
    tabletop_s = time.perf_counter() - t0
    violations = optimizer.check_plan(fleet, plan)
    priority_violations = [v for v in violations if v.startswith("priority")]

    t1 = time.perf_counter()
    base_fleet = {**copy.deepcopy(doc), "failed_clouds": failed}
    base_fleet["workloads"] = [w for w in base_fleet["workloads"] if w["host"] is not None]
    baseline = first_fit(base_fleet, failed)
    baseline_s = time.perf_counter() - t1

    out: dict[str, Any] = {
        "fleet": {"hosts": args.hosts, "workloads": args.workloads, "seed": args.seed, "failed": failed},
        "tabletop_seconds": round(tabletop_s, 2), "target_seconds": 15, "within_target": tabletop_s <= 15,
        "plan_status": plan["stats"].get("status"), "solve_seconds": plan["stats"].get("solve_seconds"),
        "moves": len(plan["moves"]), "check_plan_violations": len(violations),
        "priority_rule_violations": len(priority_violations), "protected": len(rows),
        "capacity_holds": capacity["holds"], "backup_share_after": capacity["backup"]["share_after"],
        "backup_reserve_kept": capacity["backup"]["reserve_kept"], "baseline_seconds": round(baseline_s, 2),
        "by_concurrency": {},
    }
    raw = optimizer.failover(optimizer.parse_fleet(fleet), failed, time_limit_s=args.time_limit).to_document()
    for c in sorted({limits.max_concurrent_restarts_per_cloud, 2, 8, 32}):
        lim = replace(limits, max_concurrent_restarts_per_cloud=c)
        seq = recovery.sequence_for_recovery(fleet, raw, model, lim)
        out["by_concurrency"][c] = {"qianyun": p1_share(fleet, seq, model, lim),
                                    "optimizer_order_unsequenced": p1_share(fleet, raw, model, lim),
                                    "first_fit": p1_share(base_fleet, baseline, model, lim)}
    print(json.dumps(out, indent=2))
    return 0 if not violations and tabletop_s <= 15 else 1


if __name__ == "__main__":
    raise SystemExit(main())
