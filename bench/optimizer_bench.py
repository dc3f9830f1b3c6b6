"""Optimizer benchmark: plan quality against proven bounds and baselines computed in this run.

One table for the project's generated fleets ("own/...") and the six shared fleets of an
independent generator ("shared/...", read from the benchmark data folder). For each fleet and
scenario it prints active hosts / LP lower bound, active hosts / first-fit-decreasing (fresh
packing), migrations, moves / "fewest moves that free as many hosts" (going from A to B active
hosts: the workload counts of the A - B least-loaded hosts summed), peak utilisation, solve
seconds, the seconds and the method of the host bound, and the independent checker's verdict.
Also: the migration-budget run (5% of workloads) against its ceiling, balance against its peak
bound, and incremental placement latency.

    .venv/bin/python bench/optimizer_bench.py                        # everything (about 30 minutes)
    .venv/bin/python bench/optimizer_bench.py --scales tiny,small --fleets none
    .venv/bin/python bench/optimizer_bench.py --scales none --fleets large-steady-103 --no-extras
    .venv/bin/python bench/optimizer_bench.py --scales large --fleets none --balance-only

The shared data folder: --data, else $QIANYUN_BENCHDATA, else ../shared/benchdata beside the
project root.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import optimizer  # noqa: E402
from adapters.guizhou_fleet import generate_fleet  # noqa: E402
from bench.hard_fleet import hard_fleet  # noqa: E402
from optimizer.greedy import first_fit_decreasing  # noqa: E402
from optimizer.rules import Rules  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SCALES = {"tiny": (20, 150, 5), "small": (100, 1000, 10), "medium": (500, 6000, 30),
          "large": (2000, 25000, 60), "xl": (5000, 60000, 120)}
SHARED = ["medium-steady-101", "medium-maintenance-102", "large-steady-103", "large-maintenance-104",
          "large-failover-106", "xl-steady-105"]
LIMITS = {"medium": 30, "large": 60, "xl": 120}


def data_dir(arg: str | None) -> Path:
    """--data, else $QIANYUN_BENCHDATA, else ../shared/benchdata relative to the project root."""
    if arg:
        return Path(arg)
    env = os.environ.get("QIANYUN_BENCHDATA")
    return Path(env) if env else ROOT.parent / "shared" / "benchdata"


def load_shared(data: Path, name: str) -> dict:
    path = data / "fleets" / f"{name}.json.gz"
    if not path.is_file():
        sys.exit(f"shared fleet {name} not found at {path}: give the benchmark data folder with --data or "
                 f"QIANYUN_BENCHDATA (it holds fleets/{name}.json.gz), or run with --fleets none")
    with gzip.open(path, "rt") as fh:
        return json.load(fh)


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
    """Going from A to B active hosts: the workload counts of the A - B hosts cheapest to free
    summed. Hosts holding a pinned workload cannot be freed and are left out; unschedulable hosts
    must be freed by every plan (their workloads drain), so they come first, whatever they hold."""
    pinned = {w["host"] for w in doc["workloads"] if w.get("pinned") and w.get("host")}
    closed = {h["id"] for h in doc["hosts"] if not h.get("schedulable", True)}
    every = active_counts(doc)
    counts = sorted(n for h, n in every.items() if h not in pinned and h not in closed)
    forced = [n for h, n in every.items() if h in closed and h not in pinned]
    freed = max(0, len(every) - final_active - len(forced))
    return sum(forced) + sum(counts[:freed])


def maintenance(doc: dict, share: float = 0.05, seed: int = 1) -> dict:
    rng = random.Random(seed)
    for h in rng.sample(doc["hosts"], int(len(doc["hosts"]) * share)):
        h["schedulable"] = False
    return doc


def ceiling(doc: dict, budget: int, unbudgeted_reduction: int) -> int:
    """The most hosts a budget of `budget` moves can free: the hosts with the fewest workloads, as
    many as their summed workload counts fit in the budget (never more than the unbudgeted plan
    frees). A host holding a pinned workload can never be freed, so it is not counted."""
    pinned = {w["host"] for w in doc["workloads"] if w.get("pinned") and w.get("host")}
    k, spent = 0, 0
    for n in sorted(n for h, n in active_counts(doc).items() if h not in pinned):
        if spent + n > budget:
            break
        spent += n
        k += 1
    return min(k, unbudgeted_reduction)


HEADER = (f"{'fleet/scenario':<34} {'A':>6} {'active':>6} {'bound':>6} {'a/LB':>7} {'a/FFD':>7} {'FFD/LB':>7} "
          f"{'migr':>6} {'fewest':>6} {'m/few':>6} {'unpl':>6} {'peak':>6} {'secs':>7} {'b-secs':>6} "
          f"{'b-kind':>8} check")


def row(name: str, doc: dict, plan: optimizer.Plan, ffd: int | None, check: bool) -> None:
    s = plan.stats
    d = plan.to_document()
    before = len(active_counts(doc))
    fm = fewest_moves(doc, s.active_hosts)
    migr_ratio = f"{s.migrations / fm:.2f}" if fm else "-"
    viol = optimizer.check_plan(doc, d) if check else []
    lb = max(1, s.lower_bound_hosts)
    print(f"{name:<34} {before:>6} {s.active_hosts:>6} {s.lower_bound_hosts:>6} "
          f"{s.active_hosts / lb:>7.3f} "
          f"{(s.active_hosts / ffd) if ffd else float('nan'):>7.3f} {(ffd / lb) if ffd else float('nan'):>7.3f} "
          f"{s.migrations:>6} {fm:>6} {migr_ratio:>6} "
          f"{len(plan.unplaced):>6} {s.peak_utilisation:>6.2f} {s.solve_seconds:>7.1f} {s.bound_seconds:>6.1f} "
          f"{s.lower_bound_method:>8} {'ok' if not viol else f'{len(viol)} violations'}", flush=True)


def consolidate_row(name: str, doc: dict, limit: float) -> optimizer.Plan:
    failed = doc.get("failed_clouds") or []
    if failed:
        plan = optimizer.failover(doc, failed, time_limit_s=15)
        row(name, doc, plan, None, check=True)
        return plan
    ffd = first_fit_decreasing(Rules(optimizer.parse_fleet(doc))).active()
    plan = optimizer.optimize(doc, mode="consolidate", max_migrations=None, time_limit_s=limit)
    row(name, doc, plan, ffd, check=True)
    return plan


def balance_row(name: str, base: dict, limit: float) -> None:
    bal = optimizer.optimize(base, mode="balance", max_migrations=None, time_limit_s=limit)
    row(f"{name}/balance", base, bal, None, check=True)
    print(f"  balance: peak {bal.stats.peak_utilisation:.4f}, proven bound {bal.stats.peak_lower_bound:.4f}, "
          f"gap {100 * (bal.stats.peak_utilisation - bal.stats.peak_lower_bound):.2f} points, "
          f"{bal.stats.solve_seconds:.1f} s of a {limit} s limit", flush=True)


def extras(name: str, base: dict, nob: optimizer.Plan, limit: float, balance: bool) -> None:
    """Budget (5% of workloads, against its ceiling) and, for own fleets, balance against its bound."""
    budget = int(0.05 * len(base["workloads"]))
    doc = dict(base, objective={**base["objective"], "max_migrations": budget})
    bud = optimizer.optimize(doc, mode="consolidate", time_limit_s=limit)
    a = len(active_counts(base))
    top = ceiling(base, budget, a - nob.stats.active_hosts)
    row(f"{name}/budget {budget}", doc, bud, None, check=True)
    print(f"  budget {budget}: frees {a - bud.stats.active_hosts} of a ceiling of {top} hosts "
          f"({(a - bud.stats.active_hosts) / max(1, top):.2f}); unbudgeted frees {a - nob.stats.active_hosts}",
          flush=True)
    if balance:
        balance_row(name, base, limit)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scales", default=",".join(SCALES), help="own fleets: tiny,small,medium,large,xl or none")
    ap.add_argument("--fleets", default=",".join(SHARED), help="shared fleets by file stem, or none")
    ap.add_argument("--data", default=None, help="benchmark data folder (default: $QIANYUN_BENCHDATA or "
                                                  "../shared/benchdata beside the project)")
    ap.add_argument("--hard", default="large", help="scales also run on the bench-only hard fleet maker, or none")
    ap.add_argument("--no-extras", action="store_true", help="skip budget, balance and latency runs")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--balance-only", action="store_true",
                    help="own fleets: only the balance run (no consolidation, budget, hard or latency runs)")
    args = ap.parse_args()
    scales = [s for s in args.scales.split(",") if s and s != "none"]
    fleets = [f for f in args.fleets.split(",") if f and f != "none"]
    hard = [s for s in args.hard.split(",") if s and s != "none"]
    data = data_dir(args.data)
    shared = {name: load_shared(data, name) for name in fleets}  # fail early if the data is missing
    print(HEADER)
    for scale in scales:
        hosts, wl, limit = SCALES[scale]
        base = generate_fleet(hosts, wl, seed=args.seed)
        if args.balance_only:
            balance_row(f"own/{scale}", base, limit)
            continue
        nob = None
        for scen in ("steady", "maintenance", "failover"):
            doc = generate_fleet(hosts, wl, seed=args.seed)
            if scen == "maintenance":
                doc = maintenance(doc)
            if scen == "failover":
                doc["failed_clouds"] = ["gz-gov"]
            plan = consolidate_row(f"own/{scale}/{scen}", doc, limit)
            nob = plan if scen == "steady" else nob
        if scale in ("medium", "large") and not args.no_extras:
            extras(f"own/{scale}", base, nob, limit, balance=True)
        if scale in hard:
            doc = hard_fleet(hosts, wl, seed=args.seed)
            consolidate_row(f"own-hard/{scale}/steady", doc, limit)

    for name in fleets:
        doc = shared[name]
        limit = LIMITS[name.split("-")[0]]
        plan = consolidate_row(f"shared/{name}", doc, limit)
        if name in ("medium-steady-101", "large-steady-103") and not args.no_extras:
            extras(f"shared/{name}", doc, plan, limit, balance=False)
    if not args.no_extras and scales and not args.balance_only:
        hosts, wl, _ = SCALES[scales[-1]]
        base = generate_fleet(hosts, wl, seed=args.seed)
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
