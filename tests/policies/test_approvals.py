"""Who must approve which move, who may approve what, separation of duties and auto-approval."""

from __future__ import annotations

from pathlib import Path

import pytest

from optimizer.fleet import Fleet
from policies import (
    ApprovalError,
    ApprovalScope,
    CloudRef,
    Policy,
    approvable_by,
    approval_complete,
    auto_approvable,
    can_approve,
    parse_policy,
    required_approvals,
    scopes_for_move,
)

PROVINCE = ApprovalScope("province")
GY = ApprovalScope("city", "gy")
ZY = ApprovalScope("city", "zy")
EDU = ApprovalScope("industry", "edu")


def one(policy: Policy, clouds: dict[str, CloudRef], move: tuple[str | None, str]) -> tuple[str, list[str]]:
    name, reason, scopes = scopes_for_move(policy, clouds, move)
    assert reason
    return name, [s.key for s in scopes]


# ---------------------------------------------------------------- every approval rule


@pytest.mark.parametrize("move,rule,scopes", [
    (("gy", "gy"), "within-city", ["city:gy"]),
    ((None, "gy"), "within-city", ["city:gy"]),  # a new placement inside a city
    (("zy", "zy"), "within-city", ["city:zy"]),
    (("edu", "edu"), "within-industry", ["industry:edu"]),
    ((None, "edu"), "within-industry", ["industry:edu"]),
    (("gy", "zy"), "cross-cloud", ["province"]),
    (("gy", "edu"), "cross-cloud", ["province"]),
    (("edu", "health"), "cross-cloud", ["province"]),
    (("gy", "gz-gov"), "province-cloud", ["province"]),  # onto the province cloud
    (("gz-gov", "gy"), "province-cloud", ["province"]),  # off it
    ((None, "gz-gov"), "province-cloud", ["province"]),
    (("gz-gov", "gz-gov"), "province-cloud", ["province"]),
    (("gy", "gz-backup"), "backup-node", ["province"]),  # onto the backup node (failover restart from gy)
    (("gz-backup", "gy"), "backup-node", ["province"]),  # off it (fail back)
    ((None, "gz-backup"), "backup-node", ["province"]),  # a new dr-replica
    (("gz-gov", "gz-backup"), "backup-node", ["province"]),  # first match wins
])
def test_each_default_rule(policy: Policy, clouds: dict[str, CloudRef], move: tuple[str | None, str], rule: str,
                           scopes: list[str]) -> None:
    assert one(policy, clouds, move) == (rule, scopes)


def test_accepts_the_optimizers_clouds(policy: Policy, fleet: Fleet) -> None:
    assert one(policy, fleet.cloud_by_id, ("gy", "gy")) == ("within-city", ["city:gy"])
    assert one(policy, fleet.cloud_by_id, ("gy", "gz-backup")) == ("backup-node", ["province"])


def test_plan_inside_one_city_needs_only_that_city(policy: Policy, clouds: dict[str, CloudRef]) -> None:
    req = required_approvals(policy, clouds, [("gy", "gy"), (None, "gy"), ("gy", "gy")])
    assert [r.key for r in req] == ["city:gy"]
    assert req[0].rules == ("within-city",) and req[0].moves == (0, 1, 2)
    assert "city" in req[0].reasons[0]
    assert req[0].to_dict() == {"scope": "city:gy", "rules": ["within-city"], "reasons": list(req[0].reasons),
                                "moves": [0, 1, 2]}


def test_multi_scope_plan_needs_each_scope_once(policy: Policy, clouds: dict[str, CloudRef]) -> None:
    moves = [("edu", "edu"), ("gy", "gy"), ("gy", "gz-gov"), ("zy", "gz-backup"), ("zy", "zy"), (None, "gy")]
    req = required_approvals(policy, clouds, moves)
    assert [r.key for r in req] == ["province", "city:gy", "city:zy", "industry:edu"]  # province first
    prov = req[0]
    assert prov.rules == ("province-cloud", "backup-node") and prov.moves == (2, 3)
    assert len(prov.reasons) == 2
    assert req[1].moves == (1, 5)


def test_no_moves_no_approvals(policy: Policy, clouds: dict[str, CloudRef]) -> None:
    assert required_approvals(policy, clouds, []) == []
    assert approval_complete(policy, [], [], "alice").complete


def test_unknown_cloud_or_move_to_nowhere_is_refused(policy: Policy, clouds: dict[str, CloudRef]) -> None:
    with pytest.raises(ApprovalError, match=r"moves\[1\]: unknown cloud 'mars'"):
        required_approvals(policy, clouds, [("gy", "gy"), ("gy", "mars")])
    with pytest.raises(ApprovalError, match="never goes to null"):
        required_approvals(policy, clouds, [("gy", None)])  # type: ignore[list-item]


