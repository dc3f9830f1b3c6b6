"""The Kubernetes adapter, through the official `kubernetes` client, against a local fake API server.

No Kubernetes API server can run on this machine, so each test starts a stdlib HTTP server on
127.0.0.1 that answers with Kubernetes API responses in their documented shapes (NodeList, PodList,
ReplicaSetList, NamespaceList, Deployment, Node, Eviction and the 429 Status a PodDisruptionBudget
gives, Status errors, patch responses that return the patched object, batch/v1 Job, and watch
streams: newline-delimited WatchEvents, including the ERROR event carrying a 410 Gone Status when
a resourceVersion is too old), and records every request. The adapter is built from a kubeconfig file written to tmp_path that points at that
server, exactly as it would be for a real cluster. Each request the adapter sends is checked: path,
verb, content type and body.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from adapters.kubernetes import KubernetesAdapter, Resilience, parse_quantity, pod_requests
from adapters.protocol import AdapterError, CloudAdapter, JobRunner

CLOUD = "gy"
Reply = tuple[int, dict[str, Any]]


# --- the fake API server --------------------------------------------------------------------------


@dataclass
class Request:
    method: str
    path: str
    query: str
    content_type: str
    body: Any


@dataclass
class Stream:
    """A watch response: WatchEvent objects ({"type", "object"}) written one JSON line each, then the end."""

    events: list[dict[str, Any]]


@dataclass
class FakeApi:
    """Routes (verb, path) to a queue of replies (the last one repeats) or a function of the request."""

    routes: dict[tuple[str, str], list[Reply] | Callable[[Request], Reply]] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    url: str = ""

    def on(self, method: str, path: str, *replies: Reply | Callable[[Request], Reply]) -> None:
        self.routes[(method, path)] = replies[0] if callable(replies[0]) else list(replies)  # type: ignore[assignment]

    def reply(self, req: Request) -> Reply:
        route = self.routes.get((req.method, req.path))
        if route is None:
            return 404, status(404, "NotFound", f'the server could not find the requested resource ({req.path})')
        if callable(route):
            return route(req)
        return route.pop(0) if len(route) > 1 else route[0]

    def sent(self, method: str | None = None, prefix: str = "") -> list[Request]:
        return [r for r in self.requests if (method is None or r.method == method) and r.path.startswith(prefix)]


def status(code: int, reason: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    """A metav1 Status, as the API server returns for every error."""
    body: dict[str, Any] = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                            "message": message, "reason": reason, "code": code}
    if details:
        body["details"] = details
    return body


@pytest.fixture
def api() -> Iterator[FakeApi]:
    fake = FakeApi()

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            parts = urlsplit(self.path)
            n = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(n) if n else b""
            req = Request(self.command, parts.path, parts.query, self.headers.get("Content-Type") or "",
                          json.loads(raw) if raw else None)
            fake.requests.append(req)
            code, body = fake.reply(req)
            if isinstance(body, Stream):  # a watch: no length, lines as they come, end by closing
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Connection", "close")
                self.end_headers()
                for event in body.events:
                    self.wfile.write(json.dumps(event).encode() + b"\n")
                    self.wfile.flush()
                self.close_connection = True
                return
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _serve

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield fake
    server.shutdown()
    server.server_close()
    thread.join(5)


def kubeconfig(tmp_path: Path, server: str) -> str:
    """A kubeconfig with two contexts; the adapter is told which one to use."""
    path = tmp_path / "kubeconfig"
    path.write_text(json.dumps({
        "apiVersion": "v1", "kind": "Config", "current-context": "elsewhere",
        "clusters": [{"name": "gy", "cluster": {"server": server}},
                     {"name": "nowhere", "cluster": {"server": "http://127.0.0.1:9"}}],
        "users": [{"name": "qianyun", "user": {"token": "test-token"}}],
        "contexts": [{"name": "gy-admin", "context": {"cluster": "gy", "user": "qianyun"}},
                     {"name": "elsewhere", "context": {"cluster": "nowhere", "user": "qianyun"}}]}))
    return str(path)


FAST = Resilience(connect_timeout_s=2, read_timeout_s=2, attempts=3, backoff_s=0.0, breaker_threshold=3,
                  breaker_cooldown_s=60, eviction_attempts=3, eviction_backoff_s=0.0)


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def adapter(api: FakeApi, tmp_path: Path, sleeps: list[float]) -> Iterator[KubernetesAdapter]:
    a = KubernetesAdapter(CLOUD, kubeconfig=kubeconfig(tmp_path, api.url), context="gy-admin", resilience=FAST,
                          sleep=sleeps.append)
    yield a
    a.close()


# --- documented object shapes ---------------------------------------------------------------------


def node(name: str, ready: bool = True, unschedulable: bool = False, cpu: str = "3800m", memory: str = "16Gi",
         gpu: str | None = None, storage: str = "15Gi") -> dict[str, Any]:
    allocatable = {"cpu": cpu, "memory": memory, "ephemeral-storage": storage, "pods": "110",
                   "hugepages-2Mi": "0"}
    if gpu:
        allocatable["nvidia.com/gpu"] = gpu
    spec: dict[str, Any] = {"podCIDR": "10.244.1.0/24", "providerID": f"openstack:///{name}"}
    if unschedulable:
        spec["unschedulable"] = True
        spec["taints"] = [{"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule",
                           "timeAdded": "2025-05-01T08:00:00Z"}]
    return {
        "kind": "Node", "apiVersion": "v1",
        "metadata": {"name": name, "uid": f"uid-{name}", "resourceVersion": "1001",
                     "creationTimestamp": "2025-01-02T03:04:05Z",
                     "labels": {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux",
                                "node.kubernetes.io/instance-type": "ecs.g7.xlarge"}},
        "spec": spec,
        "status": {
            "capacity": {**allocatable, "cpu": "4", "memory": "16393660Ki"},
            "allocatable": allocatable,
            "conditions": [
                {"type": "MemoryPressure", "status": "False", "lastHeartbeatTime": "2025-05-01T08:00:00Z",
                 "lastTransitionTime": "2025-01-02T03:04:05Z", "reason": "KubeletHasSufficientMemory",
                 "message": "kubelet has sufficient memory available"},
                {"type": "Ready", "status": "True" if ready else "Unknown",
                 "lastHeartbeatTime": "2025-05-01T08:00:00Z", "lastTransitionTime": "2025-01-02T03:04:05Z",
                 "reason": "KubeletReady" if ready else "NodeStatusUnknown",
                 "message": "kubelet is posting ready status" if ready else "Kubelet stopped posting node status."}],
            "nodeInfo": {"kubeletVersion": "v1.30.2", "osImage": "Debian GNU/Linux 12 (bookworm)"}}}


def node_list(*nodes: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "NodeList", "apiVersion": "v1", "metadata": {"resourceVersion": "2000"}, "items": list(nodes)}


def pod(ns: str, name: str, node_name: str | None, owner: tuple[str, str] | None, created: str,
        containers: list[dict[str, str]], init: list[dict[str, str]] | None = None,
        labels: dict[str, str] | None = None, phase: str = "Running") -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": ns, "uid": f"uid-{name}", "resourceVersion": "3001",
                            "creationTimestamp": created, "labels": labels or {}}
    if owner:
        meta["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": owner[0], "name": owner[1],
                                    "uid": f"uid-{owner[1]}", "controller": True, "blockOwnerDeletion": True}]
    spec: dict[str, Any] = {"containers": [{"name": f"c{i}", "image": "registry.gz.gov.cn/app:1",
                                            "resources": {"requests": r}} for i, r in enumerate(containers)],
                            "restartPolicy": "Always", "schedulerName": "default-scheduler"}
    if init:
        spec["initContainers"] = [{"name": f"i{i}", "image": "registry.gz.gov.cn/init:1",
                                   "resources": {"requests": r}} for i, r in enumerate(init)]
    if node_name:
        spec["nodeName"] = node_name
    return {"kind": "Pod", "apiVersion": "v1", "metadata": meta, "spec": spec,
            "status": {"phase": phase if node_name else "Pending", "qosClass": "Burstable"}}


def pod_list(*pods: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "PodList", "apiVersion": "v1", "metadata": {"resourceVersion": "3000"}, "items": list(pods)}


def replica_set(ns: str, name: str, deployment: str) -> dict[str, Any]:
    return {"kind": "ReplicaSet", "apiVersion": "apps/v1",
            "metadata": {"name": name, "namespace": ns, "uid": f"uid-{name}",
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": deployment,
                                              "uid": f"uid-{deployment}", "controller": True,
                                              "blockOwnerDeletion": True}]},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": deployment}}},
            "status": {"replicas": 2, "readyReplicas": 2}}


def rs_list(*items: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "ReplicaSetList", "apiVersion": "apps/v1", "metadata": {"resourceVersion": "4000"},
            "items": list(items)}


def namespace(name: str, labels: dict[str, str], annotations: dict[str, str] | None = None) -> dict[str, Any]:
    return {"kind": "Namespace", "apiVersion": "v1",
            "metadata": {"name": name, "uid": f"uid-{name}", "labels": {"kubernetes.io/metadata.name": name, **labels},
                         "annotations": annotations or {}},
            "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}


def ns_list(*items: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "NamespaceList", "apiVersion": "v1", "metadata": {"resourceVersion": "5000"}, "items": list(items)}


def deployment(ns: str, name: str, nodes: list[str] | None = None) -> dict[str, Any]:
    tmpl_spec: dict[str, Any] = {"containers": [{"name": "c0", "image": "registry.gz.gov.cn/app:1"}]}
    if nodes:
        tmpl_spec["affinity"] = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
            "nodeSelectorTerms": [{"matchFields": [{"key": "metadata.name", "operator": "In", "values": nodes}]}]}}}
    return {"kind": "Deployment", "apiVersion": "apps/v1",
            "metadata": {"name": name, "namespace": ns, "uid": f"uid-{name}", "generation": 3},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}}, "spec": tmpl_spec},
                     "strategy": {"type": "RollingUpdate",
                                  "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}}},
            "status": {"observedGeneration": 3, "replicas": 1, "readyReplicas": 1}}


def fleet(api: FakeApi, nodes: list[dict[str, Any]] | None = None) -> None:
    """A small cluster: three nodes, a two-replica Deployment, a StatefulSet pod, a bare pod, a Job pod."""
    api.on("GET", "/api/v1/nodes", (200, node_list(*(nodes or [
        node("gy-node-1"), node("gy-node-2", gpu="2"), node("gy-node-3", unschedulable=True)]))))
    api.on("GET", "/api/v1/namespaces", (200, ns_list(
        namespace("gzga-web", {"qianyun.gov.cn/department": "gz-gongan", "qianyun.gov.cn/tier": "city",
                               "qianyun.gov.cn/city": "guiyang"}, {"qianyun.gov.cn/department-name": "贵阳市公安局"}),
        namespace("default", {}))))
    api.on("GET", "/apis/apps/v1/replicasets", (200, rs_list(replica_set("gzga-web", "portal-7d9f8b", "portal"))))
    api.on("GET", "/api/v1/pods", (200, pod_list(*PODS)))
    api.on("GET", "/api/v1/namespaces/gzga-web/pods", (200, pod_list(*[p for p in PODS
                                                                        if p["metadata"]["namespace"] == "gzga-web"])))
    api.on("GET", "/api/v1/namespaces/default/pods", (200, pod_list(*[p for p in PODS
                                                                       if p["metadata"]["namespace"] == "default"])))


PODS = [
    # created second, so replica 1 of the Deployment
    pod("gzga-web", "portal-7d9f8b-zzzzz", "gy-node-2", ("ReplicaSet", "portal-7d9f8b"), "2025-05-01T09:00:00Z",
        [{"cpu": "500m", "memory": "512Mi"}, {"cpu": "250m", "memory": "256Mi"}],
        labels={"app": "portal", "qianyun.gov.cn/classification": "sensitive", "qianyun.gov.cn/mlps-level": "3"}),
    pod("gzga-web", "portal-7d9f8b-aaaaa", "gy-node-1", ("ReplicaSet", "portal-7d9f8b"), "2025-05-01T08:00:00Z",
        [{"cpu": "500m", "memory": "512Mi"}, {"cpu": "250m", "memory": "256Mi"}], labels={"app": "portal"}),
    pod("gzga-web", "db-0", "gy-node-2", ("StatefulSet", "db"), "2025-04-01T08:00:00Z",
        [{"cpu": "2", "memory": "4Gi", "nvidia.com/gpu": "1", "ephemeral-storage": "10Gi"}],
        init=[{"cpu": "3", "memory": "1Gi"}]),
    pod("default", "debug", "gy-node-1", None, "2025-05-02T08:00:00Z", [{"cpu": "100m", "memory": "64Mi"}]),
    pod("default", "etl-x7k2p", "gy-node-1", ("Job", "etl"), "2025-05-02T08:00:00Z", [{"cpu": "1"}]),
    pod("default", "old", "gy-node-1", None, "2025-05-02T08:00:00Z", [{"cpu": "1"}], phase="Succeeded"),
]


# --- tests ----------------------------------------------------------------------------------------


def test_quantities() -> None:
    assert parse_quantity("3800m") == Decimal("3.8")
    assert parse_quantity("16Gi") == 16 * 2**30
    assert parse_quantity("110") == 110
    assert parse_quantity("1.5G") == 1_500_000_000
    assert parse_quantity("16393660Ki") == 16393660 * 1024
    with pytest.raises(ValueError):
        parse_quantity("lots")
    # init containers run alone, so a pod reserves max(sum of containers, largest init container)
    assert pod_requests(PODS[2])["vcpu"] == 3.0


def test_is_a_cloud_adapter_and_job_runner(adapter: KubernetesAdapter) -> None:
    assert isinstance(adapter, CloudAdapter) and isinstance(adapter, JobRunner)
    [info] = adapter.clouds()
    assert (info.id, info.adapter, info.kind) == ("gy", "kubernetes", "city")


def test_inventory(adapter: KubernetesAdapter, api: FakeApi) -> None:
    fleet(api)
    inv = adapter.inventory(CLOUD)
    hosts = {h.id: h for h in inv.hosts}
    assert set(hosts) == {"gy/gy-node-1", "gy/gy-node-2", "gy/gy-node-3"}
    assert hosts["gy/gy-node-1"].capacity == {"vcpu": 3.8, "memory_gib": 16.0, "gpu": 0.0, "storage_gib": 15.0}
    assert hosts["gy/gy-node-2"].capacity["gpu"] == 2.0
    assert hosts["gy/gy-node-3"].schedulable is False and hosts["gy/gy-node-1"].schedulable is True
    assert hosts["gy/gy-node-1"].model == "ecs.g7.xlarge"

    w = {x.id: x for x in inv.workloads}
    # Job pods are jobs; finished pods are gone
    assert set(w) == {"gy/gzga-web/portal/0", "gy/gzga-web/portal/1", "gy/gzga-web/db-0", "gy/default/debug"}
    first, second = w["gy/gzga-web/portal/0"], w["gy/gzga-web/portal/1"]
    assert first.host == "gy/gy-node-1" and second.host == "gy/gy-node-2"  # ranked by age, not list order
    assert first.name == "gzga-web/portal"
    assert first.demand == {"vcpu": 0.75, "memory_gib": 0.75, "gpu": 0.0, "storage_gib": 0.0}
    assert (first.department, first.tier, first.city) == ("gz-gongan", "city", "guiyang")
    assert (first.classification, first.mlps_level, first.pinned) == ("internal", 2, False)
    assert (second.classification, second.mlps_level) == ("sensitive", 3)  # pod labels win
    db = w["gy/gzga-web/db-0"]
    assert db.demand == {"vcpu": 3.0, "memory_gib": 4.0, "gpu": 1.0, "storage_gib": 10.0}
    assert db.department == "gz-gongan" and not db.pinned
    bare = w["gy/default/debug"]
    assert bare.department == "default" and bare.tier == "province" and bare.pinned  # no template to patch
    assert bare.city == "guiyang"  # the cloud's own city is the default

    assert [(r.method, r.path) for r in api.requests] == [
        ("GET", "/api/v1/nodes"), ("GET", "/api/v1/namespaces"), ("GET", "/api/v1/pods"),
        ("GET", "/apis/apps/v1/replicasets")]
    assert {d.id: d.name for d in adapter.departments()} == {"gz-gongan": "贵阳市公安局"}


def test_unknown_cloud_is_refused(adapter: KubernetesAdapter) -> None:
    with pytest.raises(AdapterError, match="unknown cloud 'zy'"):
        adapter.inventory("zy")


def test_health(adapter: KubernetesAdapter, api: FakeApi) -> None:
    api.on("GET", "/api/v1/nodes", (200, node_list(node("a"), node("b"))),
           (200, node_list(node("a"), node("b", ready=False))), (200, node_list(node("a", ready=False))))
    assert adapter.health(CLOUD).state == "healthy"
    h = adapter.health(CLOUD)
    assert h.state == "degraded" and "b" in h.detail
    assert adapter.health(CLOUD).state == "failed"


def test_unreachable_api_is_an_adapter_error(tmp_path: Path, sleeps: list[float]) -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    a = KubernetesAdapter(CLOUD, kubeconfig=kubeconfig(tmp_path, f"http://127.0.0.1:{port}"), context="gy-admin",
                          resilience=FAST, sleep=sleeps.append)
    with pytest.raises(AdapterError, match="cloud gy: list nodes: no answer from the Kubernetes API.*3 attempt"):
        a.health(CLOUD)
    assert len(sleeps) == 2


def test_bad_kubeconfig_context(tmp_path: Path, api: FakeApi) -> None:
    with pytest.raises(AdapterError, match="cannot load Kubernetes configuration.*context nope"):
        KubernetesAdapter(CLOUD, kubeconfig=kubeconfig(tmp_path, api.url), context="nope")


def test_a_500_then_success_is_retried(adapter: KubernetesAdapter, api: FakeApi, sleeps: list[float]) -> None:
    api.on("GET", "/api/v1/nodes", (500, status(500, "InternalError", "etcdserver: request timed out")),
           (200, node_list(node("a"))))
    assert adapter.health(CLOUD).state == "healthy"
    assert len(api.sent("GET", "/api/v1/nodes")) == 2 and len(sleeps) == 1
    assert adapter.breaker.failures == 0


def test_a_404_is_not_retried(adapter: KubernetesAdapter, api: FakeApi) -> None:
    with pytest.raises(AdapterError, match="unknown batch job 'nope'"):
        adapter.job_state("nope")
    assert len(api.requests) == 1


def test_circuit_breaker(adapter: KubernetesAdapter, api: FakeApi) -> None:
    now = [1000.0]
    adapter.breaker.clock = lambda: now[0]
    api.on("GET", "/api/v1/nodes", (503, status(503, "ServiceUnavailable", "the server is shutting down")))
    for _ in range(3):
        with pytest.raises(AdapterError, match="503"):
            adapter.health(CLOUD)
    assert len(api.requests) == 9 and adapter.breaker.state == "open"
    with pytest.raises(AdapterError, match="circuit open after 3 consecutive failures"):
        adapter.health(CLOUD)
    assert len(api.requests) == 9  # failed fast, nothing sent
    now[0] += 61  # cool-down over: half-open, one trial goes through and closes the breaker
    api.on("GET", "/api/v1/nodes", (200, node_list(node("a"))))
    assert adapter.health(CLOUD).state == "healthy"
    assert adapter.breaker.state == "closed"


def move_routes(api: FakeApi, current: list[str] | None = None) -> None:
    fleet(api)
    api.on("GET", "/api/v1/nodes/gy-node-3", (200, node("gy-node-3")))
    api.on("GET", "/apis/apps/v1/namespaces/gzga-web/deployments/portal", (200, deployment("gzga-web", "portal",
                                                                                           current)))
    api.on("PATCH", "/apis/apps/v1/namespaces/gzga-web/deployments/portal",
           lambda req: (200, deployment("gzga-web", "portal",
                                        req.body["spec"]["template"]["spec"]["affinity"]["nodeAffinity"][
                                            "requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"][0][
                                            "matchFields"][0]["values"])))


def test_move_patches_the_owner_affinity(adapter: KubernetesAdapter, api: FakeApi) -> None:
    move_routes(api)
    adapter.migrate("gy/gzga-web/portal/0", "gy/gy-node-3")
    [patch] = api.sent("PATCH")
    assert patch.path == "/apis/apps/v1/namespaces/gzga-web/deployments/portal"
    assert patch.content_type == "application/strategic-merge-patch+json"
    terms = patch.body["spec"]["template"]["spec"]["affinity"]["nodeAffinity"][
        "requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
    # the target, and the node of the other replica, which stays
    assert terms == [{"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["gy-node-2", "gy-node-3"]}]}]


def test_move_is_idempotent(adapter: KubernetesAdapter, api: FakeApi) -> None:
    move_routes(api, current=["gy-node-2", "gy-node-3"])
    adapter.migrate("gy/gzga-web/portal/0", "gy/gy-node-1")  # already there: nothing at all
    adapter.migrate("gy/gzga-web/portal/0", "gy/gy-node-3")  # patch already in place (a retry): no new patch
    assert api.sent("PATCH") == []


def test_move_refusals_name_workload_and_host(adapter: KubernetesAdapter, api: FakeApi) -> None:
    move_routes(api)
    with pytest.raises(AdapterError, match="gy/default/debug to gy/gy-node-3: a bare pod has no template"):
        adapter.migrate("gy/default/debug", "gy/gy-node-3")
    with pytest.raises(AdapterError, match="cannot migrate gy/gzga-web/portal/0 to gy/gy-node-9: unknown node"):
        adapter.migrate("gy/gzga-web/portal/0", "gy/gy-node-9")
    with pytest.raises(AdapterError, match="cannot put gy/gzga-web/portal/0 on zy/n1: not a node of"):
        adapter.migrate("gy/gzga-web/portal/0", "zy/n1")
    with pytest.raises(AdapterError, match="cannot migrate gy/gzga-web/nope/0: no such pod"):
        adapter.migrate("gy/gzga-web/nope/0", "gy/gy-node-3")
    assert api.sent("PATCH") == []


def _watching(req: Request) -> bool:
    return "watch=true" in req.query.lower()


def test_move_waits_for_the_rollout_by_watching_pods(api: FakeApi, tmp_path: Path, sleeps: list[float]) -> None:
    """After the patch, one listing, then a watch from its resourceVersion until the pod is on the target."""
    res = Resilience(**{**FAST.__dict__, "rollout_timeout_s": 30, "rollout_poll_s": 0.0})
    a = KubernetesAdapter(CLOUD, kubeconfig=kubeconfig(tmp_path, api.url), context="gy-admin", resilience=res,
                          sleep=sleeps.append)
    move_routes(api)
    old = next(p for p in PODS if p["metadata"]["name"] == "db-0")
    new = dict(old, spec=dict(old["spec"], nodeName="gy-node-3"))
    other = next(p for p in PODS if p["metadata"]["namespace"] == "gzga-web" and p is not old)
    api.on("GET", "/apis/apps/v1/namespaces/gzga-web/statefulsets/db", (200, deployment("gzga-web", "db")))
    api.on("PATCH", "/apis/apps/v1/namespaces/gzga-web/statefulsets/db", (200, deployment("gzga-web", "db")))
    before = pod_list(*[p for p in PODS if p["metadata"]["namespace"] == "gzga-web"])
    events = [{"type": "MODIFIED", "object": other}, {"type": "DELETED", "object": old},
              {"type": "ADDED", "object": dict(new, spec=dict(new["spec"], nodeName=None))},
              {"type": "MODIFIED", "object": new}]
    api.on("GET", "/api/v1/namespaces/gzga-web/pods",
           lambda req: (200, Stream(events)) if _watching(req) else (200, before))
    a.migrate("gy/gzga-web/db-0", "gy/gy-node-3")
    assert len(api.sent("PATCH", "/apis/apps/v1/namespaces/gzga-web/statefulsets/db")) == 1
    pods = api.sent("GET", "/api/v1/namespaces/gzga-web/pods")
    watches = [r for r in pods if _watching(r)]
    assert len(watches) == 1 and "resourceVersion=3000" in watches[0].query
    assert "timeoutSeconds=" in watches[0].query
    a.close()


def test_an_expired_watch_lists_again(api: FakeApi, tmp_path: Path, sleeps: list[float]) -> None:
    """A watch answered with the ERROR event of a 410 Gone Status makes the adapter list and watch afresh."""
    res = Resilience(**{**FAST.__dict__, "rollout_timeout_s": 30, "rollout_poll_s": 0.0})
    a = KubernetesAdapter(CLOUD, kubeconfig=kubeconfig(tmp_path, api.url), context="gy-admin", resilience=res,
                          sleep=sleeps.append)
    move_routes(api)
    old = next(p for p in PODS if p["metadata"]["name"] == "db-0")
    api.on("GET", "/apis/apps/v1/namespaces/gzga-web/statefulsets/db", (200, deployment("gzga-web", "db")))
    api.on("PATCH", "/apis/apps/v1/namespaces/gzga-web/statefulsets/db", (200, deployment("gzga-web", "db")))
    before = pod_list(*[p for p in PODS if p["metadata"]["namespace"] == "gzga-web"])
    after = pod_list(*[dict(p, spec=dict(p["spec"], nodeName="gy-node-3")) if p is old else p
                       for p in PODS if p["metadata"]["namespace"] == "gzga-web"])
    gone = status(410, "Expired", "too old resource version: 3000 (3500)")
    expired: list[bool] = []

    def pods_route(req: Request) -> Reply:
        if _watching(req):
            expired.append(True)
            return 200, Stream([{"type": "ERROR", "object": gone}])  # type: ignore[return-value]
        return 200, after if expired else before

    api.on("GET", "/api/v1/namespaces/gzga-web/pods", pods_route)
    a.migrate("gy/gzga-web/db-0", "gy/gy-node-3")
    pods = api.sent("GET", "/api/v1/namespaces/gzga-web/pods")
    assert [_watching(r) for r in pods][-3:] == [False, True, False]
    assert sum(_watching(r) for r in pods) == 1
    a.close()


def test_a_rollout_that_never_lands_times_out(api: FakeApi, tmp_path: Path, sleeps: list[float]) -> None:
    now = [0.0]

    def clock() -> float:
        now[0] += 1.0
        return now[0]

    res = Resilience(**{**FAST.__dict__, "rollout_timeout_s": 5, "rollout_poll_s": 0.0})
    a = KubernetesAdapter(CLOUD, kubeconfig=kubeconfig(tmp_path, api.url), context="gy-admin", resilience=res,
                          sleep=sleeps.append, clock=clock)
    move_routes(api)
    api.on("GET", "/apis/apps/v1/namespaces/gzga-web/statefulsets/db", (200, deployment("gzga-web", "db")))
    api.on("PATCH", "/apis/apps/v1/namespaces/gzga-web/statefulsets/db", (200, deployment("gzga-web", "db")))
    before = pod_list(*[p for p in PODS if p["metadata"]["namespace"] == "gzga-web"])
    other = next(p for p in PODS if p["metadata"]["namespace"] == "gzga-web" and p["metadata"]["name"] != "db-0")
    api.on("GET", "/api/v1/namespaces/gzga-web/pods",
           lambda req: (200, Stream([{"type": "MODIFIED", "object": other}] * 3)) if _watching(req) else (200, before))
    with pytest.raises(AdapterError, match="the rollout did not put it on gy-node-3 within 5s"):
        a.migrate("gy/gzga-web/db-0", "gy/gy-node-3")
    a.close()


def drain_routes(api: FakeApi, *eviction_replies: Reply) -> None:
    api.on("PATCH", "/api/v1/nodes/gy-node-1", (200, node("gy-node-1", unschedulable=True)))
    ds = pod("kube-system", "kube-proxy-abcde", "gy-node-1", ("DaemonSet", "kube-proxy"), "2025-01-01T00:00:00Z",
             [{"cpu": "100m"}])
    api.on("GET", "/api/v1/pods", (200, pod_list(PODS[1], PODS[3], ds)))
    accepted = {"kind": "Eviction", "apiVersion": "policy/v1",
                "metadata": {"name": "portal-7d9f8b-aaaaa", "namespace": "gzga-web"}}
    api.on("POST", "/api/v1/namespaces/gzga-web/pods/portal-7d9f8b-aaaaa/eviction",
           *(eviction_replies or [(201, accepted)]))
    api.on("POST", "/api/v1/namespaces/default/pods/debug/eviction",
           (201, {"kind": "Eviction", "apiVersion": "policy/v1", "metadata": {"name": "debug", "namespace": "default"}}))


PDB_429 = (429, status(429, "TooManyRequests", "Cannot evict pod as it would violate the pod's disruption budget.",
                       {"causes": [{"reason": "DisruptionBudget",
                                    "message": "The disruption budget portal-pdb needs 1 healthy pods and has 1 "
                                               "currently"}]}))


def test_drain_cordons_and_evicts(adapter: KubernetesAdapter, api: FakeApi) -> None:
    drain_routes(api)
    assert adapter.drain("gy/gy-node-1") == ["gzga-web/portal-7d9f8b-aaaaa", "default/debug"]
    cordon = api.requests[0]
    assert (cordon.method, cordon.path, cordon.body) == ("PATCH", "/api/v1/nodes/gy-node-1",
                                                          {"spec": {"unschedulable": True}})
    assert cordon.content_type == "application/strategic-merge-patch+json"
    assert api.requests[1].query == "fieldSelector=spec.nodeName%3Dgy-node-1"
    evictions = api.sent("POST")
    assert [e.body for e in evictions] == [
        {"apiVersion": "policy/v1", "kind": "Eviction",
         "metadata": {"name": "portal-7d9f8b-aaaaa", "namespace": "gzga-web"}},
        {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": "debug", "namespace": "default"}}]
    assert not api.sent("POST", "/api/v1/namespaces/kube-system")  # DaemonSet pods stay


def test_drain_retries_a_pdb_refusal(adapter: KubernetesAdapter, api: FakeApi, sleeps: list[float]) -> None:
    ok = (201, {"kind": "Eviction", "apiVersion": "policy/v1", "metadata": {"name": "portal-7d9f8b-aaaaa"}})
    drain_routes(api, PDB_429, PDB_429, ok)
    adapter.drain("gy/gy-node-1")
    assert len(api.sent("POST", "/api/v1/namespaces/gzga-web/pods/portal-7d9f8b-aaaaa/eviction")) == 3
    assert adapter.breaker.failures == 0  # a PDB refusal is an answer, not a sick cloud


def test_drain_blocked_by_a_pdb_is_a_clean_error(adapter: KubernetesAdapter, api: FakeApi) -> None:
    drain_routes(api, PDB_429)
    with pytest.raises(AdapterError, match=r"cannot drain gy/gy-node-1: evicting pod gzga-web/portal-7d9f8b-aaaaa "
                                           r"is refused by a PodDisruptionBudget after 3 attempts.*disruption budget"):
        adapter.drain("gy/gy-node-1")
    assert len(api.sent("POST", "/api/v1/namespaces/gzga-web/pods/portal-7d9f8b-aaaaa/eviction")) == 3
    assert not api.sent("POST", "/api/v1/namespaces/default")  # stopped at the first blocked pod


def job(name: str, conditions: list[dict[str, str]], active: int = 0) -> dict[str, Any]:
    st: dict[str, Any] = {"startTime": "2025-05-01T08:00:00Z", "conditions": conditions}
    if active:
        st["active"] = active
    return {"kind": "Job", "apiVersion": "batch/v1",
            "metadata": {"name": name, "namespace": "qianyun-jobs", "uid": "uid-job"},
            "spec": {"backoffLimit": 2, "completions": 1, "parallelism": 1}, "status": st}


def test_run_job_and_state(adapter: KubernetesAdapter, api: FakeApi) -> None:
    name = adapter.job_name("catalog/2025-05-01 aggregation")
    assert name.startswith("qy-catalog-2025-05-01-aggregation-") and len(name) <= 63
    api.on("POST", "/apis/batch/v1/namespaces/qianyun-jobs/jobs", (201, job(name, [])),
           (409, status(409, "AlreadyExists", f'jobs.batch "{name}" already exists',
                        {"name": name, "group": "batch", "kind": "jobs"})))
    adapter.run_job(CLOUD, "catalog/2025-05-01 aggregation", {"vcpu": 1.5, "memory_gib": 2, "gpu": 0}, 90)
    adapter.run_job(CLOUD, "catalog/2025-05-01 aggregation", {"vcpu": 1.5, "memory_gib": 2, "gpu": 0}, 90)  # no-op
    created = api.sent("POST")[0].body
    assert created["apiVersion"] == "batch/v1" and created["kind"] == "Job"
    assert created["metadata"]["name"] == name
    assert created["metadata"]["annotations"]["qianyun.gov.cn/job-id"] == "catalog/2025-05-01 aggregation"
    [c] = created["spec"]["template"]["spec"]["containers"]
    assert c["resources"]["requests"] == {"cpu": "1500m", "memory": "2048Mi"}
    assert c["command"] == ["sleep", "90"]
    assert created["spec"]["template"]["spec"]["restartPolicy"] == "Never"

    path = f"/apis/batch/v1/namespaces/qianyun-jobs/jobs/{name}"
    api.on("GET", path, (200, job(name, [], active=1)),
           (200, job(name, [{"type": "SuccessCriteriaMet", "status": "True"}, {"type": "Complete", "status": "True"}])),
           (200, job(name, [{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded",
                             "message": "Job has reached the specified backoff limit"}])))
    assert adapter.job_state("catalog/2025-05-01 aggregation").state == "running"
    assert adapter.job_state("catalog/2025-05-01 aggregation").state == "done"
    failed = adapter.job_state("catalog/2025-05-01 aggregation")
    assert (failed.state, failed.cloud) == ("failed", "gy") and "BackoffLimitExceeded" in failed.detail


def test_run_job_on_another_cloud_is_refused(adapter: KubernetesAdapter) -> None:
    with pytest.raises(AdapterError, match="unknown cloud 'zy'"):
        adapter.run_job("zy", "j1", {"vcpu": 1}, 10)


# --- through the clouds registry and the service ---------------------------------------------------


def test_the_registry_hands_a_cloud_to_its_cluster(service, api: FakeApi, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A registry entry `adapter: kubernetes` makes sync read that cloud from the cluster, not the simulator."""
    from sqlmodel import select

    from scheduler.core.models import Cloud, Host, Workload
    from scheduler.core.registry import _adapters_for, get_adapters
    from scheduler.core.settings import get_settings
    from scheduler.core.sync import sync_all

    fleet(api)
    registry = tmp_path / "clouds-registry.yaml"
    registry.write_text(f"clouds:\n  {CLOUD}:\n    adapter: kubernetes\n    kubernetes:\n"
                        f"      kubeconfig: {Path(kubeconfig(tmp_path, api.url)).name}\n      context: gy-admin\n"
                        "      timeout_s: 2\n      retries: 0\n")
    monkeypatch.setenv("QIANYUN_CLOUDS_FILE", str(registry))
    get_settings.cache_clear()
    _adapters_for.cache_clear()
    adapters = get_adapters()
    assert isinstance(adapters.for_cloud(CLOUD), KubernetesAdapter)
    assert CLOUD not in {c.id for c in adapters.simulated.clouds()}
    assert adapters.isolated_clouds() == {CLOUD}
    results = {r.cloud: r for r in sync_all(adapters.all())}
    assert results[CLOUD].status == "healthy", results[CLOUD].error
    with service.session() as s:
        hosts = sorted(h.id for h in s.exec(select(Host).where(Host.cloud_id == CLOUD)))
        pods = {w.id: w.host_id for w in s.exec(select(Workload).where(Workload.cloud_id == CLOUD))}
        assert s.get(Cloud, CLOUD).adapter == "kubernetes"
        assert s.get(Cloud, "gz-gov").adapter == "simulated"
    assert hosts == ["gy/gy-node-1", "gy/gy-node-2", "gy/gy-node-3"]
    assert pods["gy/gzga-web/portal/0"] == "gy/gy-node-1"
    assert all(w.startswith("gy/") for w in pods)  # the simulator's gy workloads are gone from the database


