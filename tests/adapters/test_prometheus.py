"""The Prometheus metrics adapter against Debian's real `prometheus` server, and the clouds registry.

The server (tests/servers/prometheus.sh) runs on 127.0.0.1 with its own config and TSDB, scraping
every second an exporter this test runs (tests/servers/known_exporter.py) whose values are known:
CPU counters advancing at fixed rates, fixed memory gauges, and one host whose memory alternates
0.2/0.8 on an 8 s cycle (high 2 s of 8), so p50 and p95 differ. Locally a missing `prometheus`
binary skips the server tests; under CI=true it fails them (`.ci/run` installs the package).

Tolerances: gauges come back exact up to the adapter's 4-decimal rounding (1e-3). CPU shares are
rate() of counters the exporter computes from its own clock and stamps with that same time (an
exposition timestamp, honoured by Prometheus), so a scrape delayed by a loaded machine still stores
exact points on the line; what remains is Prometheus' millisecond rounding of the timestamp and its
extrapolation to the window's edges when a scrape is late, so 0.01 is a wide margin that still tells
0.25 from 0.60.
"""

from __future__ import annotations

import math
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import requests

from adapters.prometheus import PrometheusConfig, PrometheusMetrics
from adapters.protocol import AdapterError, UsageRollup
from tests.servers.known_exporter import HIGH_S, PERIOD_S, KnownExporter
from tests.support import QIANYUN, free_port, running_prometheus

WINDOW_S = 16.0  # two cycles of the alternating host: 16 one-second subquery points, 4 of them high
RATE_WINDOW_S = 4.0
GAUGE_TOL = 1e-3
CPU_TOL = 0.01


# ---------------------------------------------------------------- the real server


@pytest.fixture(scope="module")
def prom_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Debian's Prometheus scraping the known exporter, with at least WINDOW_S + rate window of samples."""
    state = tmp_path_factory.mktemp("prometheus")
    exporter = KnownExporter(free_port())
    try:
        with running_prometheus(state, [f"127.0.0.1:{exporter.port}"]) as url:
            _wait_for_history(url, WINDOW_S + RATE_WINDOW_S + PERIOD_S + 3)
            yield url
    finally:
        exporter.stop()


def _wait_for_history(url: str, seconds: float) -> None:
    """Until the first sample is `seconds` old: the quantile windows must lie wholly inside the data."""
    deadline = time.monotonic() + seconds + 60  # hang guard: the first scrape comes within a few seconds
    ready_at: float | None = None  # the wall-clock time at which the samples span `seconds`
    while time.monotonic() < deadline:
        if ready_at is None:
            r = requests.get(f"{url}/api/v1/query", params={"query": "timestamp(node_memory_MemTotal_bytes)"}, timeout=5)
            result = r.json()["data"]["result"]
            if result:
                ready_at = min(float(s["value"][1]) for s in result) + seconds
        elif time.time() >= ready_at:
            return
        time.sleep(0.5)
    raise AssertionError(f"Prometheus at {url} gathered no {seconds:.0f} s of samples in time")


def _end_in_low_phase() -> datetime:
    """A recent end time in the middle of the alternating host's low phase, so its latest is known."""
    now = time.time() - 1.5
    end = math.floor(now / PERIOD_S) * PERIOD_S + (HIGH_S + PERIOD_S) / 2
    if end > now:
        end -= PERIOD_S
    return datetime.fromtimestamp(end, tz=timezone.utc)


def _config(url: str, **kw: object) -> PrometheusConfig:
    base = PrometheusConfig(url=url, host_regex=r"(gz-gov-h\d+):\d+", step_s=1.0, rate_window_s=RATE_WINDOW_S,
                            timeout_s=5.0, retries=1, backoff_s=0.1)
    return replace(base, **kw)  # type: ignore[arg-type]


def _by_key(rollups: list[UsageRollup]) -> dict[tuple[str, str, str], UsageRollup]:
    return {(r.kind, r.subject, r.resource): r for r in rollups}


