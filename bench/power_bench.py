"""Power objective benchmark: consolidation minimising watts against minimising hosts, same process.

One heterogeneous fleet: the generated provincial fleet, each host with the default policy's watts
for its server model (policies/default.yaml, `power`), and every second host of each model an older
generation that idles at twice those watts (and draws as much more at full load). Both objectives
run on the same document with the same time limit; the table gives kW and active hosts before and
after, and the power plan's kW and hosts as ratios of the host-count plan's (the baseline), and both
plans' kW over the power plan's proven lower bound on watts. Every plan goes through the independent
checker.

    .venv/bin/python bench/power_bench.py                  # small fleet (100 hosts, 1,000 workloads)
    .venv/bin/python bench/power_bench.py --hosts 500 --workloads 6000 --limit 30
"""

from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import optimizer  # noqa: E402
from adapters.guizhou_fleet import build_fleet  # noqa: E402
from policies.loader import default_policy  # noqa: E402


def powered_fleet(hosts: int, workloads: int, seed: int, max_migrations: int | None) -> dict:
    """The generated fleet with each host's watts: the policy's for its model, doubled idle for every
    second host of a model (an older generation)."""
    gen = build_fleet(hosts, workloads, seed)
    power = default_policy().power
    doc = copy.deepcopy(gen.doc)
    seen: dict[str, int] = {}
    for h in doc["hosts"]:
        model = gen.host_models.get(h["id"])
        w = power.watts(model)
        n = seen[model or ""] = seen.get(model or "", 0) + 1
        old = n % 2 == 0
        h["power"] = {"idle_w": w.idle_w * (2 if old else 1), "full_w": w.full_w + (w.idle_w if old else 0)}
    doc["objective"] = {"mode": "consolidate", "max_migrations": max_migrations, "time_limit_s": 10}
    return doc


def run(doc: dict, minimise: str, limit: float) -> dict:
    d = copy.deepcopy(doc)
    d["objective"]["minimise"] = minimise
    plan = optimizer.optimize(d, time_limit_s=limit).to_document()
    viol = optimizer.check_plan(d, plan)
    s = plan["stats"]
    bound = s["power_w"].get("bound")
    return {"kw_before": s["power_w"]["before"] / 1000, "kw_after": s["power_w"]["after"] / 1000,
            "kw_bound": bound / 1000 if bound is not None else None,
            "hosts": s["active_hosts"], "migrations": s["migrations"], "unplaced": len(plan["unplaced"]),
            "seconds": s["solve_seconds"], "check": "ok" if not viol else f"{len(viol)} violations"}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--hosts", type=int, default=100)
    ap.add_argument("--workloads", type=int, default=1000)
    ap.add_argument("--limit", type=float, default=10.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--budgets", default="none,50", help="max_migrations per run pair, 'none' for no limit")
    args = ap.parse_args()
    print(f"fleet: {args.hosts} hosts, {args.workloads} workloads, seed {args.seed}, limit {args.limit} s")
    print(f"{'budget':>7} {'objective':>9} {'kW now':>8} {'kW after':>9} {'hosts':>6} {'migr':>6} {'unpl':>5} "
          f"{'secs':>6} {'check':>6}")
    for b in args.budgets.split(","):
        budget = None if b == "none" else int(b)
        doc = powered_fleet(args.hosts, args.workloads, args.seed, budget)
        res = {m: run(doc, m, args.limit) for m in ("hosts", "power")}
        for m, r in res.items():
            print(f"{b:>7} {m:>9} {r['kw_before']:>8.2f} {r['kw_after']:>9.2f} {r['hosts']:>6} {r['migrations']:>6} "
                  f"{r['unplaced']:>5} {r['seconds']:>6.1f} {r['check']:>6}", flush=True)
        h, p = res["hosts"], res["power"]
        print(f"{b:>7} power/hosts: kW after {p['kw_after'] / h['kw_after']:.3f}, active hosts "
              f"{p['hosts'] / h['hosts']:.3f}; saving vs now {1 - p['kw_after'] / p['kw_before']:.3f} "
              f"(hosts objective {1 - h['kw_after'] / h['kw_before']:.3f})", flush=True)
        if p["kw_bound"]:  # the power plan's proven watt bound (the LP relaxation; budgets not modelled)
            print(f"{b:>7} proven bound {p['kw_bound']:.2f} kW: power plan / bound {p['kw_after'] / p['kw_bound']:.3f}, "
                  f"hosts plan / bound {h['kw_after'] / p['kw_bound']:.3f}", flush=True)


if __name__ == "__main__":
    main()
