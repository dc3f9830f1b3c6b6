"""Which moves of a plan may be in flight together: one rule for the executor and for predictions.

The plan's order makes every prefix safe. Consecutive moves may overlap unless one of them leaves a
host another one enters: a move into a host may rely on room that a move out of it frees, so those
two stay in order. Moves into one host, or out of one host, only add or only remove load there, so
any interleaving of them passes through states between two safe prefixes. Per cloud at most `max_concurrent_moves_per_cloud` live migrations run at once, so a plan never
becomes a migration storm. A restart from a failed cloud copies nothing from its dead host: the
failed cloud is not counted, and the receiving cloud takes up to `max_concurrent_restarts_per_cloud`
restarts at once, because in a failover every minute counts against an RTO.
"""

from __future__ import annotations

from collections.abc import Mapping, Set

from policies.model import Execution


class Batch:
    def __init__(self, cloud_of: Mapping[str, str], dead_clouds: Set[str], limits: Execution) -> None:
        self.cloud_of, self.dead, self.limits = cloud_of, dead_clouds, limits
        self.sources: set[str] = set()
        self.targets: set[str] = set()
        self.load: dict[str, int] = {}
        self.size = 0

    def _parts(self, src: str | None, dst: str) -> tuple[str | None, set[str], int]:
        live_src = src if src is not None and self.cloud_of.get(src) not in self.dead else None
        clouds = {self.cloud_of.get(h, h) for h in (dst, live_src) if h is not None}
        restart = src is not None and live_src is None
        cap = self.limits.max_concurrent_restarts_per_cloud if restart else self.limits.max_concurrent_moves_per_cloud
        return live_src, clouds, max(1, cap)

    def admits(self, src: str | None, dst: str) -> bool:
        """The first move always fits; a later one only if it enters no host another leaves (and
        leaves none another enters) and its clouds have room under their limits."""
        if self.size == 0:
            return True
        live_src, clouds, cap = self._parts(src, dst)
        if dst in self.sources or (live_src is not None and live_src in self.targets):
            return False
        return all(self.load.get(c, 0) < cap for c in clouds)

    def add(self, src: str | None, dst: str) -> None:
        live_src, clouds, _ = self._parts(src, dst)
        self.targets.add(dst)
        if live_src is not None:
            self.sources.add(live_src)
        for c in clouds:
            self.load[c] = self.load.get(c, 0) + 1
        self.size += 1
