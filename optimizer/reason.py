"""A reason as data: a code and its parameters, with the contract's English text beside it.

The optimizer speaks no language of its own: it says *which* reason (a code such as
`move.empties_host`) and with what (`{"host": "gy-h0037"}`). The plan document keeps the readable
English `reason` the contract requires, made from the templates below; the service renders the
same code in the reader's language from its message catalogs (scheduler/core/catalogs/*.po, whose
`en.po` must say exactly what these templates say: tests/i18n checks it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# The contract's English for every code the optimizer makes. Placeholders are str.format fields;
# a parameter that is itself a reason (or a list of them) is rendered in place.
EN: dict[str, str] = {
    "move.step_aside": "steps aside to third host {host} to free room on {source} for {workload} (breaks a cycle of moves)",
    "move.step_aside_other": "steps aside to third host {host} to free room on {source} for another workload "
                             "(breaks a cycle of moves)",
    "move.places_new": "places a new workload that had no host",
    "move.restarts": "restarts it after cloud {cloud} failed",
    "move.drains": "drains unschedulable host {host}",
    "move.moves_off": "moves it off {host}: {why}",
    "move.lowers_peak": "lowers peak {resource} on {host} from {before:.0%} to {after:.0%}",
    "move.empties_host": "empties {host} so it can power down",
    "move.consolidates": "consolidates onto {host} so fewer hosts stay active",
    "evicted.over_capacity": "host {host} is over capacity",
    "evicted.spread_group": "shares host {host} with another workload of spread group {group}",
    "unplaced.classified": "classified systems are out of scope",
    "unplaced.not_dr_protected": "not DR-protected: its cloud {cloud} failed",
    "unplaced.budget_spent": "the migration budget (max_migrations) is spent before it could leave host {host}",
    "unplaced.restart": "protected (priority {priority}) restart after cloud {cloud} failed: {why}",
    "unplaced.no_cloud": "no cloud is eligible: its home cloud does not exist and there is no province cloud",
    "unplaced.no_eligible_cloud": "no eligible cloud: {clouds}",
    "unplaced.no_room": "fits on no eligible host: {clouds}",
    "cloud.failed": "{cloud} has failed",
    "cloud.mlps_below": "{cloud} has MLPS level {level} < {required}",
    "cloud.no_schedulable_host": "{cloud} has no schedulable host",
    "cloud.no_room": "{cloud}: no host with room on {hosts} hosts",
    "cloud.no_room_short": "{cloud}: no host with room on {hosts} hosts, short of {short}",
    "cloud.no_room_spread": "{cloud}: no host with room on {hosts} hosts, {spread} hosts already hold spread group {group}",
    "cloud.no_room_short_spread": "{cloud}: no host with room on {hosts} hosts, short of {short}, "
                                  "{spread} hosts already hold spread group {group}",
    "resource.short": "{resource} (needs {needs:g}, at most {free:g} free)",
    "ineligible.cloud_failed": "cloud {cloud} has failed",
    "ineligible.unschedulable": "host {host} is unschedulable",
    "ineligible.isolated": "cloud {cloud} is served by its own system; workloads do not cross into or out of it",
    "ineligible.not_eligible": "cloud {cloud} is not among its eligible clouds ({clouds})",
    "ineligible.no_eligible": "cloud {cloud} is not among its eligible clouds (none)",
    "ineligible.mlps_below": "cloud {cloud} has MLPS level {level} < {required}",
    "ineligible.eligible": "eligible",
    "placement.no_schedulable_cloud": "no eligible cloud with a schedulable host (allowed: {clouds})",
    "placement.no_schedulable_cloud_none": "no eligible cloud with a schedulable host (allowed: none)",
    "placement.short": "fits on no eligible host in {clouds}: short of {resources}",
    "placement.no_room": "fits on no eligible host in {clouds}: no host has room on every resource at once",
    "placement.best_fit": "best fit among eligible hosts",
    "solver.optimal": "optimal",
    "solver.feasible": "feasible",
}


@dataclass(frozen=True)
class Reason:
    """Why, as data: `code` names the sentence, `params` fill it (reasons nest as parameters)."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return render(self.code, self.params, EN, ENGLISH_SEPARATORS)

    def __str__(self) -> str:
        return self.text

    def to_json(self) -> dict[str, Any]:
        """{"code", "params"}, nested reasons as the same shape, ready for a JSON document."""
        return {"code": self.code, "params": {k: _json(v) for k, v in self.params.items()}}


def reason(code: str, **params: Any) -> Reason:
    if code not in EN:
        raise KeyError(f"no English text for reason code {code!r}")
    return Reason(code, params)


def _json(v: Any) -> Any:
    if isinstance(v, Reason):
        return v.to_json()
    if isinstance(v, (list, tuple)):
        return [_json(x) for x in v]
    return v


ENGLISH_SEPARATORS = (", ", "; ")


def _code(v: Any) -> str | None:
    if isinstance(v, Reason):
        return v.code
    if isinstance(v, dict) and "code" in v:
        return str(v["code"])
    return None


def render(code: str, params: dict[str, Any], templates: dict[str, str], seps: tuple[str, str]) -> str:
    """One template filled: nested reasons (objects or {"code", "params"} dicts) rendered with the
    same templates. Lists are joined with seps[0] (items: ids, a resource's shortfall) or, when they
    hold whole clauses (a reason per cloud), with seps[1]."""

    def one(v: Any) -> Any:
        c = _code(v)
        if c is not None:
            p = v.params if isinstance(v, Reason) else (v.get("params") or {})
            return render(c, p, templates, seps)
        if isinstance(v, (list, tuple)):
            clauses = any(not (_code(x) or "resource.").startswith("resource.") for x in v)  # a reason, not a shortfall
            return (seps[1] if clauses else seps[0]).join(str(one(x)) for x in v)
        return v

    return templates[code].format(**{k: one(v) for k, v in params.items()})
