"""Optimizer benchmark: plan quality against proven bounds and baselines computed in this run.

For each scale and scenario it prints active hosts / LP lower bound, active hosts / first-fit-
decreasing (fresh packing), migrations, moves / "fewest moves that free as many hosts" (going
from A to B active hosts: the workload counts of the A - B least-loaded hosts summed), peak
utilisation, solve seconds and the independent checker's verdict. Also: the migration-budget
run (5% of workloads), balance against its peak bound, and incremental placement latency.

    .venv/bin/python bench/optimizer_bench.py                 # every scale (about 15 minutes)
    .venv/bin/python bench/optimizer_bench.py --scales tiny,small
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import optimizer  # noqa: E402
from adapters.guizhou_fleet import generate_fleet  # noqa: E402
from optimizer.greedy import first_fit_decreasing  # noqa: E402
from optimizer.rules import Rules  # noqa: E402

SCALES = {"tiny": (20, 150, 5), "small": (100, 1000, 10), "medium": (500, 6000, 30),
          "large": (2000, 25000, 60), "xl": (5000, 60000, 120)}


def active_counts(doc: dict) -> dict[str, int]:
    failed = set(doc.get("failed_clouds") or [])
    cloud = {h["id"]: h["cloud"] for h in doc["hosts"]}
    n: dict[str, int] = {}
    for w in doc["workloads"]:
        h = w.get("host")
        if h and cloud[h] not in failed:
            n[h] = n.get(h, 0) + 1
    return n


def fewest_moves(doc: dict, final_active: int) -> int:
    counts = sorted(active_counts(doc).values())
    freed = max(0, len(counts) - final_active)
    return sum(counts[:freed])


def maintenance(doc: dict, share: float = 0.05, seed: int = 1) -> dict:
    rng = random.Random(seed)
    for h in rng.sample(doc["hosts"], int(len(doc["hosts"]) * share)):
        h["schedulable"] = False
    return doc


def row(name: str, doc: dict, plan: optimizer.Plan, ffd: int | None, check: bool) -> None:
    s = plan.stats
    d = plan.to_document()
    before = len(active_counts(doc))
    fm = fewest_moves(doc, s.active_hosts)
    migr_ratio = f"{s.migrations / fm:.2f}" if fm else "-"
    viol = optimizer.check_plan(doc, d) if check else []
    print(f"{name:<26} {before:>6} {s.active_hosts:>6} {s.lower_bound_hosts:>6} "
          f"{s.active_hosts / max(1, s.lower_bound_hosts):>7.3f} "
          f"{(s.active_hosts / ffd) if ffd else float('nan'):>7.3f} {s.migrations:>6} {fm:>6} {migr_ratio:>6} "
          f"{len(plan.unplaced):>6} {s.peak_utilisation:>6.2f} {s.solve_seconds:>7.1f} "
          f"{'ok' if not viol else f'{len(viol)} violations'}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scales", default=",".join(SCALES))
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    print(f"{'scale/scenario':<26} {'A':>6} {'active':>6} {'bound':>6} {'a/LB':>7} {'a/FFD':>7} {'migr':>6} "
          f"{'fewest':>6} {'m/few':>6} {'unpl':>6} {'peak':>6} {'secs':>7} check")
    for scale in args.scales.split(","):
        hosts, wl, limit = SCALES[scale]
        base = generate_fleet(hosts, wl, seed=args.seed)
        for scen in ("steady", "maintenance", "failover"):
            doc = generate_fleet(hosts, wl, seed=args.seed)
            if scen == "maintenance":
                doc = maintenance(doc)
            f = optimizer.parse_fleet(doc)
            if scen == "failover":
                plan = optimizer.failover(doc, ["gz-gov"], time_limit_s=15)
                doc["failed_clouds"] = ["gz-gov"]
                ffd = None
            else:
                ffd = first_fit_decreasing(Rules(f)).active()
                plan = optimizer.optimize(doc, mode="consolidate", max_migrations=None, time_limit_s=limit)
            row(f"{scale}/{scen}", doc, plan, ffd, check=True)
        if scale in ("medium", "large"):
            # budget: 5% of workloads; share of the unbudgeted host reduction reached
            nob = optimizer.optimize(base, mode="consolidate", max_migrations=None, time_limit_s=limit)
            budget = int(0.05 * wl)
            doc = dict(base, objective={**base["objective"], "max_migrations": budget})
            bud = optimizer.optimize(doc, mode="consolidate", time_limit_s=limit)
            a = len(active_counts(base))
            share = (a - bud.stats.active_hosts) / max(1, a - nob.stats.active_hosts)
            row(f"{scale}/budget {budget}", doc, bud, None, check=True)
            print(f"  budget {budget}: reduction {a - bud.stats.active_hosts} of {a - nob.stats.active_hosts} "
                  f"unbudgeted = {share:.0%}", flush=True)
            bal = optimizer.optimize(base, mode="balance", max_migrations=None, time_limit_s=limit)
            row(f"{scale}/balance", base, bal, None, check=True)
            print(f"  balance: peak {bal.stats.peak_utilisation:.4f}, proven bound {bal.stats.peak_lower_bound:.4f}, "
                  f"gap {100 * (bal.stats.peak_utilisation - bal.stats.peak_lower_bound):.2f} points", flush=True)
        if scale == "xl" or (scale == args.scales.split(",")[-1] and "xl" not in args.scales):
            placer = optimizer.IncrementalPlacer(base)
            rng = random.Random(7)
            times = []
            for i in range(2000):
                w = dict(rng.choice(base["workloads"]), id=f"inc-{i}", host=None, pinned=False)
                t = time.perf_counter()
                placer.place(w)
                times.append(time.perf_counter() - t)
            print(f"incremental placement at {hosts} hosts: p50 {1000 * np.percentile(times, 50):.2f} ms, "
                  f"p99 {1000 * np.percentile(times, 99):.2f} ms", flush=True)


if __name__ == "__main__":
    main()
