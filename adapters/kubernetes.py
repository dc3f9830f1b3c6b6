"""One Kubernetes cluster as one Qianyun cloud, through the official `kubernetes` client.

Nodes are hosts; every running or pending pod replica is a workload; a move patches the owning
Deployment/StatefulSet's pod template with a required node affinity and lets the rollout move the
pods; a drain cordons the node and evicts its pods through the Eviction API, so PodDisruptionBudgets
are honoured; a data-zone job is a batch/v1 Job. docs/kubernetes.md describes the labels read.

Responses are read as plain JSON (``_preload_content=False``) rather than the client's models: a
sync of tens of thousands of pods should not build tens of thousands of model objects, and plain
dicts follow the documented API shapes field for field.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from adapters.protocol import (
    AdapterError, CloudInfo, DepartmentInfo, Health, HostInfo, Inventory, JobStatus, WorkloadInfo,
)
from adapters.facts import TIERS, check_cloud, choice, cloud_info, local_name, workload_info
from adapters.resilience import CallPolicy, CircuitBreaker

LABEL_PREFIX = "qianyun.gov.cn/"
GIB = Decimal(2**30)
# Kubernetes resource name -> our resource and the unit it is counted in.
_RESOURCES: dict[str, tuple[str, Decimal]] = {
    "cpu": ("vcpu", Decimal(1)), "memory": ("memory_gib", GIB), "nvidia.com/gpu": ("gpu", Decimal(1)),
    "ephemeral-storage": ("storage_gib", GIB),
}
_K8S_NAME: dict[str, str] = {ours: k8s for k8s, (ours, _) in _RESOURCES.items()}
_QUANTITY = re.compile(r"^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$")
_SUFFIX: dict[str, Decimal] = {
    "": Decimal(1), "n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"), "k": Decimal(10**3),
    "M": Decimal(10**6), "G": Decimal(10**9), "T": Decimal(10**12), "P": Decimal(10**15), "E": Decimal(10**18),
    "Ki": Decimal(2**10), "Mi": Decimal(2**20), "Gi": Decimal(2**30), "Ti": Decimal(2**40), "Pi": Decimal(2**50),
    "Ei": Decimal(2**60),
}
_TRANSIENT = {429, 500, 502, 503, 504}


def parse_quantity(q: str | int | float) -> Decimal:
    """A Kubernetes quantity ("3800m", "16Gi", "110", "1e3") as a plain number."""
    if isinstance(q, (int, float)):
        return Decimal(str(q))
    m = _QUANTITY.match(q.strip())
    if m is None:
        raise ValueError(f"not a Kubernetes quantity: {q!r}")
    return Decimal(m.group(1)) * _SUFFIX[m.group(2) or ""]


def _ours(resources: dict[str, Any]) -> dict[str, float]:
    """Kubernetes resources (allocatable or requests) in our units: vCPU and GiB."""
    out = {ours: 0.0 for ours, _ in _RESOURCES.values()}
    for k8s, (ours, unit) in _RESOURCES.items():
        if k8s in (resources or {}):
            out[ours] = round(float(parse_quantity(resources[k8s]) / unit), 6)
    return out


def pod_requests(pod: dict[str, Any]) -> dict[str, float]:
    """What the scheduler reserves for a pod: max(sum of containers, largest init container) + overhead."""
    spec = pod.get("spec") or {}
    total = {r: 0.0 for r in _K8S_NAME}
    for c in spec.get("containers") or []:
        for r, v in _ours((c.get("resources") or {}).get("requests") or {}).items():
            total[r] += v
    for c in spec.get("initContainers") or []:
        for r, v in _ours((c.get("resources") or {}).get("requests") or {}).items():
            total[r] = max(total[r], v)
    for r, v in _ours(spec.get("overhead") or {}).items():
        total[r] += v
    return {r: round(v, 6) for r, v in total.items()}


class KubernetesApiError(AdapterError):
    """The API server answered with an error Status; `status` is its HTTP code (0: no answer)."""

    def __init__(self, message: str, status: int, reason: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason


@dataclass
class Resilience(CallPolicy):
    """The shared call policy plus what draining and moving pods need."""

    eviction_attempts: int = 6          # tries of one eviction refused by a PodDisruptionBudget (429)
    eviction_backoff_s: float = 2.0
    rollout_timeout_s: float = 0.0      # wait this long for a move's rollout; 0: do not wait
    rollout_poll_s: float = 2.0


@dataclass(frozen=True)
class Labels:
    """Where the adapter reads Qianyun's facts about a workload (pod label/annotation, then namespace)."""

    department: str = LABEL_PREFIX + "department"        # namespace label; pod label overrides
    department_name: str = LABEL_PREFIX + "department-name"  # namespace annotation: display name
    tier: str = LABEL_PREFIX + "tier"
    city: str = LABEL_PREFIX + "city"
    industry: str = LABEL_PREFIX + "industry"
    classification: str = LABEL_PREFIX + "classification"
    mlps_level: str = LABEL_PREFIX + "mlps-level"
    spread_group: str = LABEL_PREFIX + "spread-group"
    pinned: str = LABEL_PREFIX + "pinned"
    role: str = LABEL_PREFIX + "role"
    dr_protected: str = LABEL_PREFIX + "dr-protected"
    dr_priority: str = LABEL_PREFIX + "dr-priority"
    dr_rto_minutes: str = LABEL_PREFIX + "dr-rto-minutes"
    dr_rpo_minutes: str = LABEL_PREFIX + "dr-rpo-minutes"
    job_id: str = LABEL_PREFIX + "job-id"                # Job annotation: our job id, unabridged


