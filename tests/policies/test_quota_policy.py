"""The `quotas` policy section: defaults, a site's changes, and refusals naming file, line and field."""

from __future__ import annotations

import pytest

from policies import PolicyError, default_policy, parse_policy


def test_defaults() -> None:
    q = default_policy().quotas
    assert q.headroom_share == 0.1 and q.borrowing.cohort == "cloud"
    assert q.province_review_above.vcpu == 64
    assert default_policy().to_dict()["quotas"]["borrowing"]["lending_limit_share"] == 0.8


def test_site_changes_only_what_it_names() -> None:
    p = parse_policy("quotas:\n  borrowing: {cohort: parent}\n  province_review_above: {vcpu: 32}\n", "site.yaml")
    assert p.quotas.borrowing.cohort == "parent" and p.quotas.borrowing.borrowing_limit_share == 0.5
    assert p.quotas.province_review_above.vcpu == 32 and p.quotas.province_review_above.memory_gib == 256
    assert p.approvals == default_policy().approvals


@pytest.mark.parametrize("text, line, field", [
    ("quotas:\n  headroom_share: 1.5\n", 2, "quotas.headroom_share"),
    ("quotas:\n  headroom_share: -0.1\n", 2, "quotas.headroom_share"),
    ("quotas:\n  borrowing:\n    cohort: town\n", 3, "quotas.borrowing.cohort"),
    ("quotas:\n  borrowing:\n    lending_limit_share: 2\n", 3, "quotas.borrowing.lending_limit_share"),
    ("quotas:\n  phantom_size: {vcpu: 0}\n", 2, "quotas.phantom_size.vcpu"),
    ("quotas:\n  province_review_above: {cpu: 3}\n", 2, "quotas.province_review_above.cpu"),
    ("quotas:\n  max_expiry_days: 0\n", 2, "quotas.max_expiry_days"),
    ("quotas:\n  headroom_share: 0.1\n  headroom_share: 0.2\n", 3, "quotas.headroom_share"),
    ("quotas:\n  mayor: yes\n", 2, "quotas.mayor"),
])
def test_refusals_name_line_and_field(text: str, line: int, field: str) -> None:
    with pytest.raises(PolicyError) as e:
        parse_policy(text, "site.yaml")
    assert e.value.file == "site.yaml" and e.value.line == line and e.value.field == field, str(e.value)


def test_shares_that_leave_nothing_are_refused() -> None:
    with pytest.raises(PolicyError) as e:
        parse_policy("quotas: {headroom_share: 0.5, dr_reserve_share: 0.5}\n", "site.yaml")
    assert e.value.field == "quotas.dr_reserve_share"


def test_overcommit_defaults_and_refusals() -> None:
    q = default_policy().quotas
    assert q.overcommit.vcpu == 1.5 and q.overcommit.gpu == 1 and 0 < q.seed_room_share < 1
    p = parse_policy("quotas:\n  overcommit: {vcpu: 2}\n", "site.yaml")
    assert p.quotas.overcommit.vcpu == 2 and p.quotas.overcommit.memory_gib == q.overcommit.memory_gib
    for text, field in (("quotas:\n  overcommit: {vcpu: 0.5}\n", "quotas.overcommit.vcpu"),
                        ("quotas:\n  seed_room_share: 1.5\n", "quotas.seed_room_share")):
        with pytest.raises(PolicyError) as e:
            parse_policy(text, "site.yaml")
        assert e.value.field == field and e.value.line == 2, str(e.value)
