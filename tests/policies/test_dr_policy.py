"""The `dr` section: restart-time model, backup reserve, drill runbook and real failover, strictly loaded."""

from __future__ import annotations

import textwrap

import pytest

from policies import PolicyError, default_policy, parse_policy


def _site(text: str):  # type: ignore[no-untyped-def]
    return parse_policy(textwrap.dedent(text).removeprefix("\n"), "site.yaml")


def test_default_dr_section() -> None:
    dr = default_policy().dr
    assert (dr.restart_minutes.base, dr.restart_minutes.per_vcpu, dr.restart_minutes.per_100_gib_storage) == (2, 0.1, 0.5)
    assert dr.backup_reserve_share == 0.1
    assert set(dr.drill_runbook.live_roles) == {"dr-coordinator", "province-operator"}
    assert dr.drill_runbook.auto_approve_drill_plans is True and dr.drill_runbook.failback == "auto"
    assert set(dr.real_failover.declare_roles) == {"dr-coordinator", "province-operator"}
    # 8 vCPU and 200 GiB: 2 + 0.8 + 1.0 minutes
    assert dr.restart_minutes.minutes({"vcpu": 8, "storage_gib": 200}) == pytest.approx(3.8)
    assert default_policy().to_dict()["dr"]["restart_minutes"] == {"base": 2.0, "per_vcpu": 0.1, "per_100_gib_storage": 0.5}


def test_site_changes_only_the_dr_fields_it_names() -> None:
    p = _site("""
        dr:
          restart_minutes: {per_vcpu: 0.25}
          drill_runbook: {failback: propose}
        """)
    assert p.dr.restart_minutes.per_vcpu == 0.25 and p.dr.restart_minutes.base == 2
    assert p.dr.drill_runbook.failback == "propose" and p.dr.drill_runbook.auto_approve_drill_plans is True
    assert p.dr.backup_reserve_share == 0.1 and p.dr.real_failover == default_policy().dr.real_failover
    assert p.execution == default_policy().execution


@pytest.mark.parametrize(("text", "line", "field", "words"), [
    ("dr:\n  restart_minutes: {per_cpu: 1}\n", 2, "dr.restart_minutes.per_cpu", "unknown key"),
    ("dr:\n  restart_minutes:\n    base: -1\n", 3, "dr.restart_minutes.base", "must be >= 0"),
    ("dr:\n  restart_minutes:\n    base: fast\n", 3, "dr.restart_minutes.base", "must be a number"),
    ("dr:\n  backup_reserve_share: 1.5\n", 2, "dr.backup_reserve_share", "below 1"),
    ("dr:\n  drill_runbook:\n    live_roles: [mayor]\n", 3, "dr.drill_runbook.live_roles[0]", "unknown role 'mayor'"),
    ("dr:\n  drill_runbook:\n    live_roles: []\n", 3, "dr.drill_runbook.live_roles", "must not be empty"),
    ("dr:\n  drill_runbook:\n    auto_approve_drill_plans: yes please\n", 3,
     "dr.drill_runbook.auto_approve_drill_plans", "true or false"),
    ("dr:\n  drill_runbook:\n    failback: never\n", 3, "dr.drill_runbook.failback", "'auto' or 'propose'"),
    ("dr:\n  real_failover:\n    declare_roles: [auditor, nobody]\n", 3, "dr.real_failover.declare_roles[1]",
     "unknown role"),
    ("dr:\n  real_failover: {approve_roles: [dr-coordinator]}\n  real_failover: {}\n", 3, "dr.real_failover",
     "given twice"),
    ("dr: 5\n", 1, "dr", "must be a mapping"),
])
def test_malformed_dr_section_names_line_and_field(text: str, line: int, field: str, words: str) -> None:
    with pytest.raises(PolicyError) as e:
        parse_policy(text, "site.yaml")
    assert e.value.line == line and e.value.field == field and words in str(e.value), str(e.value)
    assert str(e.value).startswith(f"site.yaml line {line}: {field}: ")