@dataclass(frozen=True)
class _Owner:
    kind: str          # "Deployment", "StatefulSet", "ReplicaSet", "DaemonSet" or "Pod" (bare or unknown owner)
    namespace: str
    name: str

    @property
    def movable(self) -> bool:
        return self.kind in ("Deployment", "StatefulSet", "ReplicaSet")


@dataclass(frozen=True)
class _Replica:
    """One pod as a workload: its stable id, its owner and where it runs."""

    id: str
    owner: _Owner
    pod: str
    node: str | None


class KubernetesAdapter:
    """CloudAdapter and JobRunner for one cluster that is one Qianyun cloud.

    Construct with a kubeconfig file and context (None: $KUBECONFIG or ~/.kube/config and its
    current context), or `in_cluster=True` inside a pod with a service account. Host ids are
    "<cloud>/<node>"; workload ids "<cloud>/<namespace>/<pod name>" for StatefulSet and bare pods
    (stable names), and "<cloud>/<namespace>/<deployment>/<k>" for the k-th replica of a Deployment
    (its pods are renamed by every rollout; ranking them by age keeps the id stable across a move).
    """

    def __init__(self, cloud: str, *, kubeconfig: str | None = None, context: str | None = None,
                 in_cluster: bool = False, info: CloudInfo | None = None, labels: Labels = Labels(),
                 resilience: Resilience = Resilience(), jobs_namespace: str = "qianyun-jobs",
                 job_image: str = "busybox:1.36", job_command: tuple[str, ...] = ("sleep", "{duration}"),
                 default_mlps_level: int = 2, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        from kubernetes import client, config  # imported here: the embedded default does not need it

        self.cloud = cloud
        self.labels = labels
        self.res = resilience
        self.jobs_namespace = jobs_namespace
        self.job_image = job_image
        self.job_command = job_command
        self.default_mlps_level = default_mlps_level
        self._sleep, self._clock = sleep, clock
        self.info = cloud_info(cloud, "kubernetes", info)
        cfg = client.Configuration()
        try:
            if in_cluster:
                config.load_incluster_config(client_configuration=cfg)
            else:
                config.load_kube_config(config_file=kubeconfig, context=context, client_configuration=cfg,
                                        persist_config=False)
        except Exception as e:  # the client raises ConfigException, FileNotFoundError, yaml errors...
            raise AdapterError(f"cloud {cloud}: cannot load Kubernetes configuration "
                               f"({'in-cluster' if in_cluster else kubeconfig or 'default kubeconfig'}"
                               f"{', context ' + context if context else ''}): {e}") from e
        cfg.retries = False  # our own retry loop decides, so the breaker counts real failures
        self._api = client.ApiClient(cfg)
        self.core = client.CoreV1Api(self._api)
        self.apps = client.AppsV1Api(self._api)
        self.batch = client.BatchV1Api(self._api)
        self.breaker = CircuitBreaker(resilience.breaker_threshold, resilience.breaker_cooldown_s, clock, "Kubernetes API")
        self._failed_cloud = False
        self._failed_hosts: set[str] = set()

    def close(self) -> None:
        self._api.close()

    # --- calls: timeout, retries, breaker ----------------------------------------------------------

    def _call(self, what: str, fn: Callable[..., Any], *args: Any, retry: bool = True, **kwargs: Any) -> Any:
        """One API call as JSON, with a timeout, retries on transient errors and the circuit breaker.

        Only answers that say the cloud is in trouble (5xx, 429, no answer) count against the breaker;
        a 404 or 409 is the API working.
        """
        import urllib3
        from kubernetes.client.exceptions import ApiException

        delay = self.res.backoff_s
        attempts = self.res.attempts if retry else 1
        for attempt in range(1, attempts + 1):
            self.breaker.check(self.cloud)
            status, reason, detail = 0, "", ""
            try:
                resp = fn(*args, _preload_content=False,
                          _request_timeout=(self.res.connect_timeout_s, self.res.read_timeout_s), **kwargs)
                raw = resp.data
                status = resp.status
                if 200 <= status <= 299:
                    self.breaker.success()
                    return json.loads(raw) if raw else {}
                reason, detail = resp.reason or "", _status_message(raw)
            except ApiException as e:
                status, reason, detail = e.status or 0, e.reason or "", _status_message(e.body)
            except (urllib3.exceptions.HTTPError, OSError) as e:
                status, reason, detail = 0, type(e).__name__, str(e)
            transient = status == 0 or status in _TRANSIENT
            if not transient:
                self.breaker.success()
                raise KubernetesApiError(f"{what}: {status} {reason}: {detail}".rstrip(": "), status, reason)
            if attempt == attempts:
                self.breaker.failure()
                msg = f"{what}: no answer from the Kubernetes API ({detail})" if status == 0 \
                    else f"{what}: {status} {reason}: {detail}".rstrip(": ")
                raise KubernetesApiError(f"{msg} after {attempts} attempt(s)", status, reason)
            self._sleep(delay)
            delay = min(delay * 2, self.res.backoff_max_s)
        raise AssertionError("unreachable")

    # --- catalogue -----------------------------------------------------------------------------------

    def clouds(self) -> list[CloudInfo]:
        return [self.info]

    def departments(self) -> list[DepartmentInfo]:
        """Departments named by namespace labels; sync also creates any it meets first on a workload."""
        out: dict[str, DepartmentInfo] = {}
        for ns in self._namespaces().values():
            meta = ns.get("metadata") or {}
            lab, ann = meta.get("labels") or {}, meta.get("annotations") or {}
            dept = lab.get(self.labels.department)
            if not dept or dept in out:
                continue
            tier = choice(lab.get(self.labels.tier), TIERS, "province")
            name = ann.get(self.labels.department_name) or dept
            out[dept] = DepartmentInfo(dept, name, dept, tier, lab.get(self.labels.city) or self.info.city,
                                       lab.get(self.labels.industry) or self.info.industry, None)
        return list(out.values())

    # --- inventory and health ------------------------------------------------------------------------

    def _check_cloud(self, cloud: str) -> None:
        check_cloud(cloud, self.cloud, "Kubernetes")

    def _nodes(self) -> list[dict[str, Any]]:
        return self._call(f"cloud {self.cloud}: list nodes", self.core.list_node).get("items") or []

    def _namespaces(self) -> dict[str, dict[str, Any]]:
        items = self._call(f"cloud {self.cloud}: list namespaces", self.core.list_namespace).get("items") or []
        return {n["metadata"]["name"]: n for n in items}

    def _pods(self, namespace: str | None = None, node: str | None = None) -> list[dict[str, Any]]:
        sel = f"spec.nodeName={node}" if node else None
        if namespace:
            body = self._call(f"cloud {self.cloud}: list pods of namespace {namespace}",
                              self.core.list_namespaced_pod, namespace, field_selector=sel)
        else:
            body = self._call(f"cloud {self.cloud}: list pods{' on node ' + node if node else ''}",
                              self.core.list_pod_for_all_namespaces, field_selector=sel)
        return body.get("items") or []

    def _replica_sets(self) -> dict[tuple[str, str], dict[str, Any]]:
        items = self._call(f"cloud {self.cloud}: list replicasets",
                           self.apps.list_replica_set_for_all_namespaces).get("items") or []
        return {(r["metadata"]["namespace"], r["metadata"]["name"]): r for r in items}

    def host_id(self, node: str) -> str:
        return f"{self.cloud}/{node}"

    def _node_name(self, host: str, workload: str = "") -> str:
        return local_name(self.cloud, host, "node of Kubernetes cloud", workload)

    def inventory(self, cloud: str) -> Inventory:
        """Nodes as hosts (allocatable), pod replicas as workloads (requests), departments from namespaces."""
        self._check_cloud(cloud)
        nodes = self._nodes()
        namespaces = self._namespaces()
        pods = self._pods()
        rs = self._replica_sets()
        hosts = [HostInfo(id=self.host_id(n["metadata"]["name"]), cloud=self.cloud,
                          capacity=_ours((n.get("status") or {}).get("allocatable") or {}),
                          schedulable=not (n.get("spec") or {}).get("unschedulable", False),
                          up=_ready(n) and not self._failed_cloud
                          and self.host_id(n["metadata"]["name"]) not in self._failed_hosts,
                          model=((n.get("metadata") or {}).get("labels") or {}).get(
                              "node.kubernetes.io/instance-type", ""))
                 for n in nodes]
        workloads = [self._workload(pod, rep, namespaces.get(rep.owner.namespace) or {})
                     for pod, rep in self._replicas(pods, rs)]
        return Inventory(cloud=self.cloud, hosts=hosts, workloads=workloads)

    def _replicas(self, pods: list[dict[str, Any]],
                  rs: dict[tuple[str, str], dict[str, Any]]) -> list[tuple[dict[str, Any], _Replica]]:
        """Live pods with their owners and stable ids; Job pods are jobs, not workloads, and are left out."""
        by_owner: dict[_Owner, list[dict[str, Any]]] = {}
        for pod in pods:
            if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
                continue
            if (pod["metadata"].get("deletionTimestamp")):
                continue
            owner = _owner_of(pod, rs)
            if owner is None:
                continue
            by_owner.setdefault(owner, []).append(pod)
        out: list[tuple[dict[str, Any], _Replica]] = []
        for owner, group in by_owner.items():
            if owner.kind == "Deployment":
                group.sort(key=lambda p: (p["metadata"].get("creationTimestamp") or "", p["metadata"]["name"]))
            for k, pod in enumerate(group):
                name = pod["metadata"]["name"]
                wid = (f"{self.cloud}/{owner.namespace}/{owner.name}/{k}" if owner.kind == "Deployment"
                       else f"{self.cloud}/{owner.namespace}/{name}")
                out.append((pod, _Replica(wid, owner, name, (pod.get("spec") or {}).get("nodeName"))))
        return out

    def _workload(self, pod: dict[str, Any], rep: _Replica, ns: dict[str, Any]) -> WorkloadInfo:
        meta = pod["metadata"]
        ns_meta = ns.get("metadata") or {}
        L = self.labels

        def get(key: str) -> str | None:
            for src in (meta.get("labels"), meta.get("annotations"), ns_meta.get("labels"),
                        ns_meta.get("annotations")):
                if src and src.get(key):
                    return str(src[key])
            return None

        name = f"{rep.owner.namespace}/{rep.owner.name}" if rep.owner.kind != "Pod" else f"{rep.owner.namespace}/{rep.pod}"
        return workload_info(rep.id, name, get, L, self.info, department=rep.owner.namespace,
                             demand=pod_requests(pod), host=self.host_id(rep.node) if rep.node else None,
                             movable=rep.owner.movable, default_mlps_level=self.default_mlps_level)

    def health(self, cloud: str) -> Health:
        """Healthy when every node is Ready, degraded when some are not, failed when none is."""
        self._check_cloud(cloud)
        nodes = self._nodes()  # raises AdapterError when the API does not answer
        if self._failed_cloud:
            return Health(cloud, "failed", "cloud marked failed")
        down = sorted(n["metadata"]["name"] for n in nodes if not _ready(n))
        if not nodes:
            return Health(cloud, "degraded", "the cluster has no nodes")
        if len(down) == len(nodes):
            return Health(cloud, "failed", f"no node is Ready ({len(nodes)} node(s))")
        if down:
            return Health(cloud, "degraded", f"{len(down)} of {len(nodes)} node(s) not Ready: {', '.join(down)}")
        return Health(cloud, "healthy", f"{len(nodes)} node(s) Ready")

    # --- actions ------------------------------------------------------------------------------------

    def _find(self, workload: str, action: str) -> _Replica:
        """The replica a workload id names, read fresh from the API."""
        prefix = f"{self.cloud}/"
        parts = workload[len(prefix):].split("/") if workload.startswith(prefix) else []
        if len(parts) not in (2, 3):
            raise AdapterError(f"cannot {action} {workload}: not a workload of Kubernetes cloud {self.cloud}")
        namespace = parts[0]
        pods = self._pods(namespace=namespace)
        for _, rep in self._replicas(pods, self._replica_sets()):
            if rep.id == workload:
                return rep
        raise AdapterError(f"cannot {action} {workload}: no such pod in namespace {namespace} of cloud {self.cloud}")

    def place(self, workload: WorkloadInfo, host: str) -> None:
        """Pin an existing (e.g. pending) workload to the host; Qianyun does not create Kubernetes objects."""
        self._move(workload.id, host, "place")

    def migrate(self, workload: str, host: str) -> None:
        """Move by patching the owner's node affinity; the rollout recreates the pods on the target."""
        self._move(workload, host, "migrate")

    def restart_elsewhere(self, workload: str, host: str) -> None:
        """Failover: the same patch, and the pod on a dead node deleted at once so its owner replaces it."""
        self._move(workload, host, "restart", force_delete_on_dead_node=True)

    def _move(self, workload: str, host: str, action: str, force_delete_on_dead_node: bool = False) -> None:
        node = self._node_name(host, workload)
        rep = self._find(workload, action)
        if rep.node == node:
            return  # already there: nothing to do
        target = self._node(node, f"cannot {action} {workload} to {host}")
        if not _ready(target):
            raise AdapterError(f"cannot {action} {workload} to {host}: node {node} is not Ready")
        if (target.get("spec") or {}).get("unschedulable"):
            raise AdapterError(f"cannot {action} {workload} to {host}: node {node} is cordoned")
        if not rep.owner.movable:
            raise AdapterError(f"cannot {action} {workload} to {host}: "
                               f"{'a bare pod' if rep.owner.kind == 'Pod' else 'a ' + rep.owner.kind + ' pod'} has no "
                               "template Qianyun may patch (pod affinity is immutable); its owner must be moved by hand")
        # The other replicas of the owner stay where they are: the affinity lists their nodes too.
        pods = self._pods(namespace=rep.owner.namespace)
        siblings = {r.node for _, r in self._replicas(pods, self._replica_sets())
                    if r.owner == rep.owner and r.id != rep.id and r.node}
        nodes = sorted(siblings | {node})
        current = self._template_nodes(rep.owner, workload)
        if current != nodes:
            self._call(f"{action} {workload} to {host}: patch {rep.owner.kind} {rep.owner.namespace}/{rep.owner.name}",
                       self._patch_fn(rep.owner), rep.owner.name, rep.owner.namespace, _affinity_patch(nodes),
                       _content_type="application/strategic-merge-patch+json")
        if force_delete_on_dead_node and rep.node:
            src = self._node(rep.node, f"cannot {action} {workload} to {host}")
            if not _ready(src):
                try:
                    self._call(f"{action} {workload}: delete pod {rep.owner.namespace}/{rep.pod} on dead node "
                               f"{rep.node}", self.core.delete_namespaced_pod, rep.pod, rep.owner.namespace,
                               grace_period_seconds=0)
                except KubernetesApiError as e:
                    if e.status != 404:
                        raise
        if self.res.rollout_timeout_s > 0:
            self._wait_rollout(rep, node, workload, host, action)

    def _node(self, node: str, what: str) -> dict[str, Any]:
        try:
            return self._call(f"{what}: read node {node}", self.core.read_node, node)
        except KubernetesApiError as e:
            if e.status == 404:
                raise AdapterError(f"{what}: unknown node {node} in cloud {self.cloud}") from e
            raise

    def _patch_fn(self, owner: _Owner) -> Callable[..., Any]:
        return {"Deployment": self.apps.patch_namespaced_deployment,
                "StatefulSet": self.apps.patch_namespaced_stateful_set,
                "ReplicaSet": self.apps.patch_namespaced_replica_set}[owner.kind]

    def _template_nodes(self, owner: _Owner, workload: str) -> list[str] | None:
        read = {"Deployment": self.apps.read_namespaced_deployment,
                "StatefulSet": self.apps.read_namespaced_stateful_set,
                "ReplicaSet": self.apps.read_namespaced_replica_set}[owner.kind]
        obj = self._call(f"move {workload}: read {owner.kind} {owner.namespace}/{owner.name}", read,
                         owner.name, owner.namespace)
        terms = (((((obj.get("spec") or {}).get("template") or {}).get("spec") or {}).get("affinity") or {})
                 .get("nodeAffinity") or {}).get("requiredDuringSchedulingIgnoredDuringExecution") or {}
        for term in terms.get("nodeSelectorTerms") or []:
            for expr in term.get("matchFields") or []:
                if expr.get("key") == "metadata.name" and expr.get("operator") == "In":
                    return sorted(expr.get("values") or [])
        return None

    def _wait_rollout(self, rep: _Replica, node: str, workload: str, host: str, action: str) -> None:
        """Wait until the replica runs on the node: list once, then follow a watch of the namespace's pods.

        A watch rather than polling: the API server pushes each pod change as it happens, and one
        long request costs less than a listing every few seconds. A watch that expires (410 Gone) or
        breaks is followed by a fresh listing and a new watch from its resourceVersion.
        """
        from kubernetes import watch
        from kubernetes.client.exceptions import ApiException

        ns = rep.owner.namespace
        deadline = self._clock() + self.res.rollout_timeout_s
        while True:
            listing = self._call(f"cloud {self.cloud}: list pods of namespace {ns}", self.core.list_namespaced_pod, ns)
            pods = {p["metadata"]["name"]: p for p in listing.get("items") or []}
            rs = self._replica_sets()
            if self._runs_on(pods, rs, workload, node):
                return
            left = deadline - self._clock()
            if left <= 0:
                break
            w = watch.Watch()
            try:
                # deserialize stays on: the client's own handling of ERROR events reads `raw_object`,
                # which it only sets when it deserializes; we read `raw_object` (plain JSON) ourselves.
                for event in w.stream(self.core.list_namespaced_pod, ns,
                                      resource_version=(listing.get("metadata") or {}).get("resourceVersion"),
                                      timeout_seconds=max(1, int(left)),
                                      _request_timeout=(self.res.connect_timeout_s, left + 5)):
                    obj = event.get("raw_object") or {}
                    name = (obj.get("metadata") or {}).get("name")
                    if not name:
                        continue
                    if event.get("type") == "DELETED":
                        pods.pop(name, None)
                    else:
                        pods[name] = obj
                        if any(r.get("kind") == "ReplicaSet" and (ns, r.get("name")) not in rs
                               for r in obj["metadata"].get("ownerReferences") or []):
                            rs = self._replica_sets()  # a rollout's new ReplicaSet
                    if self._runs_on(pods, rs, workload, node):
                        w.stop()
                        return
                    if self._clock() >= deadline:
                        w.stop()
                        break
            except (ApiException, OSError, ValueError) as e:  # 410 Gone, a broken stream: list again
                self._sleep(self.res.rollout_poll_s)
                if isinstance(e, ApiException) and e.status not in (410, 0, None) and e.status < 500:
                    raise KubernetesApiError(f"{action} {workload}: watch of pods in {ns}: {e.status} {e.reason}",
                                             e.status or 0) from e
            if self._clock() >= deadline:
                break
        raise AdapterError(f"{action} {workload} to {host}: the rollout did not put it on {node} within "
                           f"{self.res.rollout_timeout_s:g}s (the patch is in place; Kubernetes may still move it)")

    def _runs_on(self, pods: dict[str, dict[str, Any]], rs: dict[tuple[str, str], dict[str, Any]], workload: str,
                 node: str) -> bool:
        return any(r.id == workload and r.node == node for _, r in self._replicas(list(pods.values()), rs))

    def cordon(self, host: str, unschedulable: bool = True) -> None:
        """Mark the node (un)schedulable; idempotent, the patch sets a value."""
        node = self._node_name(host)
        try:
            self._call(f"{'cordon' if unschedulable else 'uncordon'} {host}", self.core.patch_node, node,
                       {"spec": {"unschedulable": unschedulable}},
                       _content_type="application/strategic-merge-patch+json")
        except KubernetesApiError as e:
            if e.status == 404:
                raise AdapterError(f"cannot cordon {host}: unknown node {node} in cloud {self.cloud}") from e
            raise

    def set_host_schedulable(self, host: str, schedulable: bool, reason: str = "") -> None:
        """Cordon (or uncordon) the node; a node has no field for the reason, the plan's audit keeps it."""
        self.cordon(host, not schedulable)

    def drain(self, host: str) -> list[str]:
        """Cordon the node and evict its pods through the Eviction API; returns the evicted pods.

        DaemonSet and mirror (static) pods stay, as with `kubectl drain`. An eviction a
        PodDisruptionBudget refuses (429) is retried with backoff, then the drain stops with an error
        naming the pod; evictions already accepted stand, and a retried drain carries on.
        """
        node = self._node_name(host)
        self.cordon(host)
        evicted: list[str] = []
        for pod in self._pods(node=node):
            meta = pod["metadata"]
            refs = meta.get("ownerReferences") or []
            if any(r.get("kind") == "DaemonSet" for r in refs):
                continue
            if "kubernetes.io/config.mirror" in (meta.get("annotations") or {}):
                continue
            if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
                continue
            self._evict(meta["namespace"], meta["name"], host)
            evicted.append(f"{meta['namespace']}/{meta['name']}")
        return evicted

    def _evict(self, namespace: str, name: str, host: str) -> None:
        body = {"apiVersion": "policy/v1", "kind": "Eviction",
                "metadata": {"name": name, "namespace": namespace}}
        what = f"drain {host}: evict pod {namespace}/{name}"
        delay = self.res.eviction_backoff_s
        for attempt in range(1, self.res.eviction_attempts + 1):
            try:
                # retry=False for 429: a PDB refusal is an answer, retried on its own slower schedule.
                self._call(what, self.core.create_namespaced_pod_eviction, name, namespace, body, retry=False)
                return
            except KubernetesApiError as e:
                if e.status == 404:
                    return  # already gone
                if e.status != 429:
                    if e.status in _TRANSIENT or e.status == 0:
                        if attempt < self.res.eviction_attempts:
                            self._sleep(delay)
                            delay = min(delay * 2, self.res.backoff_max_s)
                            continue
                    raise
                if attempt == self.res.eviction_attempts:
                    raise AdapterError(f"cannot drain {host}: evicting pod {namespace}/{name} is refused by a "
                                       f"PodDisruptionBudget after {attempt} attempts ({e}); the node stays cordoned"
                                       ) from e
                self._sleep(delay)
                delay = min(delay * 2, self.res.backoff_max_s)

    def set_cloud_failed(self, cloud: str, failed: bool) -> None:
        """A drill's marker, kept in this process: a real cluster is not switched off by Qianyun."""
        self._check_cloud(cloud)
        self._failed_cloud = failed

    def set_host_failed(self, host: str, failed: bool) -> None:
        """A drill's marker, kept in this process (the node is reported down); use cordon/drain for real."""
        self._node_name(host)
        (self._failed_hosts.add if failed else self._failed_hosts.discard)(host)

    # --- JobRunner: data-zone jobs as batch/v1 Jobs ---------------------------------------------------

    def job_name(self, job_id: str) -> str:
        """A DNS-1123 name for the job id, stable so a retried run_job finds its Job."""
        import hashlib

        base = re.sub(r"[^a-z0-9-]+", "-", job_id.lower()).strip("-")[:50].strip("-") or "job"
        return f"qy-{base}-{hashlib.sha256(job_id.encode()).hexdigest()[:8]}"

    def run_job(self, cloud: str, job_id: str, demand: dict[str, float], duration_s: float) -> None:
        """Create the Job; an existing Job of that name (409) means it already started."""
        self._check_cloud(cloud)
        if self._failed_cloud:
            raise AdapterError(f"cloud {cloud} has failed; job {job_id} not started")
        requests: dict[str, str] = {}
        for ours, v in demand.items():
            if ours not in _K8S_NAME:
                raise AdapterError(f"cannot run job {job_id}: unknown resource {ours!r} in demand {demand}")
            if v > 0:
                requests[_K8S_NAME[ours]] = (f"{int(round(v * 1000))}m" if ours == "vcpu" else
                                             f"{int(round(v * 1024))}Mi" if ours.endswith("_gib") else str(int(v)))
        seconds = max(1, int(round(duration_s)))
        command = [c.format(duration=seconds) for c in self.job_command]
        name = self.job_name(job_id)
        body = {
            "apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": name, "namespace": self.jobs_namespace,
                         "labels": {"app.kubernetes.io/managed-by": "qianyun"},
                         "annotations": {self.labels.job_id: job_id}},
            "spec": {
                "backoffLimit": 2, "activeDeadlineSeconds": max(60, 3 * seconds),
                "template": {"metadata": {"labels": {"app.kubernetes.io/managed-by": "qianyun"}},
                             "spec": {"restartPolicy": "Never", "containers": [{
                                 "name": "job", "image": self.job_image, "command": command,
                                 "resources": {"requests": requests, "limits": requests}}]}}}}
        try:
            self._call(f"run job {job_id} on cloud {cloud}", self.batch.create_namespaced_job, self.jobs_namespace, body)
        except KubernetesApiError as e:
            if e.status != 409:
                raise

    def job_state(self, job_id: str) -> JobStatus:
        """Complete -> done; Failed -> failed (with the Job's reason); otherwise running."""
        name = self.job_name(job_id)
        try:
            job = self._call(f"job {job_id}: read Job {self.jobs_namespace}/{name}", self.batch.read_namespaced_job,
                             name, self.jobs_namespace)
        except KubernetesApiError as e:
            if e.status == 404:
                raise AdapterError(f"unknown batch job {job_id!r} (no Job {self.jobs_namespace}/{name} "
                                   f"in cloud {self.cloud})") from e
            raise
        return JobStatus(job_id, self.cloud, *_job_phase(job))


