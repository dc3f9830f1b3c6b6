"""Loading the policy: default.yaml, then the site's file on top, strictly checked.

A policy that is wrong must stop the service at start, never half-apply: every refusal is a
`PolicyError` that names the file, the line and the field (``site.yaml line 7: approvals[2].approver:
must be 'province' or 'own-cloud', got 'mayor'``), so the person who wrote the file can fix it from
that one line. Line numbers come from YAML's node tree (`yaml.compose`), not from the constructed
Python values, which have lost them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from policies.model import (
    ACCOUNT_ROLES,
    APPROVERS,
    CLOUD_KINDS,
    COHORTS,
    FAILBACK_MODES,
    MATCH_KEYS,
    PLACEMENT_RULE_IDS,
    PLAN_KINDS,
    QUOTA_RESOURCES,
    ROLES,
    RULE_LEVELS,
    ApprovalMatch,
    ApprovalRule,
    Auth,
    AutoApprove,
    DenyEntry,
    Dr,
    Execution,
    Placement,
    PlacementRule,
    Policy,
    Quotas,
    SeparationOfDuties,
)
from policies.power import MINIMISE, POWER_FIELDS, WATTS_FIELDS, Power, Watts

DEFAULT_FILE = Path(__file__).with_name("default.yaml")

SECTIONS = ("approvals", "separation_of_duties", "auto_approve", "execution", "placement", "dr", "quotas", "auth",
            "power")
SOD_FIELDS = ("proposer_may_approve_own_scope", "multi_scope_needs_other_approver")
EXECUTION_FIELDS = ("max_concurrent_moves_per_cloud", "max_concurrent_restarts_per_cloud", "retries", "backoff_s")
DR_FIELDS = ("restart_minutes", "backup_reserve_share", "drill_runbook", "real_failover")
RESTART_FIELDS = ("base", "per_vcpu", "per_100_gib_storage")
RUNBOOK_FIELDS = ("tabletop_roles", "live_roles", "auto_approve_drill_plans", "failback")
FAILOVER_FIELDS = ("declare_roles", "approve_roles")
QUOTA_FIELDS = ("headroom_share", "dr_reserve_share", "province_review_above", "borrowing", "seed_headroom_share",
                "seed_room_share", "overcommit", "phantom_size", "max_expiry_days")
BORROWING_FIELDS = ("cohort", "borrowing_limit_share", "lending_limit_share")
AUTH_FIELDS = ("lockout", "second_factor_roles", "sessions", "password")
LOCKOUT_FIELDS = ("failures", "window_s", "lock_s")
SESSION_FIELDS = ("access_minutes", "refresh_minutes", "idle_minutes")
PASSWORD_FIELDS = ("min_length", "min_classes", "history", "max_age_days")


class PolicyError(ValueError):
    """A refused policy file; the message names the file, the line and the field."""

    def __init__(self, file: str, line: int | None, field: str | None, problem: str) -> None:
        where = file if line is None else f"{file} line {line}"
        super().__init__(f"{where}: {field}: {problem}" if field else f"{where}: {problem}")
        self.file = file
        self.line = line
        self.field = field
        self.problem = problem


# ---------------------------------------------------------------- reading nodes


def _describe(node: Node, value: Any = None) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    return repr(value)


class YamlReader:
    """Turns YAML nodes into checked values; every error carries the node's line.

    Public because every strict YAML file of the service (the policy, the clouds registry) reads the same way.
    """

    def __init__(self, file: str) -> None:
        self.file = file
        self._constructor = SafeConstructor()

    def fail(self, node: Node | None, field: str | None, problem: str) -> PolicyError:
        line = node.start_mark.line + 1 if node is not None else None
        return PolicyError(self.file, line, field, problem)

    def scalar(self, node: Node) -> Any:
        if not isinstance(node, ScalarNode):
            return None
        return self._constructor.construct_object(node, deep=True)

    def mapping(self, node: Node, field: str, allowed: tuple[str, ...],
                required: tuple[str, ...] = ()) -> dict[str, tuple[Node, Node]]:
        """Keys to (key node, value node); unknown, duplicate and missing keys are refused."""
        if not isinstance(node, MappingNode):
            raise self.fail(node, field, f"must be a mapping, got {_describe(node, self.scalar(node))}")
        out: dict[str, tuple[Node, Node]] = {}
        for knode, vnode in node.value:
            key = self.scalar(knode)
            name = f"{field}.{key}" if field else str(key)
            if not isinstance(key, str):
                raise self.fail(knode, name, f"keys must be strings, got {_describe(knode, key)}")
            if key not in allowed:
                raise self.fail(knode, name, f"unknown key; allowed keys are {', '.join(allowed)}")
            if key in out:
                raise self.fail(knode, name, f"given twice (first on line {out[key][0].start_mark.line + 1})")
            out[key] = (knode, vnode)
        for key in required:
            if key not in out:
                raise self.fail(node, f"{field}.{key}" if field else key, "required field is missing")
        return out

    def seq(self, node: Node, field: str) -> list[Node]:
        if not isinstance(node, SequenceNode):
            raise self.fail(node, field, f"must be a list, got {_describe(node, self.scalar(node))}")
        return list(node.value)

    def string(self, node: Node, field: str, nullable: bool = False) -> str | None:
        v = self.scalar(node)
        if v is None and nullable and isinstance(node, ScalarNode):
            return None
        if not isinstance(node, ScalarNode) or not isinstance(v, str) or not v.strip():
            what = "a non-empty string or null" if nullable else "a non-empty string"
            raise self.fail(node, field, f"must be {what}, got {_describe(node, v)}")
        return v

    def choice(self, node: Node, field: str, allowed: tuple[str, ...], what: str = "") -> str:
        v = self.scalar(node)
        if not isinstance(node, ScalarNode) or not isinstance(v, str):
            raise self.fail(node, field, f"must be a string, got {_describe(node, v)}")
        if v not in allowed:
            opts = " or ".join(f"'{a}'" for a in allowed) if len(allowed) == 2 else ", ".join(allowed)
            lead = f"unknown {what} {v!r}; must be one of {opts}" if what else f"must be {opts}, got {v!r}"
            raise self.fail(node, field, lead)
        return v

    def boolean(self, node: Node, field: str) -> bool:
        v = self.scalar(node)
        if not isinstance(node, ScalarNode) or not isinstance(v, bool):
            raise self.fail(node, field, f"must be true or false, got {_describe(node, v)}")
        return v

    def integer(self, node: Node, field: str, lo: int, nullable: bool = False) -> int | None:
        v = self.scalar(node)
        if v is None and nullable and isinstance(node, ScalarNode):
            return None
        if not isinstance(node, ScalarNode) or isinstance(v, bool) or not isinstance(v, int):
            what = "an integer or null" if nullable else "an integer"
            raise self.fail(node, field, f"must be {what}, got {_describe(node, v)}")
        if v < lo:
            raise self.fail(node, field, f"must be >= {lo}, got {v}")
        return v

    def number(self, node: Node, field: str, lo: float) -> float:
        v = self.scalar(node)
        if (not isinstance(node, ScalarNode) or isinstance(v, bool) or not isinstance(v, (int, float))
                or not math.isfinite(v)):
            raise self.fail(node, field, f"must be a number, got {_describe(node, v)}")
        if v < lo:
            raise self.fail(node, field, f"must be >= {lo:g}, got {v:g}")
        return float(v)

    def strings(self, node: Node, field: str, allowed: tuple[str, ...] | None = None, what: str = "") -> tuple[str, ...]:
        items = self.seq(node, field)
        if not items:
            raise self.fail(node, field, "must not be empty")
        out: list[str] = []
        for i, item in enumerate(items):
            f = f"{field}[{i}]"
            v = self.choice(item, f, allowed, what) if allowed is not None else self.string(item, f)
            assert v is not None
            if v not in out:
                out.append(v)
        return tuple(out)


# ---------------------------------------------------------------- sections


def _approvals(r: YamlReader, node: Node) -> tuple[ApprovalRule, ...]:
    rules: list[ApprovalRule] = []
    names: dict[str, int] = {}
    for i, item in enumerate(r.seq(node, "approvals")):
        f = f"approvals[{i}]"
        m = r.mapping(item, f, ("name", "match", "approver", "reason"), ("name", "match", "approver", "reason"))
        name = r.string(m["name"][1], f"{f}.name")
        assert name is not None
        if name in names:
            raise r.fail(m["name"][1], f"{f}.name", f"duplicate rule name {name!r} (also approvals[{names[name]}])")
        names[name] = i
        mm = r.mapping(m["match"][1], f"{f}.match", MATCH_KEYS)
        if not mm:
            raise r.fail(m["match"][1], f"{f}.match",
                         f"must give at least one condition ({', '.join(MATCH_KEYS)})")
        match = ApprovalMatch(
            touches_kind=r.strings(mm["touches_kind"][1], f"{f}.match.touches_kind", CLOUD_KINDS, "cloud kind")
            if "touches_kind" in mm else None,
            touches_cloud=r.strings(mm["touches_cloud"][1], f"{f}.match.touches_cloud")
            if "touches_cloud" in mm else None,
            crosses_clouds=r.boolean(mm["crosses_clouds"][1], f"{f}.match.crosses_clouds")
            if "crosses_clouds" in mm else None,
            within_kind=r.choice(mm["within_kind"][1], f"{f}.match.within_kind", CLOUD_KINDS, "cloud kind")
            if "within_kind" in mm else None,
        )
        approver = r.choice(m["approver"][1], f"{f}.approver", APPROVERS)
        reason = r.string(m["reason"][1], f"{f}.reason")
        assert reason is not None
        rules.append(ApprovalRule(name, match, approver, reason))
    return tuple(rules)


def _flags(r: YamlReader, node: Node, section: str, fields: tuple[str, ...], required: bool) -> dict[str, Any]:
    m = r.mapping(node, section, fields, fields if required else ())
    out: dict[str, Any] = {}
    for key, (_, v) in m.items():
        f = f"{section}.{key}"
        if section == "separation_of_duties":
            out[key] = r.boolean(v, f)
        elif key == "backoff_s":
            out[key] = r.number(v, f, 0.0)
        else:
            out[key] = r.integer(v, f, 1 if key.startswith("max_concurrent") else 0)
    return out


def _auto_approve(r: YamlReader, node: Node) -> tuple[AutoApprove, ...]:
    out: list[AutoApprove] = []
    for i, item in enumerate(r.seq(node, "auto_approve")):
        f = f"auto_approve[{i}]"
        m = r.mapping(item, f, ("scope", "kinds", "max_moves"), ("scope", "kinds", "max_moves"))
        scope = r.string(m["scope"][1], f"{f}.scope")
        assert scope is not None
        kinds = r.strings(m["kinds"][1], f"{f}.kinds", PLAN_KINDS, "plan kind")
        max_moves = r.integer(m["max_moves"][1], f"{f}.max_moves", 0, nullable=True)
        out.append(AutoApprove(scope, kinds, max_moves))
    return tuple(out)


def _deny(r: YamlReader, node: Node) -> tuple[DenyEntry, ...]:
    out: list[DenyEntry] = []
    for i, item in enumerate(r.seq(node, "placement.deny")):
        f = f"placement.deny[{i}]"
        m = r.mapping(item, f, ("cloud", "reason", "department", "workload"), ("cloud", "reason"))
        cloud = r.string(m["cloud"][1], f"{f}.cloud")
        reason = r.string(m["reason"][1], f"{f}.reason")
        dept = r.string(m["department"][1], f"{f}.department", nullable=True) if "department" in m else None
        wl = r.string(m["workload"][1], f"{f}.workload", nullable=True) if "workload" in m else None
        assert cloud is not None and reason is not None
        out.append(DenyEntry(cloud, reason, dept, wl))
    return tuple(out)


def _placement_rules(r: YamlReader, node: Node) -> tuple[PlacementRule, ...]:
    out: list[PlacementRule] = []
    seen: set[str] = set()
    for i, item in enumerate(r.seq(node, "placement.rules")):
        f = f"placement.rules[{i}]"
        m = r.mapping(item, f, ("id", "applies_to", "text"), ("id", "applies_to", "text"))
        rid = r.choice(m["id"][1], f"{f}.id", PLACEMENT_RULE_IDS, "placement rule")
        if rid in seen:
            raise r.fail(m["id"][1], f"{f}.id", f"duplicate placement rule {rid!r}")
        seen.add(rid)
        level = r.choice(m["applies_to"][1], f"{f}.applies_to", RULE_LEVELS)
        text = r.string(m["text"][1], f"{f}.text")
        assert text is not None
        out.append(PlacementRule(rid, level, text))
    missing = [x for x in PLACEMENT_RULE_IDS if x not in seen]
    if missing:
        raise r.fail(node, "placement.rules", f"missing rules {', '.join(missing)}")
    return tuple(out)


def _dr(r: YamlReader, node: Node, required: bool) -> dict[str, Any]:
    """The `dr` section as field changes per subsection; a site names only what it changes."""
    m = r.mapping(node, "dr", DR_FIELDS, DR_FIELDS if required else ())
    out: dict[str, Any] = {}
    if "restart_minutes" in m:
        rm = r.mapping(m["restart_minutes"][1], "dr.restart_minutes", RESTART_FIELDS, RESTART_FIELDS if required else ())
        out["restart_minutes"] = {k: r.number(v, f"dr.restart_minutes.{k}", 0.0) for k, (_, v) in rm.items()}
    if "backup_reserve_share" in m:
        v = m["backup_reserve_share"][1]
        share = r.number(v, "dr.backup_reserve_share", 0.0)
        if share >= 1.0:
            raise r.fail(v, "dr.backup_reserve_share", f"must be below 1 (a share of the backup node), got {share:g}")
        out["backup_reserve_share"] = share
    if "drill_runbook" in m:
        rb = r.mapping(m["drill_runbook"][1], "dr.drill_runbook", RUNBOOK_FIELDS, RUNBOOK_FIELDS if required else ())
        runbook: dict[str, Any] = {}
        for k, (_, v) in rb.items():
            f = f"dr.drill_runbook.{k}"
            if k.endswith("_roles"):
                runbook[k] = r.strings(v, f, ROLES, "role")
            elif k == "failback":
                runbook[k] = r.choice(v, f, FAILBACK_MODES)
            else:
                runbook[k] = r.boolean(v, f)
        out["drill_runbook"] = runbook
    if "real_failover" in m:
        rf = r.mapping(m["real_failover"][1], "dr.real_failover", FAILOVER_FIELDS, FAILOVER_FIELDS if required else ())
        out["real_failover"] = {k: r.strings(v, f"dr.real_failover.{k}", ROLES, "role") for k, (_, v) in rf.items()}
    return out


def _merge_dr(base: Dr, changes: dict[str, Any] | None) -> Dr:
    if not changes:
        return base
    return Dr(restart_minutes=replace(base.restart_minutes, **changes.get("restart_minutes", {})),
              backup_reserve_share=changes.get("backup_reserve_share", base.backup_reserve_share),
              drill_runbook=replace(base.drill_runbook, **changes.get("drill_runbook", {})),
              real_failover=replace(base.real_failover, **changes.get("real_failover", {})))


def _share(r: YamlReader, node: Node, field: str, below_one: bool = True) -> float:
    v = r.number(node, field, 0.0)
    if below_one and v >= 1.0:
        raise r.fail(node, field, f"must be below 1 (a share), got {v:g}")
    if not below_one and v > 1.0:
        raise r.fail(node, field, f"must be at most 1 (a share), got {v:g}")
    return v


def _fill_target(r: YamlReader, node: Node) -> dict[str, float]:
    """placement.fill_target: resource -> the share of a host a plan may fill, above 0 and at most 1."""
    m = r.mapping(node, "placement.fill_target", QUOTA_RESOURCES, ())
    out: dict[str, float] = {}
    for k, (_, v) in m.items():
        f = f"placement.fill_target.{k}"
        out[k] = _share(r, v, f, below_one=False)
        if out[k] <= 0:
            raise r.fail(v, f, f"must be above 0 (a share of the host), got {out[k]:g}")
    return out


def _amounts(r: YamlReader, node: Node, field: str, required: bool, positive: bool) -> dict[str, float]:
    m = r.mapping(node, field, QUOTA_RESOURCES, QUOTA_RESOURCES if required else ())
    out: dict[str, float] = {}
    for k, (_, v) in m.items():
        out[k] = r.number(v, f"{field}.{k}", 0.0)
        if positive and out[k] <= 0:
            raise r.fail(v, f"{field}.{k}", f"must be > 0, got {out[k]:g}")
    return out


def _quotas(r: YamlReader, node: Node, required: bool) -> dict[str, Any]:
    """The `quotas` section as field changes; a site names only what it changes."""
    m = r.mapping(node, "quotas", QUOTA_FIELDS, QUOTA_FIELDS if required else ())
    out: dict[str, Any] = {}
    for k in ("headroom_share", "dr_reserve_share", "seed_headroom_share", "seed_room_share"):
        if k in m:
            out[k] = _share(r, m[k][1], f"quotas.{k}", below_one=k != "seed_headroom_share")
    if "headroom_share" in out and "dr_reserve_share" in out and out["headroom_share"] + out["dr_reserve_share"] >= 1:
        raise r.fail(m["dr_reserve_share"][1], "quotas.dr_reserve_share",
                     "headroom_share and dr_reserve_share together must leave part of the cloud to allot")
    if "province_review_above" in m:
        out["province_review_above"] = _amounts(r, m["province_review_above"][1], "quotas.province_review_above",
                                                required, positive=False)
    if "phantom_size" in m:
        out["phantom_size"] = _amounts(r, m["phantom_size"][1], "quotas.phantom_size", required, positive=True)
    if "overcommit" in m:
        out["overcommit"] = _amounts(r, m["overcommit"][1], "quotas.overcommit", required, positive=True)
        node_map = r.mapping(m["overcommit"][1], "quotas.overcommit", QUOTA_RESOURCES, ())
        for k, v in out["overcommit"].items():
            if v < 1:
                raise r.fail(node_map[k][1], f"quotas.overcommit.{k}",
                             f"must be at least 1 (1: unused quota is fully reserved), got {v:g}")
    if "borrowing" in m:
        bm = r.mapping(m["borrowing"][1], "quotas.borrowing", BORROWING_FIELDS, BORROWING_FIELDS if required else ())
        borrowing: dict[str, Any] = {}
        for k, (_, v) in bm.items():
            f = f"quotas.borrowing.{k}"
            borrowing[k] = r.choice(v, f, COHORTS, "cohort") if k == "cohort" else _share(r, v, f, below_one=False)
        out["borrowing"] = borrowing
    if "max_expiry_days" in m:
        out["max_expiry_days"] = r.integer(m["max_expiry_days"][1], "quotas.max_expiry_days", 1)
    return out


def _merge_quotas(base: Quotas, changes: dict[str, Any] | None, source: str) -> Quotas:
    if not changes:
        return base
    flat = {k: v for k, v in changes.items()
            if k not in ("province_review_above", "phantom_size", "overcommit", "borrowing")}
    out = replace(base, **flat,
                  province_review_above=replace(base.province_review_above, **changes.get("province_review_above", {})),
                  phantom_size=replace(base.phantom_size, **changes.get("phantom_size", {})),
                  overcommit=replace(base.overcommit, **changes.get("overcommit", {})),
                  borrowing=replace(base.borrowing, **changes.get("borrowing", {})))
    if out.headroom_share + out.dr_reserve_share >= 1:
        raise PolicyError(source, None, "quotas.dr_reserve_share",
                          f"headroom_share {out.headroom_share:g} and dr_reserve_share {out.dr_reserve_share:g} together "
                          "must leave part of the cloud to allot")
    return out


def _auth(r: YamlReader, node: Node, required: bool) -> dict[str, Any]:
    """The `auth` section as field changes per subsection; a site names only what it changes."""
    m = r.mapping(node, "auth", AUTH_FIELDS, AUTH_FIELDS if required else ())
    out: dict[str, Any] = {}
    if "lockout" in m:
        lm = r.mapping(m["lockout"][1], "auth.lockout", LOCKOUT_FIELDS, LOCKOUT_FIELDS if required else ())
        out["lockout"] = {k: r.integer(v, f"auth.lockout.{k}", 1) for k, (_, v) in lm.items()}
    if "second_factor_roles" in m:
        v = m["second_factor_roles"][1]
        items = r.seq(v, "auth.second_factor_roles")  # [] is allowed: a lab without second factors
        roles: list[str] = []
        for i, item in enumerate(items):
            role = r.choice(item, f"auth.second_factor_roles[{i}]", ACCOUNT_ROLES, "role")
            if role not in roles:
                roles.append(role)
        out["second_factor_roles"] = tuple(roles)
    if "sessions" in m:
        sm = r.mapping(m["sessions"][1], "auth.sessions", SESSION_FIELDS, SESSION_FIELDS if required else ())
        out["sessions"] = {k: r.integer(v, f"auth.sessions.{k}", 1) for k, (_, v) in sm.items()}
        access = out["sessions"].get("access_minutes")
        if access is not None and access > 24 * 60:
            raise r.fail(sm["access_minutes"][1], "auth.sessions.access_minutes", f"must be <= 1440, got {access}")
    if "password" in m:
        pm = r.mapping(m["password"][1], "auth.password", PASSWORD_FIELDS, PASSWORD_FIELDS if required else ())
        rules: dict[str, Any] = {}
        for k, (_, v) in pm.items():
            f = f"auth.password.{k}"
            if k == "max_age_days":
                rules[k] = r.integer(v, f, 1, nullable=True)
            else:
                rules[k] = r.integer(v, f, {"min_length": 8, "min_classes": 1, "history": 0}[k])
            if k == "min_classes" and rules[k] > 4:
                raise r.fail(v, f, f"must be <= 4 (lowercase, uppercase, digits, others), got {rules[k]}")
        out["password"] = rules
    return out


def _merge_auth(base: Auth, changes: dict[str, Any] | None) -> Auth:
    if not changes:
        return base
    return Auth(lockout=replace(base.lockout, **changes.get("lockout", {})),
                second_factor_roles=changes.get("second_factor_roles", base.second_factor_roles),
                sessions=replace(base.sessions, **changes.get("sessions", {})),
                password=replace(base.password, **changes.get("password", {})))


def _watts(r: YamlReader, node: Node, field: str) -> Watts:
    m = r.mapping(node, field, WATTS_FIELDS, WATTS_FIELDS)
    idle = r.number(m["idle_w"][1], f"{field}.idle_w", 0)
    full = r.number(m["full_w"][1], f"{field}.full_w", 0)
    if full < idle:
        raise r.fail(m["full_w"][1], f"{field}.full_w", f"must be at least idle_w ({idle:g}), got {full:g}")
    return Watts(idle, full)


def _power(r: YamlReader, node: Node, required: bool) -> dict[str, Any]:
    """The `power` section as field changes; a site's `host_types` entries replace the default's per model."""
    m = r.mapping(node, "power", POWER_FIELDS, POWER_FIELDS if required else ())
    out: dict[str, Any] = {}
    if "host_types" in m:
        hnode = m["host_types"][1]
        if not isinstance(hnode, MappingNode):
            raise r.fail(hnode, "power.host_types", "must be a mapping of server model to {idle_w, full_w}")
        types: dict[str, Watts] = {}
        for knode, vnode in hnode.value:
            model = r.string(knode, "power.host_types")
            assert model is not None
            if model in types:
                raise r.fail(knode, f"power.host_types.{model}", "given twice")
            types[model] = _watts(r, vnode, f"power.host_types.{model}")
        out["host_types"] = types
    if "default" in m:
        out["default"] = _watts(r, m["default"][1], "power.default")
    if "tariff_yuan_per_kwh" in m:
        out["tariff_yuan_per_kwh"] = r.number(m["tariff_yuan_per_kwh"][1], "power.tariff_yuan_per_kwh", 0)
    if "hours_per_year" in m:
        hours = r.number(m["hours_per_year"][1], "power.hours_per_year", 0)
        if hours > 8784:
            raise r.fail(m["hours_per_year"][1], "power.hours_per_year", f"a year has at most 8784 hours, got {hours:g}")
        out["hours_per_year"] = hours
    if "minimise" in m:
        v = r.scalar(m["minimise"][1])
        if v not in MINIMISE:
            raise r.fail(m["minimise"][1], "power.minimise", f"must be one of {', '.join(MINIMISE)}, got {v!r}")
        out["minimise"] = v
    return out


def _merge_power(base: Power, changes: dict[str, Any] | None) -> Power:
    if not changes:
        return base
    types = {**base.host_types, **changes.get("host_types", {})}
    return replace(base, **{k: v for k, v in changes.items() if k != "host_types"}, host_types=types)


@dataclass
class _Parsed:
    """One file's sections; absent ones are None (the file does not change them)."""

    approvals: tuple[ApprovalRule, ...] | None = None
    separation_of_duties: dict[str, Any] | None = None
    auto_approve: tuple[AutoApprove, ...] | None = None
    execution: dict[str, Any] | None = None
    placement_rules: tuple[PlacementRule, ...] | None = None
    deny: tuple[DenyEntry, ...] | None = None
    fill_target: dict[str, float] | None = None
    dr: dict[str, Any] | None = None
    quotas: dict[str, Any] | None = None
    auth: dict[str, Any] | None = None
    power: dict[str, Any] | None = None


