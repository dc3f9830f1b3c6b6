"""Which adapter serves which cloud. One process keeps one adapter per configuration.

Without QIANYUN_CLOUDS_FILE the simulated adapter serves every cloud and its metrics. With it, the
clouds registry (scheduler/clouds_registry.py) may give clouds a Prometheus as metrics source.
"""

from __future__ import annotations

from functools import lru_cache

from adapters.protocol import CloudAdapter, MetricsSource
from scheduler.clouds_registry import CloudsRegistry, load_registry
from scheduler.settings import Settings, get_settings


class Adapters:
    """The adapters of this site; the simulated one serves every cloud the registry does not move."""

    def __init__(self, settings: Settings) -> None:
        if settings.adapter != "simulated":
            raise ValueError(f"QIANYUN_ADAPTER: unknown adapter {settings.adapter!r}; known: simulated")
        from adapters.simulated import SimulatedAdapter

        # Read the registry first: a refused file must stop the service before anything is built.
        self.registry = load_registry(settings.clouds_file) if settings.clouds_file else CloudsRegistry()
        self.simulated = SimulatedAdapter(settings.sim_state_path, hosts=settings.sim_hosts,
                                          workloads=settings.sim_workloads, seed=settings.sim_seed,
                                          fail_rate=settings.sim_fail_rate, action_delay_s=settings.sim_action_delay_s)
        self.prometheus = None
        if self.registry.prometheus():
            from adapters.prometheus import PrometheusMetrics

            self.prometheus = PrometheusMetrics(self.registry.prometheus())

    def all(self) -> list[CloudAdapter]:
        return [self.simulated]

    def for_cloud(self, cloud_id: str) -> CloudAdapter:
        return self.simulated

    def metrics_for(self, cloud_id: str) -> MetricsSource:
        """The cloud's Prometheus when the registry names one, else the simulator's utilisation."""
        if self.prometheus is not None and cloud_id in self.prometheus.configs:
            return self.prometheus
        return self.simulated


@lru_cache
def _adapters_for(key: tuple[object, ...]) -> Adapters:
    return Adapters(get_settings())


def get_adapters() -> Adapters:
    s = get_settings()
    return _adapters_for((s.adapter, s.clouds_file, s.sim_state_path, s.sim_hosts, s.sim_workloads, s.sim_seed,
                          s.sim_fail_rate, s.sim_action_delay_s))
