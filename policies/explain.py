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
from optimizer.reason import EN, ENGLISH_SEPARATORS, Reason, render
from optimizer.rules import Rules
from policies.model import DenyEntry, Policy

DENY_RULE = "deny"

# The English of every explanation (scheduler/core/catalogs/*.po carry it in each language, under the
# same codes; tests/i18n checks that en.po says exactly this).
EXPLAIN_EN: dict[str, str] = {
    "explain.desc": "{workload} (tier {tier})",
    "explain.desc_city": "{workload} (tier {tier}, {city})",
    "explain.desc_industry": "{workload} (tier {tier}, industry {industry})",
    "explain.desc_city_industry": "{workload} (tier {tier}, {city}, industry {industry})",
    "explain.allowed": "{workload} may run on {cloud}",
    "explain.denied": "{workload} may not run on {cloud}: {refusals}",
    "explain.refusal": "{rule}: {message}",
    "classified.yes": "{workload} is a classified system; classified systems are never placed on these clouds",
    "classified.no": "{workload} is {classification}, not classified",
    "home.no_home_industry": "{desc} has no home cloud in this fleet (no cloud for industry {industry}); "
                             "it may run only on the province cloud {province}",
    "home.no_home_industry_no_province": "{desc} has no home cloud in this fleet (no cloud for industry {industry}) "
                                         "and there is no province cloud",
    "home.no_home_city": "{desc} has no home cloud in this fleet (no cloud for city {city}); "
                         "it may run only on the province cloud {province}",
    "home.no_home_city_no_province": "{desc} has no home cloud in this fleet (no cloud for city {city}) "
                                     "and there is no province cloud",
    "home.home_is_province": "{desc} may run on its home cloud, the province cloud {province}",
    "home.only_home": "{desc} may run only on its home cloud {home} (this fleet has no province cloud)",
    "home.home_or_province": "{desc} may run on its home cloud {home} or the province cloud {province}",
    "home.is_home": "{lead}; {cloud} is its home cloud",
    "home.is_province": "{lead}; {cloud} is the province cloud (upward overflow)",
    "home.is_backup": "{lead}; {cloud} is the backup node, decided by backup-only-dr",
    "home.city_not_industry": "{lead}; {cloud} is a city cloud ({city}), not its industry's cloud",
    "home.other_city": "{lead}; {cloud} is another city's cloud ({city})",
    "home.other_industry": "{lead}; {cloud} is another industry's cloud ({industry})",
    "home.industry_cloud": "{lead}; {cloud} is an industry cloud ({industry}) and {workload} belongs to no industry",
    "backup.not_backup": "{cloud} is not the backup node",
    "backup.replica": "{workload} is a dr-replica; replicas may run on the backup node {cloud}",
    "backup.restart": "{workload} is DR-protected and its cloud {current} has failed; "
                      "it may restart on the backup node {cloud}",
    "backup.restart_assumed": "{workload} is DR-protected and its cloud {current} has failed (assumed for this "
                              "failover question); it may restart on the backup node {cloud}",
    "backup.failed_unprotected": "the backup node {cloud} takes only dr-replica workloads and, in failover, the "
                                 "DR-protected workloads of failed clouds; {workload}'s cloud {current} has failed "
                                 "but {workload} is not DR-protected",
    "backup.primary_no_host": "the backup node {cloud} takes only dr-replica workloads and, in failover, the "
                              "DR-protected workloads of failed clouds; {workload} is a primary that has no host yet",
    "backup.primary_running": "the backup node {cloud} takes only dr-replica workloads and, in failover, the "
                              "DR-protected workloads of failed clouds; {workload} is a primary that runs on "
                              "{current}, which has not failed",
    "mlps.ok": "{cloud} has MLPS level {level}, at least {workload}'s level {required}",
    "mlps.below": "{cloud} has MLPS level {level}, below {workload}'s required level {required}",
    "failed.cloud": "{cloud} has failed; its hosts are gone",
    "failed.cloud_assumed": "{cloud} has failed (assumed for this failover question); its hosts are gone",
    "failed.unprotected": "{workload}'s cloud {current} has failed and {workload} is not DR-protected, "
                          "so it is not restarted anywhere",
    "failed.unprotected_assumed": "{workload}'s cloud {current} has failed (assumed for this failover question) and "
                                  "{workload} is not DR-protected, so it is not restarted anywhere",
    "failed.ok": "{cloud} has not failed",
    "pinned.no": "{workload} is not pinned",
    "pinned.no_host": "{workload} is pinned but has no host, so the pin does not hold",
    "pinned.failed": "{workload} is pinned to {host}, but {current} has failed, so the pin does not hold",
    "pinned.here": "{workload} is pinned to host {host} on {cloud}",
    "pinned.elsewhere": "{workload} is pinned to host {host} on {current}; it stays there",
    "deny.none": "no site deny entry covers {workload} on {cloud}",
    "deny.hit": "the site denies {what}: {reason}",
    "deny.what.every": "every workload on cloud {cloud}",
    "deny.what.workload": "workload {workload} on cloud {cloud}",
    "deny.what.department": "department {department} on cloud {cloud}",
    "deny.what.both": "workload {workload} of department {department} on cloud {cloud}",
}
TEMPLATES = {**EN, **EXPLAIN_EN}