def test_a_freed_node_is_cordoned_and_uncordoned_by_the_rollback(adapter: KubernetesAdapter, api: FakeApi) -> None:
    """A plan's freed host: spec.unschedulable set by a strategic-merge patch, then cleared; what runs
    there stays (nothing is evicted)."""
    api.on("PATCH", "/api/v1/nodes/gy-node-2", (200, node("gy-node-2", unschedulable=True)),
           (200, node("gy-node-2")))
    adapter.set_host_schedulable("gy/gy-node-2", False, "Qianyun plan 7: emptied by the plan")
    adapter.set_host_schedulable("gy/gy-node-2", True)
    assert [(r.method, r.path, r.body, r.content_type) for r in api.requests] == [
        ("PATCH", "/api/v1/nodes/gy-node-2", {"spec": {"unschedulable": True}}, "application/strategic-merge-patch+json"),
        ("PATCH", "/api/v1/nodes/gy-node-2", {"spec": {"unschedulable": False}}, "application/strategic-merge-patch+json")]
    assert not api.sent("POST")  # no eviction: disabling is not draining


def test_cordoning_an_unknown_node_names_the_host(adapter: KubernetesAdapter, api: FakeApi) -> None:
    with pytest.raises(AdapterError, match="cannot cordon gy/gy-node-9: unknown node gy-node-9 in cloud gy"):
        adapter.set_host_schedulable("gy/gy-node-9", False)
