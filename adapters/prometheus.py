"""Utilisation from a cloud's Prometheus: latest, p50 and p95 used share per host and workload.

The quantiles are computed by Prometheus itself (`quantile_over_time` over a subquery), because a
province of workloads in raw samples would not fit one sync. Each statistic is one instant query
evaluated at the window's end, so a cloud costs a fixed number of requests whatever its size.

A query is a PromQL expression giving one used share (0..1 of capacity, or of the requested size for
workloads) per subject; its result is mapped to our ids through one label and an optional regex.
Defaults are the usual exporters' metric names; every query can be overridden per cloud.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Literal

import requests
from prometheus_api_client import PrometheusApiClientException, PrometheusConnect
from urllib3.util.retry import Retry

from adapters.protocol import AdapterError, UsageRollup

log = logging.getLogger(__name__)

QUERY_KEYS: tuple[str, ...] = ("host_vcpu", "host_memory_gib", "workload_vcpu", "workload_memory_gib")
WORKLOAD_PRESETS: tuple[str, ...] = ("kubernetes", "libvirt", "none")

# `{host_label}`, `{workload_label}` and `{rate_window}` are replaced by the configured label names and
# rate window (plain text replacement, not str.format, so PromQL's own braces need no escaping).
HOST_QUERIES: dict[str, str] = {
    # node_exporter: the share of CPU time not idle, averaged over the host's CPUs.
    "host_vcpu": '1 - avg by ({host_label}) (rate(node_cpu_seconds_total{mode="idle"}[{rate_window}]))',
    # node_exporter: memory the kernel could not hand out without swapping.
    "host_memory_gib": ("1 - sum by ({host_label}) (node_memory_MemAvailable_bytes)"
                        " / sum by ({host_label}) (node_memory_MemTotal_bytes)"),
}
WORKLOAD_QUERIES: dict[str, dict[str, str]] = {
    # cAdvisor usage over kube-state-metrics requests, per pod (the "POD" pause container excluded).
    "kubernetes": {
        "workload_vcpu": ('sum by ({workload_label}) (rate(container_cpu_usage_seconds_total{container!="",container!="POD"}[{rate_window}]))'
                          ' / sum by ({workload_label}) (kube_pod_container_resource_requests{resource="cpu"})'),
        "workload_memory_gib": ('sum by ({workload_label}) (container_memory_working_set_bytes{container!="",container!="POD"})'
                                ' / sum by ({workload_label}) (kube_pod_container_resource_requests{resource="memory"})'),
    },
    # libvirt exporter: guest CPU time per vCPU, and guest memory in use of its maximum.
    "libvirt": {
        "workload_vcpu": ("sum by ({workload_label}) (rate(libvirt_domain_info_cpu_time_seconds_total[{rate_window}]))"
                          " / sum by ({workload_label}) (libvirt_domain_info_virtual_cpus)"),
        "workload_memory_gib": ("sum by ({workload_label}) (libvirt_domain_info_memory_usage_bytes)"
                                " / sum by ({workload_label}) (libvirt_domain_info_maximum_memory_bytes)"),
    },
    "none": {},
}
DEFAULT_WORKLOAD_LABEL: dict[str, str] = {"kubernetes": "pod", "libvirt": "domain", "none": "pod"}
DEFAULT_HOST_REGEX = r"(.+?)(?::\d+)?"  # node_exporter's instance is host:port; the host is the id


@dataclass(frozen=True)
class PrometheusConfig:
    """One cloud's Prometheus: where it is, how its labels map to our ids, and any query overrides."""

    url: str
    queries: dict[str, str] = field(default_factory=dict)  # overrides, by QUERY_KEYS
    workloads: Literal["kubernetes", "libvirt", "none"] = "kubernetes"
    host_label: str = "instance"
    host_regex: str = DEFAULT_HOST_REGEX  # full match; group "id" or the first group is our id
    workload_label: str | None = None  # None: the preset's (pod, domain)
    workload_regex: str | None = None  # None: the label value is our id
    step_s: float = 60.0  # subquery resolution for the quantiles
    rate_window_s: float = 300.0  # the [range] of rate(); several scrape intervals
    timeout_s: float = 10.0  # per HTTP request
    retries: int = 2  # on connection errors, timeouts and 429/502/503/504, with backoff
    backoff_s: float = 0.5

    def query(self, key: str) -> str | None:
        """The PromQL of one key after overrides and label substitution; None when not collected."""
        text = self.queries.get(key) or HOST_QUERIES.get(key) or WORKLOAD_QUERIES[self.workloads].get(key)
        if text is None:
            return None
        wl = self.workload_label or DEFAULT_WORKLOAD_LABEL[self.workloads]
        return (text.replace("{host_label}", self.host_label).replace("{workload_label}", wl)
                .replace("{rate_window}", _duration(self.rate_window_s)))


def _duration(seconds: float) -> str:
    """A PromQL duration in whole milliseconds (PromQL has no fractional seconds)."""
    return f"{max(1, round(seconds * 1000))}ms"