def english(r: Reason) -> str:
    return render(r.code, r.params, TEMPLATES, ENGLISH_SEPARATORS)


def said(code: str, **params: Any) -> Reason:
    if code not in TEMPLATES:
        raise KeyError(f"no English text for explanation code {code!r}")
    return Reason(code, params)


def covers(d: DenyEntry) -> Reason:
    """What a deny entry covers, as a nested message (DenyEntry.describe says the same in English); the
    why page's deny checks and the plans' notes both say it so."""
    if d.workload is not None and d.department is not None:
        return said("deny.what.both", workload=d.workload, department=d.department, cloud=d.cloud)
    if d.workload is not None:
        return said("deny.what.workload", workload=d.workload, cloud=d.cloud)
    if d.department is not None:
        return said("deny.what.department", department=d.department, cloud=d.cloud)
    return said("deny.what.every", cloud=d.cloud)


class ExplainError(LookupError):
    """The workload or cloud asked about is not in the fleet."""

    def __str__(self) -> str:  # LookupError would quote the message like a key
        return str(self.args[0]) if self.args else ""


@dataclass(frozen=True)
class Check:
    """One rule's verdict on the question, in words an operator can act on."""

    rule: str  # a placement rule id of the policy, or "deny" for the site's deny entries
    passed: bool
    said: Reason  # the verdict as a code with parameters; the service renders it in the reader's language

    @property
    def message(self) -> str:
        """In English."""
        return english(self.said)

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "passed": self.passed, "message": self.message, **self.said.to_json()}


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
    def summary_said(self) -> Reason:
        if self.allowed:
            return said("explain.allowed", workload=self.workload, cloud=self.cloud)
        return said("explain.denied", workload=self.workload, cloud=self.cloud,
                    refusals=[said("explain.refusal", rule=c.rule, message=c.said) for c in self.refusals])

    @property
    def summary(self) -> str:
        return english(self.summary_said)

    def to_dict(self) -> dict[str, Any]:
        return {"workload": self.workload, "cloud": self.cloud, "failover": self.failover,
                "allowed": self.allowed, "summary": self.summary, "checks": [c.to_dict() for c in self.checks]}


