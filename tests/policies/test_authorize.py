"""The one permission table: every action says why it refuses, and the reach decisions the scheduler's
filters take from it are the ones its role comparisons used to make (one row per role and decision)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from policies.authorize import ACTIONS, DENIED, authorize, may

ROLES = ("province-operator", "city-operator", "industry-operator", "department-admin", "dr-coordinator", "auditor",
         "data-authority", "system")


@dataclass(frozen=True)
class Who:
    role: str
    scope: str | None = None


def test_every_action_has_its_refusal_and_an_unknown_action_is_an_error() -> None:
    assert set(ACTIONS) == set(DENIED)
    with pytest.raises(KeyError):
        authorize(Who("province-operator"), "plans.fly")


@pytest.mark.parametrize(("action", "allowed"), [
    ("catalog.maintain_any", {"data-authority", "system"}),
    ("catalog.maintain_own", {"department-admin"}),
    ("catalog.read_all", {"data-authority", "province-operator"}),
    ("catalog.compliance", {"data-authority", "province-operator", "department-admin"}),
    ("objections.answer", {"department-admin"}),
    ("objections.close", {"data-authority"}),
    ("sharing.request", {"department-admin"}),
    ("sharing.approve_authority", {"data-authority"}),
    ("plans.read_all", {"province-operator", "dr-coordinator"}),
    ("plans.read_fleet", {"province-operator", "dr-coordinator", "system"}),
    ("hosts.read_all", {"province-operator", "dr-coordinator"}),
    ("jobs.read_all", {"province-operator"}),
    ("jobs.create", {"province-operator", "city-operator", "industry-operator", "department-admin"}),
    ("jobs.use", {"province-operator", "city-operator", "industry-operator", "department-admin", "data-authority"}),
    ("quotas.read_all", {"province-operator", "dr-coordinator"}),
    ("drills.read_all", {"province-operator", "dr-coordinator"}),
])
def test_who_reaches_what(action: str, allowed: set[str]) -> None:
    assert {r for r in ROLES if may(Who(r), action)} == allowed


def test_the_auditor_may_read_the_audit_trail_and_nothing_else() -> None:
    """三权分立: the auditor reads, verifies and exports the audit; every other action refuses it."""
    assert [a for a in ACTIONS if may(Who("auditor"), a)] == ["audit.read"]


def test_a_scoped_role_proposes_only_within_its_own_cloud() -> None:
    assert authorize(Who("city-operator", "gy"), "plans.propose", "gy").allowed
    refused = authorize(Who("city-operator", "gy"), "plans.propose", "zy")
    assert (refused.allowed, refused.field) == (False, "scope") and "zy" in refused.reason
    assert authorize(Who("province-operator"), "plans.propose", "all").allowed
    assert not authorize(Who("dr-coordinator"), "plans.propose", "all").allowed