def _parse(text: str, file: str, is_default: bool) -> _Parsed:
    r = YamlReader(file)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark is not None else None
        raise PolicyError(file, line, None, f"not valid YAML: {e.problem or e.context}") from None
    except yaml.YAMLError as e:
        raise PolicyError(file, None, None, f"not valid YAML: {e}") from None
    out = _Parsed()
    if root is None:  # an empty file changes nothing
        if is_default:
            raise PolicyError(file, None, None, "the default policy is empty")
        return out
    try:
        if not isinstance(root, MappingNode):
            raise r.fail(root, None, f"the file must be a mapping of sections ({', '.join(SECTIONS)}), "
                                     f"got {_describe(root, r.scalar(root))}")
        sections = r.mapping(root, "", SECTIONS, SECTIONS if is_default else ())
        if "approvals" in sections:
            out.approvals = _approvals(r, sections["approvals"][1])
        if "separation_of_duties" in sections:
            out.separation_of_duties = _flags(r, sections["separation_of_duties"][1], "separation_of_duties",
                                              SOD_FIELDS, is_default)
        if "auto_approve" in sections:
            out.auto_approve = _auto_approve(r, sections["auto_approve"][1])
        if "execution" in sections:
            out.execution = _flags(r, sections["execution"][1], "execution", EXECUTION_FIELDS, is_default)
        if "placement" in sections:
            pnode = sections["placement"][1]
            if is_default:
                pm = r.mapping(pnode, "placement", ("rules", "deny", "fill_target"), ("rules", "deny", "fill_target"))
                out.placement_rules = _placement_rules(r, pm["rules"][1])
            else:
                if isinstance(pnode, MappingNode):
                    for knode, _ in pnode.value:
                        if r.scalar(knode) not in ("deny", "fill_target"):
                            raise r.fail(knode, f"placement.{r.scalar(knode)}",
                                         "a site may not change the placement rules; it may only add "
                                         "placement.deny entries and set placement.fill_target")
                pm = r.mapping(pnode, "placement", ("deny", "fill_target"))
            if "deny" in pm:
                out.deny = _deny(r, pm["deny"][1])
            if "fill_target" in pm:
                out.fill_target = _fill_target(r, pm["fill_target"][1])
        if "dr" in sections:
            out.dr = _dr(r, sections["dr"][1], is_default)
        if "quotas" in sections:
            out.quotas = _quotas(r, sections["quotas"][1], is_default)
        if "auth" in sections:
            out.auth = _auth(r, sections["auth"][1], is_default)
        if "power" in sections:
            out.power = _power(r, sections["power"][1], is_default)
    except yaml.YAMLError as e:  # e.g. a scalar YAML cannot construct (bad timestamp)
        mark = getattr(e, "problem_mark", None)
        raise PolicyError(file, mark.line + 1 if mark else None, None, f"not valid YAML: {e}") from None
    return out