def _desc(w: Workload) -> Reason:
    if w.city is not None and w.industry is not None:
        return said("explain.desc_city_industry", workload=w.id, tier=w.tier, city=w.city, industry=w.industry)
    if w.city is not None:
        return said("explain.desc_city", workload=w.id, tier=w.tier, city=w.city)
    if w.industry is not None:
        return said("explain.desc_industry", workload=w.id, tier=w.tier, industry=w.industry)
    return said("explain.desc", workload=w.id, tier=w.tier)


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
            return Check("classified", False, said("classified.yes", workload=w.id))
        return Check("classified", True, said("classified.no", workload=w.id, classification=w.classification))

    def _home(self, rules: Rules, w: Workload, c: Cloud) -> Check:
        home, prov = rules.home(w), rules.province
        desc = _desc(w)
        if home is None:
            gap = "industry" if w.industry is not None else "city"
            code = f"home.no_home_{gap}" + ("" if prov else "_no_province")
            lead = said(code, desc=desc, **({"industry": w.industry} if gap == "industry" else {"city": w.city}),
                        **({"province": prov} if prov else {}))
        elif home == prov:
            lead = said("home.home_is_province", desc=desc, province=prov)
        elif prov is None:
            lead = said("home.only_home", desc=desc, home=home)
        else:
            lead = said("home.home_or_province", desc=desc, home=home, province=prov)
        rule = "home-or-province"
        if c.id == home:
            return Check(rule, True, said("home.is_home", lead=lead, cloud=c.id))
        if c.id == prov:
            return Check(rule, True, said("home.is_province", lead=lead, cloud=c.id))
        if c.kind == "backup":
            return Check(rule, True, said("home.is_backup", lead=lead, cloud=c.id))
        if c.kind == "city":
            why = (said("home.city_not_industry", lead=lead, cloud=c.id, city=c.city) if w.industry is not None
                   else said("home.other_city", lead=lead, cloud=c.id, city=c.city))
        else:
            why = (said("home.other_industry", lead=lead, cloud=c.id, industry=c.industry) if w.industry is not None
                   else said("home.industry_cloud", lead=lead, cloud=c.id, industry=c.industry, workload=w.id))
        return Check(rule, False, why)

    def _backup(self, rules: Rules, w: Workload, c: Cloud, cur: str | None, on_failed: bool, restart: bool) -> Check:
        rule = "backup-only-dr"
        if c.kind != "backup":
            return Check(rule, True, said("backup.not_backup", cloud=c.id))
        if w.role == "dr-replica":
            return Check(rule, True, said("backup.replica", workload=w.id, cloud=c.id))
        if restart:
            assumed = self.failover and cur not in self._fleet_failed()
            return Check(rule, True, said("backup.restart_assumed" if assumed else "backup.restart",
                                          workload=w.id, current=cur, cloud=c.id))
        if on_failed:
            return Check(rule, False, said("backup.failed_unprotected", cloud=c.id, workload=w.id, current=cur))
        if cur is None:
            return Check(rule, False, said("backup.primary_no_host", cloud=c.id, workload=w.id))
        return Check(rule, False, said("backup.primary_running", cloud=c.id, workload=w.id, current=cur))

    def _mlps(self, w: Workload, c: Cloud) -> Check:
        ok = c.mlps_level >= w.mlps_level
        return Check("mlps", ok, said("mlps.ok" if ok else "mlps.below", cloud=c.id, level=c.mlps_level,
                                      workload=w.id, required=w.mlps_level))

    def _failed(self, w: Workload, c: Cloud, cur: str | None, rules: Rules, on_failed: bool) -> Check:
        if c.id in rules.failed:
            assumed = c.id not in self._fleet_failed()
            return Check("failed-cloud", False, said("failed.cloud_assumed" if assumed else "failed.cloud", cloud=c.id))
        if on_failed and not w.dr.protected:
            assumed = cur not in self._fleet_failed()
            return Check("failed-cloud", False, said("failed.unprotected_assumed" if assumed else "failed.unprotected",
                                                     workload=w.id, current=cur))
        return Check("failed-cloud", True, said("failed.ok", cloud=c.id))

    def _pinned(self, w: Workload, c: Cloud, cur: str | None, on_failed: bool) -> Check:
        if not w.pinned:
            return Check("pinned", True, said("pinned.no", workload=w.id))
        if cur is None:
            return Check("pinned", True, said("pinned.no_host", workload=w.id))
        if on_failed:
            return Check("pinned", True, said("pinned.failed", workload=w.id, host=w.host, current=cur))
        if cur == c.id:
            return Check("pinned", True, said("pinned.here", workload=w.id, host=w.host, cloud=c.id))
        return Check("pinned", False, said("pinned.elsewhere", workload=w.id, host=w.host, current=cur))

    def _deny(self, w: Workload, c: Cloud) -> list[Check]:
        hits = [d for d in self.policy.placement.deny if d.covers(w.id, w.department, c.id)]
        if not hits:
            return [Check(DENY_RULE, True, said("deny.none", workload=w.id, cloud=c.id))]
        return [Check(DENY_RULE, False, said("deny.hit", what=covers(d), reason=d.reason)) for d in hits]


def explain(policy: Policy, fleet: Fleet | Mapping[str, Any], workload_id: str, cloud_id: str,
            failover: bool = False) -> Explanation:
    """May `workload_id` run on `cloud_id`? Every cloud-level rule and deny entry, with its verdict."""
    return Explainer(policy, fleet, failover).explain(workload_id, cloud_id)


def eligible_clouds(policy: Policy, fleet: Fleet | Mapping[str, Any], workload_id: str,
                    failover: bool = False) -> list[str]:
    """The clouds `explain` allows for the workload (deny entries and pins included)."""
    return Explainer(policy, fleet, failover).eligible_clouds(workload_id)