class _IdMapper:
    """One label's value to our id through a full-match regex; values that do not match are not ours."""

    def __init__(self, label: str, regex: str | None) -> None:
        self.label = label
        self.regex = re.compile(regex) if regex else None

    def __call__(self, labels: dict[str, str]) -> str | None:
        value = labels.get(self.label)
        if value is None or self.regex is None:
            return value
        m = self.regex.fullmatch(value)
        if m is None:
            return None
        if "id" in m.groupdict():
            return m.group("id")
        return m.group(1) if m.re.groups else m.group(0)


class PrometheusMetrics:
    """A MetricsSource over one or more clouds' Prometheus servers (one config per cloud)."""

    def __init__(self, configs: dict[str, PrometheusConfig]) -> None:
        self.configs = dict(configs)
        self._clients: dict[str, PrometheusConnect] = {}

    def _client(self, cloud: str) -> PrometheusConnect:
        if cloud not in self.configs:
            raise AdapterError(f"cloud {cloud!r} has no Prometheus configured")
        if cloud not in self._clients:
            cfg = self.configs[cloud]
            # urllib3 does the retrying: connect/read errors and transient statuses, exponential backoff.
            retry = Retry(total=cfg.retries, connect=cfg.retries, read=cfg.retries, status=cfg.retries,
                          backoff_factor=cfg.backoff_s, status_forcelist=(429, 502, 503, 504),
                          allowed_methods=("GET",), raise_on_status=False)
            self._clients[cloud] = PrometheusConnect(url=cfg.url, retry=retry, timeout=cfg.timeout_s)  # type: ignore[arg-type]
        return self._clients[cloud]

    def close(self) -> None:
        for c in self._clients.values():
            c.close()
        self._clients.clear()

    def _instant(self, cloud: str, key: str, promql: str, at: datetime) -> list[dict[str, Any]]:
        cfg = self.configs[cloud]
        try:
            return self._client(cloud).custom_query(promql, params={"time": f"{at.timestamp():.3f}",
                                                                    "timeout": _duration(cfg.timeout_s)})
        except requests.exceptions.RequestException as exc:
            raise AdapterError(f"Prometheus of {cloud} at {cfg.url} did not answer ({type(exc).__name__}: "
                               f"{_short(exc)})") from exc
        except PrometheusApiClientException as exc:
            raise AdapterError(f"Prometheus of {cloud} refused query {key}: {_short(exc)}") from exc
        except ValueError as exc:  # a body that is not Prometheus JSON
            raise AdapterError(f"Prometheus of {cloud} at {cfg.url} gave an unreadable answer to {key}: {exc}") from exc

    def utilisation(self, cloud: str, start: datetime, end: datetime) -> list[UsageRollup]:
        """Rollups of every subject the queries return; a subject lacking one statistic is left out."""
        if end < start:
            raise ValueError(f"utilisation window ends ({end}) before it starts ({start})")
        cfg = self.configs.get(cloud)
        if cfg is None:
            raise AdapterError(f"cloud {cloud!r} has no Prometheus configured")
        if end.tzinfo is None:
            end = end.replace(tzinfo=timezone.utc)
        window = _duration((end - start).total_seconds())
        step = _duration(cfg.step_s)
        wl_label = cfg.workload_label or DEFAULT_WORKLOAD_LABEL[cfg.workloads]
        mappers = {"host": _IdMapper(cfg.host_label, cfg.host_regex),
                   "workload": _IdMapper(wl_label, cfg.workload_regex)}
        out: list[UsageRollup] = []
        for key in QUERY_KEYS:
            expr = cfg.query(key)
            if expr is None:
                continue
            kind, resource = key.split("_", 1)
            stats: dict[str, dict[str, float]] = {}
            for stat, promql in (("latest", f"({expr})"),
                                 ("p50", f"quantile_over_time(0.5, ({expr})[{window}:{step}])"),
                                 ("p95", f"quantile_over_time(0.95, ({expr})[{window}:{step}])")):
                for series in self._instant(cloud, key, promql, end):
                    subject = mappers[kind](series.get("metric", {}))
                    try:
                        value = float(series["value"][1])
                    except (KeyError, IndexError, TypeError, ValueError):
                        continue
                    if subject is None or not math.isfinite(value):
                        continue
                    stats.setdefault(subject, {})[stat] = value
            for subject, s in sorted(stats.items()):
                if len(s) < 3:
                    continue
                hi = 1.0 if kind == "host" else math.inf  # a workload may use more than it requested
                out.append(UsageRollup(subject, kind, resource,  # type: ignore[arg-type]
                                       *(round(min(hi, max(0.0, s[k])), 4) for k in ("latest", "p50", "p95"))))
        return out


def _short(exc: BaseException, limit: int = 300) -> str:
    text = str(exc)
    return text if len(text) <= limit else text[:limit] + "…"
