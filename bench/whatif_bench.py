"""Benchmark: one what-if scenario on the large fleet (2,000 hosts), against a plan proposal on the same fleet.

    .venv/bin/python bench/whatif_bench.py [--hosts 2000] [--workloads 25000] [--time-limit 10]

A fresh SQLite service database is synced from the simulator (adapters.simulated, the Guizhou fleet
generator), then, in this one process:
- the baseline: a consolidation plan proposed on today's fleet (scheduler.plans.propose, scope all),
  the work an operator already waits for;
- the scenario: the province cloud lost, 40 GPU hosts added to the health cloud, Guiyang grown by
  20 %, 50 new systems, a policy value changed, and the tabletop drill of the loss, answered exactly
  as the leader's runner answers it (scheduler.whatif.run).
The issue's target: the scenario answers within 60 s on the 2-core machine. Printed as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--hosts", type=int, default=2000)
    ap.add_argument("--workloads", type=int, default=25000)
    ap.add_argument("--time-limit", type=float, default=10.0)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="qy-whatif-bench-"))
    os.environ.update({"QIANYUN_DATABASE_URL": f"sqlite:///{tmp / 'q.db'}", "QIANYUN_SIM_STATE_PATH": str(tmp / "sim.db"),
                       "QIANYUN_SCHEDULER_ENABLED": "false", "QIANYUN_SECRET_KEY": "bench-" + "k" * 32,
                       "QIANYUN_AUDIT_KEY_FILE": str(tmp / "audit.key"),
                       "QIANYUN_SIM_HOSTS": str(args.hosts), "QIANYUN_SIM_WORKLOADS": str(args.workloads),
                       "QIANYUN_PLAN_TIME_LIMIT_S": str(args.time_limit)})
    from sqlmodel import select

    from scheduler import plans, whatif
    from scheduler.core.accounts import Actor
    from scheduler.core.db import session_scope
    from scheduler.core.migrate import upgrade
    from scheduler.core.models import Host
    from scheduler.core.registry import get_adapters
    from scheduler.core.sync import sync_all
    from scheduler.whatif.models import Scenario

    t0 = time.monotonic()
    upgrade()
    sync_all(get_adapters().all())
    sync_s = time.monotonic() - t0
    prov = Actor("bench", "province-operator", None)
    with session_scope() as session:
        hosts = session.exec(select(Host)).all()
        gpu = next(h.model for h in sorted(hosts, key=lambda h: -h.gpu) if h.model)
        t1 = time.monotonic()
        plan = plans.propose(session, prov, "rebalance", "all", "consolidate")
        baseline_s = time.monotonic() - t1
        baseline = {"seconds": round(baseline_s, 2), "active_hosts": plan.document["stats"]["active_hosts"],
                    "moves": len(plan.document["moves"])}
        s = whatif.create(session, prov, "bench: gz-gov lost, health +40 GPU hosts, gy +20 %", "all", {
            "lose_clouds": ["gz-gov"], "add_hosts": [{"cloud": "health", "type": gpu, "count": 40}],
            "grow_clouds": [{"cloud": "gy", "share": 0.2}],
            "new_systems": [{"department": "prov-health-commission", "count": 50, "demand": {"vcpu": 16, "memory_gib": 64}}],
            "policy": {"quotas.dr_reserve_share": 0.1}}, background=False)
        sid = s.id
    t2 = time.monotonic()
    state = whatif.run(sid)
    scenario_s = time.monotonic() - t2
    with session_scope() as session:
        r = session.get(Scenario, sid)
        assert r is not None and state == "done", r.state_reason if r else state
        res = r.result
    print(json.dumps({
        "fleet": {"hosts": len(hosts), "workloads": args.workloads, "sync_seconds": round(sync_s, 1),
                  "time_limit_s": args.time_limit},
        "baseline_plan": baseline,
        "scenario": {"seconds": round(scenario_s, 2), "plan_seconds": res["plan"]["seconds"],
                     "drill_seconds": res["drill"]["seconds"], "systems": res["fits"]["systems"],
                     "unplaced": res["fits"]["unplaced"], "active_hosts": res["hosts"]["total"]["active"],
                     "bound_hosts": res["hosts"]["total"]["bound"],
                     "priority1": res["drill"]["priority1"], "within_60s": scenario_s <= 60.0},
        "ratio_scenario_to_plan": round(scenario_s / baseline_s, 2) if baseline_s > 0 else None,
    }, indent=1))


if __name__ == "__main__":
    main()
