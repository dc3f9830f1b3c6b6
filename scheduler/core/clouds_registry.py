"""The clouds registry file (QIANYUN_CLOUDS_FILE): per cloud, its adapter and its metrics source.

A site names in one YAML file which system serves each of the 14 clouds (the simulator, an OpenStack
deployment by its `clouds.yaml` name, a Kubernetes cluster by its kubeconfig context) and where its
Prometheus is.
The file is checked strictly when the service starts: every refusal is a `CloudsFileError` naming
the file, the line and the field (as policies/loader.py does), because a half-read registry would
send actions to the wrong cloud. Clouds the file does not name keep the embedded default: the
simulated adapter for inventory, actions and metrics.

    clouds:
      gz-gov:
        adapter: openstack
        openstack: {cloud: gz-gov-admin}            # a cloud of clouds.yaml; default $OS_CLOUD
      gz-zunyi:
        adapter: kubernetes
        kubernetes: {context: zunyi-prod}          # default: $KUBECONFIG's current context
      gz-anshun:
        adapter: simulated
        prometheus:
          url: http://prometheus.gz-gov.example:9090
          host_label: instance
          host_regex: '(.+):9100'
          queries:
            host_memory_gib: '1 - node_memory_MemFree_bytes / node_memory_MemTotal_bytes'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import yaml
from yaml.nodes import Node

from adapters.guizhou import CLOUD_BY_ID
from adapters.prometheus import DEFAULT_HOST_REGEX, QUERY_KEYS, WORKLOAD_PRESETS, PrometheusConfig
from policies.loader import YamlReader

ADAPTERS: tuple[str, ...] = ("simulated", "openstack", "kubernetes")
CLOUD_FIELDS = ("adapter", "prometheus", "openstack", "kubernetes")
OPENSTACK_FIELDS = ("cloud", "clouds_yaml", "region", "timeout_s", "retries", "action_timeout_s")
KUBERNETES_FIELDS = ("kubeconfig", "context", "in_cluster", "jobs_namespace", "timeout_s", "retries",
                     "rollout_timeout_s")
PROMETHEUS_FIELDS = ("url", "queries", "workloads", "host_label", "host_regex", "workload_label", "workload_regex",
                     "step_s", "rate_window_s", "timeout_s", "retries", "backoff_s")
LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")


class CloudsFileError(ValueError):
    """A refused clouds registry; the message names the file, the line and the field."""

    def __init__(self, file: str, line: int | None, field: str | None, problem: str) -> None:
        where = file if line is None else f"{file} line {line}"
        super().__init__(f"{where}: {field}: {problem}" if field else f"{where}: {problem}")
        self.file, self.line, self.field, self.problem = file, line, field, problem


class _RegistryReader(YamlReader):
    """The policy loader's strict node reader, raising this module's error."""

    def fail(self, node: Node | None, field: str | None, problem: str) -> CloudsFileError:  # type: ignore[override]
        line = node.start_mark.line + 1 if node is not None else None
        return CloudsFileError(self.file, line, field, problem)


@dataclass(frozen=True)
class OpenStackEntry:
    """Where the adapter finds its cloud: a clouds.yaml name ($OS_CLOUD when None) and file."""

    cloud: str | None = None
    clouds_yaml: str | None = None       # None: openstacksdk's own search ($OS_CLIENT_CONFIG_FILE, ...)
    region: str | None = None
    timeout_s: float = 30.0
    retries: int = 3
    action_timeout_s: float = 300.0


@dataclass(frozen=True)
class KubernetesEntry:
    """A kubeconfig file and context ($KUBECONFIG's current context when None), or in-cluster config."""

    kubeconfig: str | None = None
    context: str | None = None
    in_cluster: bool = False
    jobs_namespace: str = "qianyun-jobs"
    timeout_s: float = 30.0
    retries: int = 3
    rollout_timeout_s: float = 0.0


@dataclass(frozen=True)
class CloudEntry:
    cloud: str
    adapter: str = "simulated"
    prometheus: PrometheusConfig | None = None
    openstack: OpenStackEntry | None = None
    kubernetes: KubernetesEntry | None = None


@dataclass(frozen=True)
class CloudsRegistry:
    """What the file said; clouds it does not name are absent here and served by the default."""

    file: str | None = None
    clouds: dict[str, CloudEntry] = field(default_factory=dict)

    def prometheus(self) -> dict[str, PrometheusConfig]:
        return {c: e.prometheus for c, e in self.clouds.items() if e.prometheus is not None}



def load_registry(path: str | Path) -> CloudsRegistry:
    """Read and check the registry file; CloudsFileError on anything wrong, including a missing file."""
    p = Path(path)
    name = p.name
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise CloudsFileError(str(p), None, None, f"cannot be read: {exc.strerror or exc}") from exc
    try:
        root = yaml.compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise CloudsFileError(name, mark.line + 1 if mark else None, None,
                              f"not valid YAML: {getattr(exc, 'problem', None) or exc}") from exc
    r = _RegistryReader(name)
    if root is None:
        raise CloudsFileError(name, None, "clouds", "required field is missing (the file is empty)")
    top = r.mapping(root, "", ("clouds",), ("clouds",))
    clouds_node = top["clouds"][1]
    entries: dict[str, CloudEntry] = {}
    if isinstance(clouds_node, yaml.MappingNode):  # name the unknown cloud before the generic key check
        for knode, _ in clouds_node.value:
            cloud = r.scalar(knode)
            if isinstance(cloud, str) and cloud not in CLOUD_BY_ID:
                raise r.fail(knode, f"clouds.{cloud}", f"unknown cloud {cloud!r}; known clouds are {', '.join(CLOUD_BY_ID)}")
    for knode, vnode in r.mapping(clouds_node, "clouds", tuple(CLOUD_BY_ID)).values():
        cloud = r.scalar(knode)
        f = f"clouds.{cloud}"
        m = r.mapping(vnode, f, CLOUD_FIELDS, ("adapter",))
        anode = m["adapter"][1]
        adapter = r.choice(anode, f"{f}.adapter", ADAPTERS, "adapter")
        for section in ("openstack", "kubernetes"):
            if section in m and adapter != section:
                raise r.fail(m[section][0], f"{f}.{section}",
                             f"only a cloud with adapter {section} has this section (this one has {adapter})")
        prom = _prometheus(r, m["prometheus"][1], f"{f}.prometheus") if "prometheus" in m else None
        os_entry = k8s_entry = None
        if adapter == "openstack":
            os_entry = _openstack(r, m["openstack"][1], f"{f}.openstack", p.parent) if "openstack" in m \
                else OpenStackEntry()
        if adapter == "kubernetes":
            k8s_entry = _kubernetes(r, m["kubernetes"][1], f"{f}.kubernetes", p.parent) if "kubernetes" in m \
                else KubernetesEntry()
        entries[cloud] = CloudEntry(cloud, adapter, prom, os_entry, k8s_entry)
    return CloudsRegistry(str(p), entries)


def _path(r: _RegistryReader, node: Node, f: str, base: Path) -> str:
    """A file the entry names, relative to the registry file; it must exist now, not at the first sync."""
    v = r.string(node, f)
    path = Path(v or "").expanduser()
    path = path if path.is_absolute() else base / path
    if not v or not path.is_file():
        raise r.fail(node, f, f"no such file: {v!r}" + (f" (looked at {path})" if v and not Path(v).is_absolute() else ""))
    return str(path)


def _common(r: _RegistryReader, m: dict[str, tuple[Node, Node]], f: str, kw: dict[str, object],
            timeouts: tuple[str, ...]) -> None:
    for key in timeouts:
        if key in m:
            v = r.number(m[key][1], f"{f}.{key}", 0.0)
            if v <= 0 and key != "rollout_timeout_s":
                raise r.fail(m[key][1], f"{f}.{key}", "must be > 0")
            kw[key] = v
    if "retries" in m:
        kw["retries"] = r.integer(m["retries"][1], f"{f}.retries", 0)


def _openstack(r: _RegistryReader, node: Node, f: str, base: Path) -> OpenStackEntry:
    m = r.mapping(node, f, OPENSTACK_FIELDS)
    kw: dict[str, object] = {}
    for key in ("cloud", "region"):
        if key in m:
            kw[key] = r.string(m[key][1], f"{f}.{key}")
    if "clouds_yaml" in m:
        kw["clouds_yaml"] = _path(r, m["clouds_yaml"][1], f"{f}.clouds_yaml", base)
    _common(r, m, f, kw, ("timeout_s", "action_timeout_s"))
    return OpenStackEntry(**kw)  # type: ignore[arg-type]


def _kubernetes(r: _RegistryReader, node: Node, f: str, base: Path) -> KubernetesEntry:
    m = r.mapping(node, f, KUBERNETES_FIELDS)
    kw: dict[str, object] = {}
    for key in ("context", "jobs_namespace"):
        if key in m:
            kw[key] = r.string(m[key][1], f"{f}.{key}")
    if "kubeconfig" in m:
        kw["kubeconfig"] = _path(r, m["kubeconfig"][1], f"{f}.kubeconfig", base)
    if "in_cluster" in m:
        kw["in_cluster"] = r.boolean(m["in_cluster"][1], f"{f}.in_cluster")
        if kw["in_cluster"] and ("kubeconfig" in m or "context" in m):
            raise r.fail(m["in_cluster"][1], f"{f}.in_cluster", "in-cluster configuration takes no kubeconfig or context")
    _common(r, m, f, kw, ("timeout_s", "rollout_timeout_s"))
    return KubernetesEntry(**kw)  # type: ignore[arg-type]


def _prometheus(r: _RegistryReader, node: Node, f: str) -> PrometheusConfig:
    m = r.mapping(node, f, PROMETHEUS_FIELDS, ("url",))
    unode = m["url"][1]
    url = r.string(unode, f"{f}.url")
    assert url is not None
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise r.fail(unode, f"{f}.url", f"must be an http:// or https:// URL with a host, got {url!r}")
    kw: dict[str, object] = {"url": url.rstrip("/")}
    if "queries" in m:
        qnode = m["queries"][1]
        qm = r.mapping(qnode, f"{f}.queries", QUERY_KEYS)
        kw["queries"] = {k: r.string(v, f"{f}.queries.{k}") for k, (_, v) in qm.items()}
    if "workloads" in m:
        kw["workloads"] = r.choice(m["workloads"][1], f"{f}.workloads", WORKLOAD_PRESETS, "workload preset")
    for key in ("host_label", "workload_label"):
        if key in m:
            v = r.string(m[key][1], f"{f}.{key}")
            if not LABEL_NAME.fullmatch(v or ""):
                raise r.fail(m[key][1], f"{f}.{key}", f"must be a Prometheus label name, got {v!r}")
            kw[key] = v
    for key in ("host_regex", "workload_regex"):
        if key in m:
            v = r.string(m[key][1], f"{f}.{key}")
            try:
                re.compile(v or "")
            except re.error as exc:
                raise r.fail(m[key][1], f"{f}.{key}", f"not a valid regular expression: {exc}") from exc
            kw[key] = v
    for key, lo in (("step_s", 0.001), ("rate_window_s", 0.001), ("timeout_s", 0.001), ("backoff_s", 0.0)):
        if key in m:
            v = r.number(m[key][1], f"{f}.{key}", lo)
            if lo > 0 and v <= 0:
                raise r.fail(m[key][1], f"{f}.{key}", "must be > 0")
            kw[key] = v
    if "retries" in m:
        kw["retries"] = r.integer(m["retries"][1], f"{f}.retries", 0)
    kw.setdefault("host_regex", DEFAULT_HOST_REGEX)
    return PrometheusConfig(**kw)  # type: ignore[arg-type]