def _assert_stats(r: UsageRollup, latest: float, p50: float, p95: float, tol: float) -> None:
    got = (r.latest, r.p50, r.p95)
    assert got == pytest.approx((latest, p50, p95), abs=tol), f"{r.subject} {r.resource}: {got}"


def test_latest_p50_p95_equal_the_exporters_known_values(prom_url: str) -> None:
    end = _end_in_low_phase()
    src = PrometheusMetrics({"gz-gov": _config(prom_url)})
    got = _by_key(src.utilisation("gz-gov", end - timedelta(seconds=WINDOW_S), end))

    assert set(got) == {(k, s, r) for k, s in (("host", "gz-gov-h0001"), ("host", "gz-gov-h0002"),
                                               ("workload", "gz-gov-w-known"))
                        for r in ("vcpu", "memory_gib")}, "the other cloud's host is not gz-gov's"
    _assert_stats(got["host", "gz-gov-h0001", "vcpu"], 0.25, 0.25, 0.25, CPU_TOL)
    _assert_stats(got["host", "gz-gov-h0001", "memory_gib"], 0.40, 0.40, 0.40, GAUGE_TOL)
    _assert_stats(got["host", "gz-gov-h0002", "vcpu"], 0.60, 0.60, 0.60, CPU_TOL)
    # 0.8 for a quarter of the window: p95 sees it, p50 and the low-phase latest do not.
    _assert_stats(got["host", "gz-gov-h0002", "memory_gib"], 0.20, 0.20, 0.80, GAUGE_TOL)
    # cAdvisor usage over kube-state-metrics requests; the pause container and pod-level sums excluded.
    _assert_stats(got["workload", "gz-gov-w-known", "vcpu"], 0.25, 0.25, 0.25, CPU_TOL)
    _assert_stats(got["workload", "gz-gov-w-known", "memory_gib"], 0.30, 0.30, 0.30, GAUGE_TOL)


def test_a_host_label_and_regex_map_another_clouds_hosts_to_our_ids(prom_url: str) -> None:
    end = _end_in_low_phase()
    cfg = _config(prom_url, host_label="hostname", host_regex=r"(.+)\.gy\.example", workloads="none")
    got = _by_key(PrometheusMetrics({"gy": cfg}).utilisation("gy", end - timedelta(seconds=WINDOW_S), end))
    assert set(got) == {("host", "gy-h0003", "vcpu"), ("host", "gy-h0003", "memory_gib")}
    _assert_stats(got["host", "gy-h0003", "vcpu"], 0.10, 0.10, 0.10, CPU_TOL)
    _assert_stats(got["host", "gy-h0003", "memory_gib"], 0.55, 0.55, 0.55, GAUGE_TOL)


def test_a_per_cloud_query_override_replaces_the_default(prom_url: str) -> None:
    end = _end_in_low_phase()
    free = ("1 - sum by ({host_label}) (node_memory_MemFree_bytes)"
            " / sum by ({host_label}) (node_memory_MemTotal_bytes)")
    cfg = _config(prom_url, queries={"host_memory_gib": free}, workloads="none")
    got = _by_key(PrometheusMetrics({"gz-gov": cfg}).utilisation("gz-gov", end - timedelta(seconds=WINDOW_S), end))
    _assert_stats(got["host", "gz-gov-h0001", "memory_gib"], 0.95, 0.95, 0.95, GAUGE_TOL)
    _assert_stats(got["host", "gz-gov-h0002", "memory_gib"], 0.90, 0.90, 0.90, GAUGE_TOL)
    _assert_stats(got["host", "gz-gov-h0001", "vcpu"], 0.25, 0.25, 0.25, CPU_TOL)  # the rest keep their defaults


def test_a_query_prometheus_refuses_is_an_adapter_error_naming_the_query(prom_url: str) -> None:
    cfg = _config(prom_url, queries={"host_vcpu": "sum by (instance) (("})
    end = datetime.now(timezone.utc)
    with pytest.raises(AdapterError, match="host_vcpu"):
        PrometheusMetrics({"gz-gov": cfg}).utilisation("gz-gov", end - timedelta(seconds=60), end)


