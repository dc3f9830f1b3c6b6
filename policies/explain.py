"""Explain: may workload W run on cloud C, and if not, which rule says no.

Every cloud-level placement rule of the policy is checked and reported, passed or not, so an
operator sees the whole reasoning and not only the first refusal. Home clouds, province overflow
and backup entitlement come from `optimizer.rules.Rules`, the same code the solvers use, so an
explanation can never disagree with what a plan would do. The site's `deny` entries come on top.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from optimizer.fleet import Cloud, Fleet, Workload, parse_fleet
from optimizer.rules import Rules
from policies.model import Policy

DENY_RULE = "deny"


class ExplainError(LookupError):
    """The workload or cloud asked about is not in the fleet."""

    def __str__(self) -> str:  # LookupError would quote the message like a key
        return str(self.args[0]) if self.args else ""


@dataclass(frozen=True)
class Check:
    """One rule's verdict on the question, in words an operator can act on."""

    rule: str  # a placement rule id of the policy, or "deny" for the site's deny entries
    passed: bool
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "passed": self.passed, "message": self.message}


@dataclass(frozen=True)
class Explanation:
    workload: str
    cloud: str
    failover: bool
    allowed: bool
    checks: tuple[Check, ...]

    @property
    def refusals(self) -> list[Check]:
        """The checks that say no (empty when allowed)."""
        return [c for c in self.checks if not c.passed]

    @property
    def summary(self) -> str:
        if self.allowed:
            return f"{self.workload} may run on {self.cloud}"
        return f"{self.workload} may not run on {self.cloud}: " + "; ".join(
            f"{c.rule}: {c.message}" for c in self.refusals)

    def to_dict(self) -> dict[str, Any]:
        return {"workload": self.workload, "cloud": self.cloud, "failover": self.failover,
                "allowed": self.allowed, "summary": self.summary, "checks": [c.to_dict() for c in self.checks]}


def _desc(w: Workload) -> str:
    parts = [f"tier {w.tier}"]
    if w.city is not None:
        parts.append(w.city)
    if w.industry is not None:
        parts.append(f"industry {w.industry}")
    return f"{w.id} ({', '.join(parts)})"