def test_site_rules_replace_the_default(clouds: dict[str, CloudRef]) -> None:
    p = parse_policy("""
approvals:
  - name: gy-datacentre-2
    match: {touches_cloud: [gy]}
    approver: province
    reason: gy's second hall is being commissioned
  - name: both-ends
    match: {crosses_clouds: true}
    approver: own-cloud
    reason: both cities agree
  - name: new-in-zy
    match: {crosses_clouds: false, within_kind: city}
    approver: own-cloud
    reason: zy decides
""", "site.yaml")
    assert one(p, clouds, ("gy", "gy")) == ("gy-datacentre-2", ["province"])
    assert one(p, clouds, ("zy", "edu")) == ("both-ends", ["city:zy", "industry:edu"])
    assert one(p, clouds, ("zy", "gz-gov")) == ("both-ends", ["city:zy", "province"])
    assert one(p, clouds, (None, "zy")) == ("new-in-zy", ["city:zy"])
    # no rule matches a move inside an industry cloud: the province centre decides (fail closed)
    name, reason, scopes = scopes_for_move(p, clouds, ("edu", "edu"))
    assert (name, [s.key for s in scopes]) == ("no-rule-matched", ["province"]) and "province" in reason


# ---------------------------------------------------------------- can_approve


@pytest.mark.parametrize("role,user_scope,scope,ok", [
    ("province-operator", None, "province", True),
    ("province-operator", None, "city:gy", False),
    ("province-operator", None, "industry:edu", False),
    ("city-operator", "gy", "city:gy", True),
    ("city-operator", "gy", "city:zy", False),  # gy's operator cannot approve zy's scope
    ("city-operator", "zy", "city:zy", True),
    ("city-operator", "gy", "province", False),
    ("city-operator", "edu", "industry:edu", False),  # wrong role for an industry scope
    ("city-operator", None, "city:gy", False),
    ("industry-operator", "edu", "industry:edu", True),
    ("industry-operator", "edu", "industry:health", False),
    ("industry-operator", "gy", "city:gy", False),
    ("industry-operator", "edu", "province", False),
    ("department-admin", "gy-education", "city:gy", False),  # a department admin can never approve
    ("department-admin", "gy", "city:gy", False),
    ("department-admin", None, "province", False),
    ("dr-coordinator", None, "province", False),
    ("dr-coordinator", None, "city:gy", False),
    ("auditor", None, "province", False),
    ("auditor", None, "industry:edu", False),
    ("nobody", None, "province", False),
])
def test_can_approve_every_role(policy: Policy, role: str, user_scope: str | None, scope: str, ok: bool) -> None:
    assert can_approve(policy, role, user_scope, scope) is ok
    assert can_approve(policy, role, user_scope, ApprovalScope.parse(scope)) is ok


def test_approvable_by_lists_the_users_share(policy: Policy, clouds: dict[str, CloudRef]) -> None:
    req = required_approvals(policy, clouds, [("gy", "gy"), ("gy", "zy"), ("edu", "edu")])
    assert approvable_by(policy, "city-operator", "gy", req) == [GY]
    assert approvable_by(policy, "province-operator", None, req) == [PROVINCE]
    assert approvable_by(policy, "city-operator", "zy", req) == []
    assert approvable_by(policy, "department-admin", "gy-education", req) == []


def test_scope_keys_round_trip() -> None:
    for key in ("province", "city:gy", "industry:edu"):
        assert ApprovalScope.parse(key).key == key == str(ApprovalScope.parse(key))
    for bad in ("city", "county:x", "industry:", ""):
        with pytest.raises(ApprovalError):
            ApprovalScope.parse(bad)


# ---------------------------------------------------------------- separation of duties

GY_OP = ("li", "city-operator", "gy")
ZY_OP = ("wang", "city-operator", "zy")
PROV_OP = ("zhang", "province-operator", None)
EDU_OP = ("chen", "industry-operator", "edu")


def test_proposer_may_approve_a_plan_only_in_its_own_city(policy: Policy) -> None:
    st = approval_complete(policy, [GY], [GY_OP], proposer="li")
    assert st.complete and st.missing == () and "city:gy by li" in st.reason
    complete, missing, reason = st  # unpacks as (bool, missing scopes, reason)
    assert complete


def test_own_approval_does_not_count_when_the_policy_says_so(tmp_path: Path) -> None:
    p = parse_policy("separation_of_duties: {proposer_may_approve_own_scope: false}\n", "site.yaml")
    st = approval_complete(p, [GY], [GY_OP], proposer="li")
    assert not st.complete and st.missing == (GY,)
    assert "own approval does not count" in st.reason
    other_gy = ("zhao", "city-operator", "gy")
    assert approval_complete(p, [GY], [GY_OP, other_gy], proposer="li").complete


