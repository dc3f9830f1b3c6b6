"""A node_exporter / cAdvisor / kube-state-metrics look-alike with KNOWN values, for the Prometheus tests.

Values are functions of the wall clock at scrape time, so whatever Prometheus stores is predictable:
counters advance at fixed rates (their rate() is the known CPU share) and gauges are fixed, except one
host whose memory alternates on an 8-second cycle so that p50 and p95 differ. Every sample carries the
time it was computed at as its exposition timestamp (Prometheus honours it by default), so a scrape
that a loaded machine delays or stretches still stores exact (time, value) pairs: without it, Prometheus
stamps the scrape's start while the value was computed later, and a rate over a few seconds drifts. Series carry their own
`instance` labels (Prometheus scrapes with honor_labels) so one exporter speaks for several hosts.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from threading import Thread
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

GIB = 1024 ** 3
PERIOD_S = 8.0  # the alternating host: high memory for the first HIGH_S seconds of every period
HIGH_S = 2.0


@dataclass(frozen=True)
class KnownHost:
    instance: str  # node_exporter's instance label, host:port
    cpus: int
    cpu_used: float  # constant share of CPU time not idle
    mem_total_gib: float
    mem_used: float  # share not available (the low value when alternating)
    mem_used_high: float | None = None  # when set, used share during the high part of each period
    mem_free_share: float = 0.1  # MemFree / MemTotal (for the query-override test)
    extra_labels: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class KnownPod:
    pod: str
    cpu_cores: float  # usage rate in cores
    cpu_request: float
    mem_gib: float
    mem_request_gib: float


HOSTS: tuple[KnownHost, ...] = (
    KnownHost("gz-gov-h0001:9100", cpus=4, cpu_used=0.25, mem_total_gib=64, mem_used=0.40, mem_free_share=0.05),
    KnownHost("gz-gov-h0002:9100", cpus=8, cpu_used=0.60, mem_total_gib=128, mem_used=0.20, mem_used_high=0.80),
    # A host of another cloud whose instance label is not our id: the registry maps it via `hostname`.
    KnownHost("10.3.0.7:9100", cpus=16, cpu_used=0.10, mem_total_gib=256, mem_used=0.55,
              extra_labels=(("hostname", "gy-h0003.gy.example"),)),
)
PODS: tuple[KnownPod, ...] = (
    KnownPod("gz-gov-w-known", cpu_cores=0.5, cpu_request=2.0, mem_gib=1.2, mem_request_gib=4.0),
)


def mem_used_at(host: KnownHost, t: float) -> float:
    """The host's memory used share at wall-clock time t (what a scrape at t sees)."""
    if host.mem_used_high is not None and (t % PERIOD_S) < HIGH_S:
        return host.mem_used_high
    return host.mem_used


class KnownCollector(Collector):
    """Computes every series from the scrape time; a counter's value is rate x seconds since epoch."""

    def __init__(self, hosts: tuple[KnownHost, ...] = HOSTS, pods: tuple[KnownPod, ...] = PODS) -> None:
        self.hosts, self.pods = hosts, pods

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        t = time.time()
        cpu = CounterMetricFamily("node_cpu_seconds_total", "CPU seconds", labels=["instance", "cpu", "mode", "hostname"])
        total = GaugeMetricFamily("node_memory_MemTotal_bytes", "", labels=["instance", "hostname"])
        avail = GaugeMetricFamily("node_memory_MemAvailable_bytes", "", labels=["instance", "hostname"])
        free = GaugeMetricFamily("node_memory_MemFree_bytes", "", labels=["instance", "hostname"])
        for h in self.hosts:
            hostname = dict(h.extra_labels).get("hostname", "")
            for c in range(h.cpus):
                cpu.add_metric([h.instance, str(c), "idle", hostname], (1 - h.cpu_used) * t, timestamp=t)
                cpu.add_metric([h.instance, str(c), "user", hostname], h.cpu_used * t, timestamp=t)
            tot = h.mem_total_gib * GIB
            total.add_metric([h.instance, hostname], tot, timestamp=t)
            avail.add_metric([h.instance, hostname], tot * (1 - mem_used_at(h, t)), timestamp=t)
            free.add_metric([h.instance, hostname], tot * h.mem_free_share, timestamp=t)
        yield from (cpu, total, avail, free)

        usage = CounterMetricFamily("container_cpu_usage_seconds_total", "", labels=["pod", "container", "namespace"])
        wss = GaugeMetricFamily("container_memory_working_set_bytes", "", labels=["pod", "container", "namespace"])
        req = GaugeMetricFamily("kube_pod_container_resource_requests", "",
                                labels=["pod", "container", "namespace", "resource", "unit"])
        for p in self.pods:
            usage.add_metric([p.pod, "app", "prov-bigdata"], p.cpu_cores * t, timestamp=t)
            usage.add_metric([p.pod, "POD", "prov-bigdata"], 50.0 * t, timestamp=t)  # the pause container: must be excluded
            wss.add_metric([p.pod, "app", "prov-bigdata"], p.mem_gib * GIB, timestamp=t)
            wss.add_metric([p.pod, "", "prov-bigdata"], 99 * GIB, timestamp=t)  # cAdvisor's pod-level sum: excluded
            req.add_metric([p.pod, "app", "prov-bigdata", "cpu", "core"], p.cpu_request, timestamp=t)
            req.add_metric([p.pod, "app", "prov-bigdata", "memory", "byte"], p.mem_request_gib * GIB, timestamp=t)
        yield from (usage, wss, req)


class KnownExporter:
    """The exporter on 127.0.0.1:port in a thread of the test process; stop() ends it."""

    def __init__(self, port: int, hosts: tuple[KnownHost, ...] = HOSTS, pods: tuple[KnownPod, ...] = PODS) -> None:
        self.port = port
        registry = CollectorRegistry()
        registry.register(KnownCollector(hosts, pods))
        self._server: WSGIServer
        self._thread: Thread
        self._server, self._thread = start_http_server(port, addr="127.0.0.1", registry=registry)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