@dataclass
class Explainer:
    """Explanations for one fleet; keeps the optimizer's `Rules` per set of failed clouds.

    `failover=True` asks "what if this workload's current cloud failed": its cloud is treated as
    failed (on top of the fleet's own `failed_clouds`), so the answer shows where it would restart.
    """

    policy: Policy
    fleet: Fleet | Mapping[str, Any]
    failover: bool = False
    _rules: dict[frozenset[str], Rules] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self.fleet = parse_fleet(self.fleet)

    # ------------------------------------------------------------ lookups

    def _workload(self, workload_id: str) -> tuple[int, Workload]:
        f = self.fleet
        assert isinstance(f, Fleet)
        wi = f.workload_index.get(workload_id)
        if wi is None:
            raise ExplainError(f"workload {workload_id!r} is not in the fleet")
        return wi, f.workloads[wi]

    def _cloud(self, cloud_id: str) -> Cloud:
        f = self.fleet
        assert isinstance(f, Fleet)
        c = f.cloud_by_id.get(cloud_id)
        if c is None:
            raise ExplainError(f"cloud {cloud_id!r} is not in the fleet (clouds: {', '.join(f.cloud_by_id)})")
        return c

    def _current_cloud(self, w: Workload) -> str | None:
        f = self.fleet
        assert isinstance(f, Fleet)
        return f.hosts[f.host_index[w.host]].cloud if w.host is not None else None

    def _fleet_failed(self) -> set[str]:
        assert isinstance(self.fleet, Fleet)
        return set(self.fleet.failed_clouds)

    def rules_for(self, workload_id: str) -> Rules:
        """The optimizer's rules under the failures this question assumes."""
        f = self.fleet
        assert isinstance(f, Fleet)
        _, w = self._workload(workload_id)
        failed = set(f.failed_clouds)
        cur = self._current_cloud(w)
        if self.failover and cur is not None:
            failed.add(cur)
        key = frozenset(failed)
        if key not in self._rules:
            self._rules[key] = Rules(f if failed == set(f.failed_clouds) else f.with_objective(failed_clouds=sorted(failed)))
        return self._rules[key]

    # ------------------------------------------------------------ the checks

    def explain(self, workload_id: str, cloud_id: str) -> Explanation:
        wi, w = self._workload(workload_id)
        c = self._cloud(cloud_id)
        rules = self.rules_for(workload_id)
        cur = self._current_cloud(w)
        on_failed = cur is not None and cur in rules.failed
        restart = on_failed and w.dr.protected
        checks = [
            self._classified(w),
            self._home(rules, w, c),
            self._backup(rules, w, c, cur, on_failed, restart),
            self._mlps(w, c),
            self._failed(w, c, cur, rules, on_failed),
            self._pinned(w, c, cur, on_failed),
            *self._deny(w, c),
        ]
        return Explanation(w.id, c.id, self.failover, all(ch.passed for ch in checks), tuple(checks))

    def eligible_clouds(self, workload_id: str) -> list[str]:
        """Clouds the workload may run on, in the optimizer's order (home, province, backup)."""
        _, w = self._workload(workload_id)
        rules = self.rules_for(workload_id)
        cur = self._current_cloud(w)
        restart = cur is not None and cur in rules.failed and w.dr.protected
        return [c for c in rules.allowed_for(w, restart) if self.explain(workload_id, c).allowed]

    def _classified(self, w: Workload) -> Check:
        if w.classification == "classified":
            return Check("classified", False,
                         f"{w.id} is a classified system; classified systems are never placed on these clouds")
        return Check("classified", True, f"{w.id} is {w.classification}, not classified")

    def _home(self, rules: Rules, w: Workload, c: Cloud) -> Check:
        home, prov = rules.home(w), rules.province
        if home is None:
            gap = f"no cloud for industry {w.industry}" if w.industry is not None else f"no cloud for city {w.city}"
            lead = f"{_desc(w)} has no home cloud in this fleet ({gap})"
            lead += f"; it may run only on the province cloud {prov}" if prov else " and there is no province cloud"
        elif home == prov:
            lead = f"{_desc(w)} may run on its home cloud, the province cloud {prov}"
        elif prov is None:
            lead = f"{_desc(w)} may run only on its home cloud {home} (this fleet has no province cloud)"
        else:
            lead = f"{_desc(w)} may run on its home cloud {home} or the province cloud {prov}"
        if c.id == home:
            return Check("home-or-province", True, f"{lead}; {c.id} is its home cloud")
        if c.id == prov:
            return Check("home-or-province", True, f"{lead}; {c.id} is the province cloud (upward overflow)")
        if c.kind == "backup":
            return Check("home-or-province", True, f"{lead}; {c.id} is the backup node, decided by backup-only-dr")
        if c.kind == "city":
            why = (f"{c.id} is a city cloud ({c.city}), not its industry's cloud" if w.industry is not None
                   else f"{c.id} is another city's cloud ({c.city})")
        else:
            why = (f"{c.id} is another industry's cloud ({c.industry})" if w.industry is not None
                   else f"{c.id} is an industry cloud ({c.industry}) and {w.id} belongs to no industry")
        return Check("home-or-province", False, f"{lead}; {why}")

    def _backup(self, rules: Rules, w: Workload, c: Cloud, cur: str | None, on_failed: bool, restart: bool) -> Check:
        rule = "backup-only-dr"
        if c.kind != "backup":
            return Check(rule, True, f"{c.id} is not the backup node")
        if w.role == "dr-replica":
            return Check(rule, True, f"{w.id} is a dr-replica; replicas may run on the backup node {c.id}")
        if restart:
            assumed = " (assumed for this failover question)" if self.failover and cur not in self._fleet_failed() else ""
            return Check(rule, True, f"{w.id} is DR-protected and its cloud {cur} has failed{assumed}; "
                                     f"it may restart on the backup node {c.id}")
        lead = f"the backup node {c.id} takes only dr-replica workloads and, in failover, the DR-protected workloads of failed clouds"
        if on_failed:
            return Check(rule, False, f"{lead}; {w.id}'s cloud {cur} has failed but {w.id} is not DR-protected")
        if cur is None:
            where = "has no host yet"
        else:
            where = f"runs on {cur}, which has not failed"
        return Check(rule, False, f"{lead}; {w.id} is a primary that {where}")

    def _mlps(self, w: Workload, c: Cloud) -> Check:
        if c.mlps_level >= w.mlps_level:
            return Check("mlps", True, f"{c.id} has MLPS level {c.mlps_level}, at least {w.id}'s level {w.mlps_level}")
        return Check("mlps", False, f"{c.id} has MLPS level {c.mlps_level}, below {w.id}'s required level {w.mlps_level}")

    def _failed(self, w: Workload, c: Cloud, cur: str | None, rules: Rules, on_failed: bool) -> Check:
        assumed = " (assumed for this failover question)" if c.id not in self._fleet_failed() else ""
        if c.id in rules.failed:
            return Check("failed-cloud", False, f"{c.id} has failed{assumed}; its hosts are gone")
        if on_failed and not w.dr.protected:
            assumed = " (assumed for this failover question)" if cur not in self._fleet_failed() else ""
            return Check("failed-cloud", False, f"{w.id}'s cloud {cur} has failed{assumed} and {w.id} is not DR-protected, "
                                                "so it is not restarted anywhere")
        return Check("failed-cloud", True, f"{c.id} has not failed")

    def _pinned(self, w: Workload, c: Cloud, cur: str | None, on_failed: bool) -> Check:
        if not w.pinned:
            return Check("pinned", True, f"{w.id} is not pinned")
        if cur is None:
            return Check("pinned", True, f"{w.id} is pinned but has no host, so the pin does not hold")
        if on_failed:
            return Check("pinned", True, f"{w.id} is pinned to {w.host}, but {cur} has failed, so the pin does not hold")
        if cur == c.id:
            return Check("pinned", True, f"{w.id} is pinned to host {w.host} on {c.id}")
        return Check("pinned", False, f"{w.id} is pinned to host {w.host} on {cur}; it stays there")

    def _deny(self, w: Workload, c: Cloud) -> list[Check]:
        hits = [d for d in self.policy.placement.deny if d.covers(w.id, w.department, c.id)]
        if not hits:
            return [Check(DENY_RULE, True, f"no site deny entry covers {w.id} on {c.id}")]
        return [Check(DENY_RULE, False, f"the site denies {d.describe()}: {d.reason}") for d in hits]


def explain(policy: Policy, fleet: Fleet | Mapping[str, Any], workload_id: str, cloud_id: str,
            failover: bool = False) -> Explanation:
    """May `workload_id` run on `cloud_id`? Every cloud-level rule and deny entry, with its verdict."""
    return Explainer(policy, fleet, failover).explain(workload_id, cloud_id)


def eligible_clouds(policy: Policy, fleet: Fleet | Mapping[str, Any], workload_id: str,
                    failover: bool = False) -> list[str]:
    """The clouds `explain` allows for the workload (deny entries and pins included)."""
    return Explainer(policy, fleet, failover).eligible_clouds(workload_id)
