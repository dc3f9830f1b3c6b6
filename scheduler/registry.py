"""Which adapter serves which cloud. One process keeps one adapter per configuration."""

from __future__ import annotations

from functools import lru_cache

from adapters.protocol import CloudAdapter, MetricsSource
from scheduler.settings import Settings, get_settings


class Adapters:
    """The adapters of this site; today the simulated one serves every cloud."""

    def __init__(self, settings: Settings) -> None:
        if settings.adapter != "simulated":
            raise ValueError(f"QIANYUN_ADAPTER: unknown adapter {settings.adapter!r}; known: simulated")
        from adapters.simulated import SimulatedAdapter

        self.simulated = SimulatedAdapter(settings.sim_state_path, hosts=settings.sim_hosts,
                                          workloads=settings.sim_workloads, seed=settings.sim_seed,
                                          fail_rate=settings.sim_fail_rate, action_delay_s=settings.sim_action_delay_s)

    def all(self) -> list[CloudAdapter]:
        return [self.simulated]

    def for_cloud(self, cloud_id: str) -> CloudAdapter:
        return self.simulated

    def metrics_for(self, cloud_id: str) -> MetricsSource:
        return self.simulated


@lru_cache
def _adapters_for(key: tuple[object, ...]) -> Adapters:
    return Adapters(get_settings())


def get_adapters() -> Adapters:
    s = get_settings()
    return _adapters_for((s.adapter, s.sim_state_path, s.sim_hosts, s.sim_workloads, s.sim_seed, s.sim_fail_rate,
                          s.sim_action_delay_s))
