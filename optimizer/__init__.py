"""Qianyun's optimizer: a pure function from a fleet document to a plan document.

Public entry points (optimizer-contract.md):

- `parse_fleet(doc) -> Fleet` validates a fleet document strictly (raises `FleetError`).
- `optimize(fleet, mode=..., max_migrations=..., time_limit_s=..., progress=None) -> Plan`.
- `failover(fleet, failed_clouds, time_limit_s=...) -> Plan`.
- `Plan.to_document() -> dict`; `check_plan` / `check_placement` verify plans and fleets.
- `IncrementalPlacer` places one new workload onto the current state in milliseconds.
"""

from __future__ import annotations

from typing import Any

from optimizer.check import check_placement, check_plan
from optimizer.engine import FROM_FLEET, run
from optimizer.failover import failover
from optimizer.fleet import Fleet, FleetError, parse_fleet
from optimizer.incremental import IncrementalPlacer
from optimizer.plan import Move, Plan, Stats, Unplaced
from optimizer.strategy import Progress

__all__ = ["Fleet", "FleetError", "IncrementalPlacer", "Move", "Plan", "Stats", "Unplaced", "check_placement",
           "check_plan", "failover", "optimize", "parse_fleet"]


def optimize(fleet: Fleet | dict[str, Any], mode: str | None = None, max_migrations: Any = FROM_FLEET,
             time_limit_s: float | None = None, progress: Progress | None = None) -> Plan:
    """Plan placement and the objective (`consolidate` or `balance`) for `fleet`.

    Arguments left out come from the document's `objective`; `max_migrations=None` means no limit.
    `progress`, if given, is called with a dict (phase, active_hosts, lower_bound_hosts,
    peak_utilisation, migrations, elapsed) as the search improves.
    """
    return run(fleet, mode=mode, max_migrations=max_migrations, time_limit_s=time_limit_s, progress=progress)
