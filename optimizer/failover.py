"""Failover: restart the protected workloads of failed clouds elsewhere, by dr.priority.

The hosts of failed clouds are gone. Protected workloads restart on their home cloud (if not
failed), the province cloud (if not failed) or the backup cloud, in priority order (1 first), so
no workload of priority p stays unplaced while one of a lower priority took room it could have
used. Unprotected workloads of failed clouds are listed unplaced ("not DR-protected").
Nothing else is moved: a failover plan is for an emergency and should touch only what it must.
"""

from __future__ import annotations

from typing import Any

from optimizer.engine import FROM_FLEET, run
from optimizer.fleet import Fleet, parse_fleet
from optimizer.plan import Plan
from optimizer.strategy import Progress


def failover(fleet: Fleet | dict[str, Any], failed_clouds: list[str], time_limit_s: float | None = None,
             max_migrations: Any = FROM_FLEET, progress: Progress | None = None) -> Plan:
    """Plan the restart of `failed_clouds`' protected workloads (placement only, no rebalancing)."""
    f = parse_fleet(fleet)
    f = f.with_objective(failed_clouds=sorted(set(f.failed_clouds) | set(failed_clouds)))
    return run(f, mode=None, max_migrations=max_migrations, time_limit_s=time_limit_s, progress=progress,
               improve=False)
