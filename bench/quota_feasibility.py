"""Quota feasibility on the demo fleet (300 hosts, 3000 workloads, as `qianyun serve --demo`):
per cloud, today's use and the first quotas against the allottable capacity, and the time of the
quick aggregate answer against the full answer (aggregate, then packing where it fits) for a
16 vCPU request of a Guiyang bureau on gy, and for a request too large for gy.

    .venv/bin/python bench/quota_feasibility.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="qy-quota-bench-"))
    os.chdir(tmp)
    os.environ.update({"QIANYUN_DATABASE_URL": f"sqlite:///{tmp / 'q.db'}", "QIANYUN_SIM_STATE_PATH": str(tmp / "sim.db"),
                       "QIANYUN_SCHEDULER_ENABLED": "false", "QIANYUN_SECRET_KEY": "bench-key-0123456789abcdef"})
    from scheduler.core.db import session_scope
    from scheduler.core.migrate import upgrade
    from scheduler.core.models import Department
    from scheduler.core.registry import get_adapters
    from scheduler.core.sync import sync_all
    from scheduler.quotas import ledger
    from scheduler.quotas.feasibility import aggregate_short, feasibility

    upgrade()
    sync_all(get_adapters().all())
    with session_scope() as s:
        for cloud in ("gz-gov", "gy", "zy", "as", "edu"):
            sm = ledger.summary(s, cloud)
            print(f"{cloud:7s} vCPU capacity {sm['capacity']['vcpu']:7.0f} allottable {sm['allottable']['vcpu']:7.0f} "
                  f"used {sm['used']['vcpu']:7.0f} granted {sm['granted']['vcpu']:7.0f}")
        dept = s.get(Department, "gy-bigdata-bureau")
        assert dept is not None
        for ask in ({"vcpu": 16.0, "memory_gib": 64.0, "gpu": 0.0, "storage_gib": 0.0},
                    {"vcpu": 4000.0, "memory_gib": 0.0, "gpu": 0.0, "storage_gib": 0.0}):
            t0 = time.perf_counter()
            aggregate_short(s, "gy", (dept, ask))
            quick = time.perf_counter() - t0
            t0 = time.perf_counter()
            ans = feasibility(s, dept, "gy", ask)
            full = time.perf_counter() - t0
            print(f"ask {ask['vcpu']:g} vCPU on gy: aggregate {quick * 1000:.0f} ms, full answer {full * 1000:.0f} ms "
                  f"({ans['checked']}): {ans['message']}")


if __name__ == "__main__":
    main()