# ---------------------------------------------------------------- a Prometheus that does not answer


@pytest.fixture
def connects(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Every address urllib3 (under requests and the Prometheus client) opens a connection to, in order."""
    import urllib3.util.connection

    seen: list[tuple[str, int]] = []
    real = urllib3.util.connection.create_connection

    def counting(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        seen.append(address)
        return real(address, *args, **kwargs)

    monkeypatch.setattr(urllib3.util.connection, "create_connection", counting)
    return seen


def test_a_closed_port_is_an_adapter_error_at_once(connects: list[tuple[str, int]]) -> None:
    """The first query's retries run out and the adapter stops: no further query knocks on the port."""
    port = free_port()
    cfg = PrometheusConfig(url=f"http://127.0.0.1:{port}", timeout_s=1.0, retries=2, backoff_s=0.05)
    end = datetime.now(timezone.utc)
    t0 = time.monotonic()
    with pytest.raises(AdapterError, match="did not answer"):
        PrometheusMetrics({"gz-gov": cfg}).utilisation("gz-gov", end - timedelta(hours=1), end)
    assert time.monotonic() - t0 < 3  # hang guard, ~30x the expected 0.1 s (one 0.1 s backoff)
    assert connects == [("127.0.0.1", port)] * 3  # one query: the first try and its two retries


def test_a_silent_server_times_out_into_an_adapter_error() -> None:
    """A socket that accepts connections (the kernel's backlog) but never answers: the read times out."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        cfg = PrometheusConfig(url=f"http://127.0.0.1:{silent.getsockname()[1]}", timeout_s=0.5, retries=1,
                               backoff_s=0.05)
        end = datetime.now(timezone.utc)
        t0 = time.monotonic()
        with pytest.raises(AdapterError, match="did not answer.*(Timeout|timed out)"):
            PrometheusMetrics({"gz-gov": cfg}).utilisation("gz-gov", end - timedelta(hours=1), end)
        # two attempts of 0.5 s; the default 10 s timeout would take 20 s
        assert time.monotonic() - t0 < 10  # hang guard, 10x the expected 1 s
        # the connections the kernel queued for the silent server: the first query's try and its one retry
        silent.setblocking(False)
        accepted = []
        while True:
            try:
                accepted.append(silent.accept()[0])
            except BlockingIOError:
                break
        for conn in accepted:
            conn.close()
        assert len(accepted) == 2


# ---------------------------------------------------------------- through the registry and the service


def _use_registry(monkeypatch: pytest.MonkeyPatch, path: Path, text: str) -> None:
    from scheduler.core.registry import _adapters_for
    from scheduler.core.settings import get_settings

    path.write_text(text)
    monkeypatch.setenv("QIANYUN_CLOUDS_FILE", str(path))
    get_settings.cache_clear()
    _adapters_for.cache_clear()


def test_without_a_registry_every_cloud_keeps_the_simulated_metrics(service) -> None:
    from scheduler.core.registry import get_adapters

    adapters = get_adapters()
    assert adapters.registry.clouds == {}
    assert adapters.metrics_for("gz-gov") is adapters.simulated


def test_an_unreachable_prometheus_marks_its_cloud_degraded(service, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                             connects: list[tuple[str, int]]) -> None:
    from scheduler.core.models import Cloud
    from scheduler.core.registry import get_adapters
    from scheduler.core.utilisation import rollup_all

    port = free_port()
    _use_registry(monkeypatch, tmp_path / "clouds.yaml", f"""
clouds:
  gz-gov:
    adapter: simulated
    prometheus: {{url: "http://127.0.0.1:{port}", timeout_s: 0.5, retries: 0}}
""")
    adapters = get_adapters()
    t0 = time.monotonic()
    outcome = rollup_all({c: adapters.metrics_for(c) for c in ("gz-gov", "gy")}, 3600)
    assert time.monotonic() - t0 < 30  # hang guard, ~500x the expected 0.06 s
    assert connects.count(("127.0.0.1", port)) == 1  # retries 0: one try, then the cloud is given up
    assert outcome["gy"] == "ok" and "did not answer" in outcome["gz-gov"]
    with service.session() as s:
        gov, gy = s.get(Cloud, "gz-gov"), s.get(Cloud, "gy")
        assert gov.status == "degraded" and "metrics unavailable" in gov.status_detail
        assert gy.status == "healthy"


def test_the_registry_routes_a_clouds_metrics_to_its_prometheus(service, prom_url: str, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlmodel import select

    from scheduler.core.models import Utilisation
    from scheduler.core.registry import get_adapters
    from scheduler.core.utilisation import rollup_all

    _use_registry(monkeypatch, tmp_path / "clouds.yaml", f"""
clouds:
  gz-gov:
    adapter: simulated
    prometheus:
      url: {prom_url}
      host_regex: '(gz-gov-h\\d+):\\d+'
      step_s: 1
      rate_window_s: {RATE_WINDOW_S}
""")
    adapters = get_adapters()
    assert adapters.metrics_for("gz-gov") is adapters.prometheus
    assert adapters.metrics_for("gy") is adapters.simulated
    assert rollup_all({"gz-gov": adapters.metrics_for("gz-gov")}, int(WINDOW_S)) == {"gz-gov": "ok"}
    with service.session() as s:
        rows = {(u.subject, u.resource): u for u in s.exec(select(Utilisation).where(Utilisation.cloud_id == "gz-gov"))}
    assert set(rows) == {(h, r) for h in ("gz-gov-h0001", "gz-gov-h0002", "gz-gov-w-known") for r in ("vcpu", "memory_gib")}
    assert rows["gz-gov-h0001", "memory_gib"].p95 == pytest.approx(0.40, abs=GAUGE_TOL)
    assert rows["gz-gov-h0001", "vcpu"].latest == pytest.approx(0.25, abs=CPU_TOL)


# ---------------------------------------------------------------- the registry file's refusals


GOOD_ENTRY = "  gz-gov:\n    adapter: simulated\n"


@pytest.mark.parametrize(("text", "line", "field", "problem"), [
    ("clouds:\n  gz-gov:\n    adapter: vmware\n", 3, "clouds.gz-gov.adapter", "unknown adapter 'vmware'"),
    ("clouds:\n  gz-gov:\n    adapter: simulated\n    openstack:\n      cloud: x\n", 4, "clouds.gz-gov.openstack",
     "only a cloud with adapter openstack"),
    ("clouds:\n  gz-gov:\n    adapter: openstack\n    kubernetes: {}\n", 4, "clouds.gz-gov.kubernetes",
     "only a cloud with adapter kubernetes"),
    ("clouds:\n  gz-gov:\n    adapter: openstack\n    openstack:\n      clouds_yaml: nowhere.yaml\n", 5,
     "clouds.gz-gov.openstack.clouds_yaml", "no such file: 'nowhere.yaml'"),
    ("clouds:\n  gz-gov:\n    adapter: openstack\n    openstack:\n      project: admin\n", 5,
     "clouds.gz-gov.openstack.project", "unknown key"),
    ("clouds:\n  gz-gov:\n    adapter: openstack\n    openstack:\n      action_timeout_s: 0\n", 5,
     "clouds.gz-gov.openstack.action_timeout_s", "must be > 0"),
    ("clouds:\n  gz-gov:\n    adapter: kubernetes\n    kubernetes:\n      kubeconfig: /no/such/kubeconfig\n", 5,
     "clouds.gz-gov.kubernetes.kubeconfig", "no such file"),
    ("clouds:\n  gz-gov:\n    adapter: kubernetes\n    kubernetes:\n      context: a\n      in_cluster: true\n", 6,
     "clouds.gz-gov.kubernetes.in_cluster", "takes no kubeconfig or context"),
    ("clouds:\n  gz-gov:\n    adapter: kubernetes\n    kubernetes:\n      retries: -1\n", 5,
     "clouds.gz-gov.kubernetes.retries", ">= 0"),
    ("clouds:\n" + GOOD_ENTRY + "  gz-mars:\n    adapter: simulated\n", 4, "clouds.gz-mars", "unknown cloud 'gz-mars'"),
    ("clouds:\n  gz-gov:\n    adapter: simulated\n    prometheus:\n      url: 9090\n", 5,
     "clouds.gz-gov.prometheus.url", "must be a non-empty string, got 9090"),
    ("clouds:\n  gz-gov:\n    adapter: simulated\n    prometheus:\n      url: [a, b]\n", 5,
     "clouds.gz-gov.prometheus.url", "must be a non-empty string, got a list"),
    ("clouds:\n  gz-gov:\n    adapter: simulated\n    prometheus:\n      url: prometheus:9090\n", 5,
     "clouds.gz-gov.prometheus.url", "http:// or https://"),
    ("clouds:\n  gz-gov:\n    adapter: simulated\n    metrics: prometheus\n", 4, "clouds.gz-gov.metrics", "unknown key"),
    ("clouds:\n  gz-gov:\n    adapter: simulated\n    prometheus:\n      url: http://p:9090\n      queries:\n"
     "        host_disk: 'x'\n", 7, "clouds.gz-gov.prometheus.queries.host_disk", "unknown key"),
    ("clouds:\n  gz-gov:\n    adapter: simulated\n    prometheus:\n      url: http://p:9090\n      host_regex: '(('\n",
     6, "clouds.gz-gov.prometheus.host_regex", "not a valid regular expression"),
    ("clouds:\n  gz-gov:\n    prometheus:\n      url: http://p:9090\n", 3, "clouds.gz-gov.adapter", "required field"),
    ("cloud:\n" + GOOD_ENTRY, 1, "cloud", "unknown key"),
])
def test_the_registry_refuses_bad_input_naming_line_and_field(tmp_path: Path, text: str, line: int, field: str,
                                                              problem: str) -> None:
    from scheduler.core.clouds_registry import CloudsFileError, load_registry

    path = tmp_path / "clouds.yaml"
    path.write_text(text)
    with pytest.raises(CloudsFileError) as info:
        load_registry(path)
    msg = str(info.value)
    assert (info.value.line, info.value.field) == (line, field), msg
    assert msg.startswith(f"clouds.yaml line {line}: {field}: ") and problem in msg, msg


def test_a_good_registry_reads_back(tmp_path: Path) -> None:
    from scheduler.core.clouds_registry import load_registry

    path = tmp_path / "clouds.yaml"
    path.write_text("clouds:\n  gz-gov:\n    adapter: simulated\n    prometheus:\n      url: http://p:9090/\n"
                    "      workloads: libvirt\n      host_label: node\n      timeout_s: 3\n      retries: 4\n"
                    "  gy:\n    adapter: simulated\n")
    reg = load_registry(path)
    cfg = reg.clouds["gz-gov"].prometheus
    assert cfg is not None and reg.clouds["gy"].prometheus is None
    assert (cfg.url, cfg.workloads, cfg.host_label, cfg.timeout_s, cfg.retries) == ("http://p:9090", "libvirt", "node", 3.0, 4)
    assert cfg.query("host_vcpu") == '1 - avg by (node) (rate(node_cpu_seconds_total{mode="idle"}[300000ms]))'
    assert "libvirt_domain_info_virtual_cpus" in (cfg.query("workload_vcpu") or "")
    assert "by (domain)" in (cfg.query("workload_memory_gib") or "")


def test_a_malformed_registry_stops_the_service_at_start(tmp_path: Path, service) -> None:
    bad = tmp_path / "clouds.yaml"
    bad.write_text("clouds:\n  gz-gov:\n    adapter: simulated\n    prometheus:\n      url: 9090\n")
    env = {**os.environ, "QIANYUN_CLOUDS_FILE": str(bad)}
    r = subprocess.run([QIANYUN, "serve", "--port", "1"], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2
    line = r.stderr.strip()
    assert len(line.splitlines()) == 1 and "clouds registry refused" in line and "line 5" in line
    assert "clouds.gz-gov.prometheus.url" in line