# --- helpers ------------------------------------------------------------------------------------------


def _status_message(raw: bytes | str | None) -> str:
    """The message of a metav1 Status body, or the body itself trimmed."""
    if not raw:
        return ""
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    try:
        body = json.loads(text)
    except ValueError:
        return text.strip()[:200]
    if isinstance(body, dict) and body.get("kind") == "Status":
        return str(body.get("message") or body.get("reason") or "")
    return text.strip()[:200]


def _ready(node: dict[str, Any]) -> bool:
    for cond in (node.get("status") or {}).get("conditions") or []:
        if cond.get("type") == "Ready":
            return cond.get("status") == "True"
    return False


def _owner_of(pod: dict[str, Any], rs: dict[tuple[str, str], dict[str, Any]]) -> _Owner | None:
    """The object whose template makes this pod: Deployment (through its ReplicaSet), StatefulSet, ..."""
    meta = pod["metadata"]
    ns = meta["namespace"]
    refs = meta.get("ownerReferences") or []
    ref = next((r for r in refs if r.get("controller")), refs[0] if refs else None)
    if ref is None:
        return _Owner("Pod", ns, meta["name"])
    kind, name = ref.get("kind"), ref.get("name")
    if kind == "Job":
        return None
    if kind == "ReplicaSet":
        owner_refs = (((rs.get((ns, name)) or {}).get("metadata") or {}).get("ownerReferences")) or []
        dep = next((r for r in owner_refs if r.get("kind") == "Deployment"), None)
        return _Owner("Deployment", ns, dep["name"]) if dep else _Owner("ReplicaSet", ns, name)
    if kind in ("StatefulSet", "DaemonSet"):
        return _Owner(kind, ns, name)
    return _Owner("Pod", ns, meta["name"])


def _affinity_patch(nodes: list[str]) -> dict[str, Any]:
    """A strategic merge patch on the node's name (matchFields, as the DaemonSet controller does, not the
    hostname label, which may differ); nodeSelectorTerms has no merge key, so the list is replaced whole."""
    return {"spec": {"template": {"spec": {"affinity": {"nodeAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [{"matchFields": [
            {"key": "metadata.name", "operator": "In", "values": nodes}]}]}}}}}}}


def _job_phase(job: dict[str, Any]) -> tuple[str, str]:
    status = job.get("status") or {}
    for cond in status.get("conditions") or []:
        if cond.get("status") != "True":
            continue
        if cond.get("type") == "Complete":
            return "done", ""
        if cond.get("type") == "Failed":
            return "failed", f"{cond.get('reason') or 'Failed'}: {cond.get('message') or ''}".rstrip(": ")
    return "running", f"{status.get('active') or 0} pod(s) active"
