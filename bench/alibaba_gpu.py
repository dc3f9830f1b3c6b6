"""Real data: the Alibaba GPU cluster trace (cluster-trace-gpu-v2023, "openb"; Weng et al.,
"Beware of Fragmentation", USENIX ATC'23) as a one-cloud fleet document.

Reports (1) a fresh placement of every pod: pods and GPU demand placed, against first-fit-
decreasing, and the time; (2) pods fed in arrival (creation_time) order through the incremental
placer: the share of GPU capacity allocated when the first pod is refused (the paper's
fragmentation measure). This is a bench script, not part of the product; the trace is research
data and is not redistributed.

The contract's resources are aggregated per host, so a fractional-GPU pod (gpu_milli < 1000)
counts as that share of the host's GPUs and `gpu_spec` (allowed GPU models) is not modelled:
both make this a relaxation of the real per-GPU packing.

    .venv/bin/python bench/alibaba_gpu.py [TRACE_DIR] [--data BENCHDATA] [--pods openb_pod_list_default.csv] [--time-limit 60]
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import optimizer  # noqa: E402
from optimizer.greedy import first_fit_decreasing  # noqa: E402
from optimizer.rules import Rules  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TRACE = Path("traces") / "alibaba_gpu_v2023"


def trace_dir(folder: str | None, data: str | None) -> Path:
    """The trace folder: given outright, else under --data, $QIANYUN_BENCHDATA or ../shared/benchdata
    beside the project root."""
    if folder:
        return Path(folder)
    import os

    base = Path(data) if data else Path(os.environ["QIANYUN_BENCHDATA"]) if os.environ.get("QIANYUN_BENCHDATA") \
        else ROOT.parent / "shared" / "benchdata"
    return base / TRACE


def fleet_document(data: Path, pods_file: str) -> tuple[dict, list[int]]:
    """The trace as a fleet document (one province-kind cloud); also pods' creation times."""
    hosts = []
    with open(data / "openb_node_list_all_node.csv", newline="") as fh:
        for r in csv.DictReader(fh):
            hosts.append({"id": r["sn"], "cloud": "openb", "schedulable": True,
                          "capacity": {"vcpu": int(r["cpu_milli"]) / 1000, "memory_gib": int(r["memory_mib"]) / 1024,
                                       "gpu": int(r["gpu"])}})
    workloads, created = [], []
    with open(data / pods_file, newline="") as fh:
        for r in csv.DictReader(fh):
            n, milli = int(r["num_gpu"]), int(r["gpu_milli"] or 0)
            gpu = milli / 1000 if n == 1 and 0 < milli < 1000 else float(n)
            workloads.append({"id": r["name"], "department": "openb", "tier": "province", "city": None,
                              "industry": None, "classification": "internal", "mlps_level": 1,
                              "demand": {"vcpu": int(r["cpu_milli"]) / 1000,
                                         "memory_gib": int(r["memory_mib"]) / 1024, "gpu": gpu},
                              "host": None})
            created.append(int(r["creation_time"] or 0))
    doc = {"resources": ["vcpu", "memory_gib", "gpu"],
           "clouds": [{"id": "openb", "kind": "province", "city": None, "industry": None, "mlps_level": 3}],
           "hosts": hosts, "workloads": workloads,
           "objective": {"mode": "consolidate", "max_migrations": None, "time_limit_s": 60}}
    return doc, created


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("folder", nargs="?", default=None, help="trace folder (default: traces/alibaba_gpu_v2023 "
                                                            "under the benchmark data folder)")
    ap.add_argument("--data", default=None, help="benchmark data folder (default: $QIANYUN_BENCHDATA or "
                                                  "../shared/benchdata beside the project)")
    ap.add_argument("--pods", default="openb_pod_list_default.csv")
    ap.add_argument("--time-limit", type=float, default=60)
    args = ap.parse_args()
    folder = trace_dir(args.folder, args.data)
    if not (folder / args.pods).is_file():
        sys.exit(f"Alibaba trace not found at {folder / args.pods}: give the benchmark data folder with --data or "
                 f"QIANYUN_BENCHDATA (it holds {TRACE / args.pods}), or the trace folder itself")
    doc, created = fleet_document(folder, args.pods)
    f = optimizer.parse_fleet(doc)
    gpu_cap = float(f.cap[:, 2].sum())
    gpu_dem = float(f.dem[:, 2].sum())
    print(f"{len(f.hosts)} nodes ({gpu_cap:g} GPUs), {len(f.workloads)} pods asking {gpu_dem:.1f} GPUs")

    t = time.monotonic()
    ffd = first_fit_decreasing(Rules(f))
    t_ffd = time.monotonic() - t
    placed = ffd.assign >= 0
    print(f"first-fit-decreasing: {int(placed.sum())} pods, {f.dem[placed, 2].sum():.1f} GPUs "
          f"({f.dem[placed, 2].sum() / gpu_dem:.1%} of GPU demand), {ffd.active()} active nodes, {t_ffd:.1f}s")

    t = time.monotonic()
    plan = optimizer.optimize(doc, time_limit_s=args.time_limit)
    t_opt = time.monotonic() - t
    ids = set(plan.assignments)
    pl = [i for i, w in enumerate(f.workloads) if w.id in ids]
    print(f"optimizer (fresh placement): {len(pl)} pods, {f.dem[pl, 2].sum():.1f} GPUs "
          f"({f.dem[pl, 2].sum() / gpu_dem:.1%} of GPU demand), {plan.stats.active_hosts} active nodes, "
          f"bound {plan.stats.lower_bound_hosts}, {t_opt:.1f}s")

    # the same arrival order through plain first fit (lowest node index with room), the baseline
    import numpy as np

    load = np.zeros_like(f.cap)
    order = sorted(range(len(doc["workloads"])), key=lambda i: (created[i], i))
    allocated = 0.0
    for n, i in enumerate(order):
        ok = np.flatnonzero(np.all(load + f.dem[i] <= f.cap + 1e-9, axis=1))
        if ok.size == 0:
            print(f"plain first fit (arrival order): first refusal at pod #{n + 1} ({doc['workloads'][i]['id']}, "
                  f"asks {f.dem[i, 2]:g} GPU); GPU allocated then {allocated / gpu_cap:.2%} of capacity")
            break
        load[ok[0]] += f.dem[i]
        allocated += f.dem[i, 2]
    else:
        print(f"plain first fit: all pods placed; GPU allocated {allocated / gpu_cap:.1%}")

    empty = dict(doc, workloads=[])
    placer = optimizer.IncrementalPlacer(empty)
    order = sorted(range(len(doc["workloads"])), key=lambda i: (created[i], i))
    allocated, lat = 0.0, []
    for n, i in enumerate(order):
        t = time.perf_counter()
        p = placer.place(doc["workloads"][i])
        lat.append(time.perf_counter() - t)
        if p.host is None:
            print(f"incremental (arrival order, best fit): first refusal at pod #{n + 1} ({doc['workloads'][i]['id']}, "
                  f"asks {f.dem[i, 2]:g} GPU); GPU allocated then {allocated / gpu_cap:.2%} of capacity")
            break
        allocated += f.dem[i, 2]
    else:
        print(f"incremental: all pods placed; GPU allocated {allocated / gpu_cap:.1%}")
    lat.sort()
    print(f"incremental latency: p50 {1000 * lat[len(lat) // 2]:.3f} ms, p99 {1000 * lat[int(len(lat) * 0.99)]:.3f} ms")


if __name__ == "__main__":
    main()