def _read(path: Path, name: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise PolicyError(name, None, None, f"cannot read the policy file: {e}") from None


def _merge(base: Policy, p: _Parsed, source: str) -> Policy:
    placement = base.placement
    if p.placement_rules is not None:
        placement = replace(placement, rules=p.placement_rules)
    if p.deny is not None:
        placement = replace(placement, deny=p.deny)
    if p.fill_target is not None:  # a site's targets replace the resources they name
        placement = replace(placement, fill_target=tuple({**placement.fill_targets(), **p.fill_target}.items()))
    return Policy(
        approvals=base.approvals if p.approvals is None else p.approvals,
        separation_of_duties=replace(base.separation_of_duties, **(p.separation_of_duties or {})),
        auto_approve=base.auto_approve if p.auto_approve is None else p.auto_approve,
        execution=replace(base.execution, **(p.execution or {})),
        placement=placement,
        sources=(*base.sources, source),
        dr=_merge_dr(base.dr, p.dr),
        quotas=_merge_quotas(base.quotas, p.quotas, source),
        auth=_merge_auth(base.auth, p.auth),
        power=_merge_power(base.power, p.power),
    )


@lru_cache(maxsize=1)
def default_policy() -> Policy:
    """The shipped policy (policies/default.yaml), parsed once; `Policy` is frozen, so sharing is safe."""
    name = DEFAULT_FILE.name
    parsed = _parse(_read(DEFAULT_FILE, name), name, is_default=True)
    empty = Policy((), SeparationOfDuties(), (), Execution(), Placement(()), ())
    return _merge(empty, parsed, f"policies/{name}")


def parse_policy(text: str, name: str = "<policy>", base: Policy | None = None) -> Policy:
    """A site policy given as text (named `name` in errors), applied on top of `base` (the default)."""
    return _merge(base or default_policy(), _parse(text, name, is_default=False), name)


def load_policy(site_file: Path | str | None = None) -> Policy:
    """The effective policy: the default, then `site_file` on top of it (if given).

    Raises `PolicyError` naming the file, line and field for anything malformed.
    """
    if site_file is None:
        return default_policy()
    path = Path(site_file)
    name = str(site_file)
    return parse_policy(_read(path, name), name)