def test_multi_scope_plan_needs_every_scope(policy: Policy) -> None:
    req = [PROVINCE, GY, EDU]
    st = approval_complete(policy, req, [GY_OP], proposer="li")
    assert not st.complete and st.missing == (PROVINCE, EDU)
    assert st.reason == "waiting for approval from province, industry:edu"
    st = approval_complete(policy, req, [GY_OP, PROV_OP], proposer="li")
    assert st.missing == (EDU,)
    st = approval_complete(policy, req, [GY_OP, PROV_OP, EDU_OP], proposer="li")
    assert st.complete and "province by zhang" in st.reason


def test_approvals_from_the_wrong_scope_do_not_count(policy: Policy) -> None:
    st = approval_complete(policy, [ZY], [GY_OP, ("d", "department-admin", "zy-health"), ("a", "auditor", None)],
                           proposer="x")
    assert not st.complete and st.missing == (ZY,)
    assert approval_complete(policy, [ZY], [ZY_OP], proposer="x").complete


def test_proposer_cannot_be_the_only_approver_of_a_multi_scope_plan(policy: Policy) -> None:
    """The same person may appear with two roles (approvals keep the role held at the time)."""
    approvals = [("li", "city-operator", "gy"), ("li", "province-operator", None)]
    st = approval_complete(policy, [PROVINCE, GY], approvals, proposer="li")
    assert not st.complete
    assert set(st.missing) == {PROVINCE, GY}
    assert "someone other than its proposer li" in st.reason
    # one approval from someone else completes it
    assert approval_complete(policy, [PROVINCE, GY], [*approvals, PROV_OP], proposer="li").complete
    # a plan proposed by someone else, approved by li in both roles: complete
    assert approval_complete(policy, [PROVINCE, GY], approvals, proposer="zhang").complete


def test_multi_scope_rule_can_be_switched_off() -> None:
    p = parse_policy("separation_of_duties: {multi_scope_needs_other_approver: false}\n", "site.yaml")
    approvals = [("li", "city-operator", "gy"), ("li", "province-operator", None)]
    assert approval_complete(p, [PROVINCE, GY], approvals, proposer="li").complete


def test_the_proposer_shares_a_multi_scope_plan(policy: Policy) -> None:
    """gy's operator proposes a plan that also needs the province: its own approval covers gy."""
    st = approval_complete(policy, [PROVINCE, GY], [GY_OP, PROV_OP], proposer="li")
    assert st.complete


def test_required_approvals_feed_approval_complete(policy: Policy, clouds: dict[str, CloudRef]) -> None:
    req = required_approvals(policy, clouds, [("gy", "gy"), ("gy", "gz-gov")])
    assert not approval_complete(policy, req, [GY_OP], proposer="li").complete
    assert approval_complete(policy, req, [GY_OP, PROV_OP], proposer="li").complete
    assert approval_complete(policy, [r.key for r in req], [GY_OP, PROV_OP], proposer="li").complete


# ---------------------------------------------------------------- auto-approval


def test_nothing_is_auto_approved_by_default(policy: Policy) -> None:
    assert not auto_approvable(policy, "gy", "rebalance", 1)
    assert not auto_approvable(policy, "all", "rebalance", 0)


def test_auto_approve_entries() -> None:
    p = parse_policy("""
auto_approve:
  - {scope: gy, kinds: [rebalance], max_moves: 10}
  - {scope: edu, kinds: [drain, place-pending], max_moves: null}
  - {scope: all, kinds: [place-pending], max_moves: 5}
""", "site.yaml")
    assert auto_approvable(p, "gy", "rebalance", 10)
    assert not auto_approvable(p, "gy", "rebalance", 11)  # over the budget
    assert not auto_approvable(p, "gy", "drain", 1)  # another kind
    assert not auto_approvable(p, "zy", "rebalance", 1)  # another scope
    assert auto_approvable(p, "edu", "drain", 10_000)  # null: no limit
    assert auto_approvable(p, "all", "place-pending", 5)
    assert not auto_approvable(p, "all", "rebalance", 1)


def test_auto_approval_never_covers_the_province_for_a_city_entry(clouds: dict[str, CloudRef]) -> None:
    p = parse_policy("""
auto_approve:
  - {scope: gy, kinds: [rebalance], max_moves: 10}
  - {scope: all, kinds: [place-pending], max_moves: 10}
""", "site.yaml")
    inside = required_approvals(p, clouds, [("gy", "gy"), (None, "gy")])
    overflow = required_approvals(p, clouds, [("gy", "gy"), ("gy", "gz-gov")])
    assert auto_approvable(p, "gy", "rebalance", 2, inside)
    assert not auto_approvable(p, "gy", "rebalance", 2, overflow)  # the province centre must still approve
    assert auto_approvable(p, "all", "place-pending", 2, overflow)
