"""Which adapter serves which cloud. One process keeps one adapter per configuration.

Without QIANYUN_CLOUDS_FILE the simulated adapter serves every cloud and its metrics. With it, the
clouds registry (scheduler/core/clouds_registry.py) hands clouds to an OpenStack deployment or a
Kubernetes cluster, and may give any cloud a Prometheus as its metrics source; the simulator serves
the rest and stops reporting the clouds it gave away.
"""

from __future__ import annotations

from functools import lru_cache

from adapters.protocol import AdapterError, CloudAdapter, MetricsSource
from scheduler.core.clouds_registry import CloudEntry, CloudsRegistry, load_registry
from scheduler.core.settings import Settings, get_settings

__all__ = ["AdapterError", "Adapters", "get_adapters"]


class Adapters:
    """The adapters of this site; the simulated one serves every cloud the registry does not move."""

    def __init__(self, settings: Settings) -> None:
        if settings.adapter != "simulated":
            raise ValueError(f"QIANYUN_ADAPTER: unknown adapter {settings.adapter!r}; known: simulated")
        from adapters.simulated import SimulatedAdapter

        # Read the registry first: a refused file must stop the service before anything is built.
        self.registry = load_registry(settings.clouds_file) if settings.clouds_file else CloudsRegistry()
        self.real: dict[str, CloudAdapter] = {e.cloud: _build(e) for e in self.registry.clouds.values()
                                              if e.adapter != "simulated"}
        self.simulated = SimulatedAdapter(settings.sim_state_path, hosts=settings.sim_hosts,
                                          workloads=settings.sim_workloads, seed=settings.sim_seed,
                                          fail_rate=settings.sim_fail_rate, action_delay_s=settings.sim_action_delay_s,
                                          exclude=frozenset(self.real))
        self.prometheus = None
        if self.registry.prometheus():
            from adapters.prometheus import PrometheusMetrics

            self.prometheus = PrometheusMetrics(self.registry.prometheus())

    def all(self) -> list[CloudAdapter]:
        return [self.simulated, *self.real.values()]

    def for_cloud(self, cloud_id: str) -> CloudAdapter:
        return self.real.get(cloud_id, self.simulated)

    def isolated_clouds(self) -> frozenset[str]:
        """Clouds that are their own OpenStack or Kubernetes: no workload crosses into or out of them."""
        return frozenset(self.real)

    def metrics_for(self, cloud_id: str) -> MetricsSource:
        """The cloud's Prometheus when the registry names one, else the simulator's utilisation."""
        if self.prometheus is not None and cloud_id in self.prometheus.configs:
            return self.prometheus
        return self.simulated


def _build(e: CloudEntry) -> CloudAdapter:
    """The real adapter of one registry entry; configuration errors surface here, at start-up."""
    if e.openstack is not None:
        from adapters.openstack import OpenStackAdapter, OpenStackResilience

        o = e.openstack
        return OpenStackAdapter(e.cloud, os_cloud=o.cloud, clouds_yaml=o.clouds_yaml, region=o.region,
                                resilience=OpenStackResilience(read_timeout_s=o.timeout_s, attempts=o.retries + 1,
                                                               action_timeout_s=o.action_timeout_s))
    if e.kubernetes is not None:
        from adapters.kubernetes import KubernetesAdapter, Resilience

        k = e.kubernetes
        return KubernetesAdapter(e.cloud, kubeconfig=k.kubeconfig, context=k.context, in_cluster=k.in_cluster,
                                 jobs_namespace=k.jobs_namespace,
                                 resilience=Resilience(read_timeout_s=k.timeout_s, attempts=k.retries + 1,
                                                       rollout_timeout_s=k.rollout_timeout_s))
    raise ValueError(f"cloud {e.cloud}: adapter {e.adapter} has no connection settings")


@lru_cache
def _adapters_for(key: tuple[object, ...]) -> Adapters:
    return Adapters(get_settings())


def get_adapters() -> Adapters:
    s = get_settings()
    return _adapters_for((s.adapter, s.clouds_file, s.sim_state_path, s.sim_hosts, s.sim_workloads, s.sim_seed,
                          s.sim_fail_rate, s.sim_action_delay_s))
