"""Explain: every cloud-level placement rule and the site's deny entries, with messages an operator can read."""

from __future__ import annotations

import json
from typing import Any

import pytest

from optimizer.fleet import Fleet, parse_fleet
from optimizer.rules import Rules
from policies import Explainer, ExplainError, Policy, eligible_clouds, explain, parse_policy


def check(policy: Policy, fleet: Any, wid: str, cid: str, rule: str, failover: bool = False) -> tuple[bool, str]:
    e = explain(policy, fleet, wid, cid, failover)
    found = [c for c in e.checks if c.rule == rule]
    assert len(found) == 1, e.checks
    return found[0].passed, found[0].message


def test_every_cloud_rule_and_the_deny_entries_are_reported(policy: Policy, fleet: Fleet) -> None:
    cloud_rules = [r.id for r in policy.placement.rules if r.applies_to == "cloud"]
    assert cloud_rules == ["classified", "home-or-province", "backup-only-dr", "mlps", "failed-cloud", "pinned"]
    for w in fleet.workloads:
        for c in fleet.clouds:
            e = explain(policy, fleet, w.id, c.id)
            assert [ch.rule for ch in e.checks] == [*cloud_rules, "deny"]
            assert e.allowed == all(ch.passed for ch in e.checks)
            assert all(ch.message for ch in e.checks)


def test_home_cloud_and_province_overflow(policy: Policy, fleet: Fleet) -> None:
    assert explain(policy, fleet, "w-000017", "gy").allowed
    ok, msg = check(policy, fleet, "w-000017", "gy", "home-or-province")
    assert ok and msg.endswith("gy is its home cloud")
    ok, msg = check(policy, fleet, "w-000017", "gz-gov", "home-or-province")
    assert ok and msg.endswith("gz-gov is the province cloud (upward overflow)")
    e = explain(policy, fleet, "w-000017", "zy")
    assert not e.allowed
    assert [c.rule for c in e.refusals] == ["home-or-province"]
    assert e.refusals[0].message == ("w-000017 (tier county, guiyang) may run on its home cloud gy or the province "
                                     "cloud gz-gov; zy is another city's cloud (zunyi)")
    assert e.summary.startswith("w-000017 may not run on zy: home-or-province: ")


def test_another_industrys_cloud_and_city_on_industry(policy: Policy, fleet: Fleet) -> None:
    ok, msg = check(policy, fleet, "w-000017", "edu", "home-or-province")
    assert not ok and msg.endswith("edu is an industry cloud (education) and w-000017 belongs to no industry")
    # an industry workload's home is its industry's cloud, whatever its tier and city
    assert explain(policy, fleet, "w-edu", "edu").allowed
    assert explain(policy, fleet, "w-edu", "gz-gov").allowed
    ok, msg = check(policy, fleet, "w-edu", "gy", "home-or-province")
    assert not ok
    assert msg == ("w-edu (tier city, guiyang, industry education) may run on its home cloud edu or the province "
                   "cloud gz-gov; gy is a city cloud (guiyang), not its industry's cloud")
    ok, msg = check(policy, fleet, "w-edu", "health", "home-or-province")
    assert not ok and msg.endswith("health is another industry's cloud (health)")


def test_province_tier_lives_on_the_province_cloud(policy: Policy, fleet: Fleet) -> None:
    ok, msg = check(policy, fleet, "w-prov", "gy", "home-or-province")
    assert not ok and msg.startswith("w-prov (tier province) may run on its home cloud, the province cloud gz-gov")
    assert eligible_clouds(policy, fleet, "w-prov") == ["gz-gov"]


def test_no_home_cloud_in_the_fleet(policy: Policy, fleet: Fleet) -> None:
    ok, msg = check(policy, fleet, "w-orphan", "gz-gov", "home-or-province")
    assert ok and "has no home cloud in this fleet (no cloud for city anshun)" in msg
    assert eligible_clouds(policy, fleet, "w-orphan") == ["gz-gov"]


def test_classified_is_never_placed(policy: Policy, fleet: Fleet) -> None:
    e = explain(policy, fleet, "w-secret", "gy")
    assert not e.allowed and [c.rule for c in e.refusals] == ["classified"]
    assert e.refusals[0].message == "w-secret is a classified system; classified systems are never placed on these clouds"
    assert check(policy, fleet, "w-000017", "gy", "classified") == (True, "w-000017 is internal, not classified")
    assert eligible_clouds(policy, fleet, "w-secret") == []


def test_backup_only_for_replicas(policy: Policy, fleet: Fleet) -> None:
    ok, msg = check(policy, fleet, "w-replica", "gz-backup", "backup-only-dr")
    assert ok and msg == "w-replica is a dr-replica; replicas may run on the backup node gz-backup"
    assert eligible_clouds(policy, fleet, "w-replica") == ["gy", "gz-gov", "gz-backup"]
    e = explain(policy, fleet, "w-000017", "gz-backup")
    assert not e.allowed and [c.rule for c in e.refusals] == ["backup-only-dr"]
    assert e.refusals[0].message == ("the backup node gz-backup takes only dr-replica workloads and, in failover, the "
                                     "DR-protected workloads of failed clouds; w-000017 is a primary that runs on gy, "
                                     "which has not failed")
    assert check(policy, fleet, "w-000017", "gz-gov", "backup-only-dr") == (True, "gz-gov is not the backup node")
    ok, msg = check(policy, fleet, "w-mlps3", "gz-backup", "backup-only-dr")
    assert not ok and msg.endswith("w-mlps3 is a primary that has no host yet")


def test_failover_question_assumes_the_current_cloud_failed(policy: Policy, fleet: Fleet) -> None:
    e = explain(policy, fleet, "w-000017", "gz-backup", failover=True)
    assert e.allowed and e.failover
    ok, msg = check(policy, fleet, "w-000017", "gz-backup", "backup-only-dr", failover=True)
    assert msg == ("w-000017 is DR-protected and its cloud gy has failed (assumed for this failover question); it may "
                   "restart on the backup node gz-backup")
    ok, msg = check(policy, fleet, "w-000017", "gy", "failed-cloud", failover=True)
    assert not ok and msg == "gy has failed (assumed for this failover question); its hosts are gone"
    assert eligible_clouds(policy, fleet, "w-000017", failover=True) == ["gz-gov", "gz-backup"]


def test_failed_clouds_of_the_fleet(policy: Policy, doc: dict[str, Any]) -> None:
    doc["failed_clouds"] = ["gy", "zy"]
    fleet = parse_fleet(doc)
    ok, msg = check(policy, fleet, "w-000017", "gy", "failed-cloud")
    assert not ok and msg == "gy has failed; its hosts are gone"
    assert eligible_clouds(policy, fleet, "w-000017") == ["gz-gov", "gz-backup"]
    # an unprotected workload of a failed cloud is restarted nowhere
    for c in fleet.clouds:
        e = explain(policy, fleet, "w-unprot", c.id)
        assert not e.allowed
    ok, msg = check(policy, fleet, "w-unprot", "gz-gov", "failed-cloud")
    assert not ok and msg == "w-unprot's cloud zy has failed and w-unprot is not DR-protected, so it is not restarted anywhere"
    ok, msg = check(policy, fleet, "w-unprot", "gz-backup", "backup-only-dr")
    assert not ok and msg.endswith("w-unprot's cloud zy has failed but w-unprot is not DR-protected")
    assert eligible_clouds(policy, fleet, "w-unprot") == []
    # a healthy cloud's workload is not affected
    assert check(policy, fleet, "w-edu", "edu", "failed-cloud") == (True, "edu has not failed")


def test_mlps_level(policy: Policy, fleet: Fleet) -> None:
    e = explain(policy, fleet, "w-mlps3", "zy")
    assert not e.allowed and [c.rule for c in e.refusals] == ["mlps"]
    assert e.refusals[0].message == "zy has MLPS level 2, below w-mlps3's required level 3"
    assert check(policy, fleet, "w-mlps3", "gz-gov", "mlps") == (True, "gz-gov has MLPS level 3, at least w-mlps3's level 3")
    assert eligible_clouds(policy, fleet, "w-mlps3") == ["gz-gov"]


def test_pinned_stays(policy: Policy, doc: dict[str, Any]) -> None:
    fleet = parse_fleet(doc)
    e = explain(policy, fleet, "w-pinned", "gz-gov")
    assert not e.allowed and [c.rule for c in e.refusals] == ["pinned"]
    assert e.refusals[0].message == "w-pinned is pinned to host gy-h1 on gy; it stays there"
    assert check(policy, fleet, "w-pinned", "gy", "pinned") == (True, "w-pinned is pinned to host gy-h1 on gy")
    assert eligible_clouds(policy, fleet, "w-pinned") == ["gy"]
    # the pin of a workload on a failed cloud does not hold
    doc["failed_clouds"] = ["gy"]
    failed = parse_fleet(doc)
    ok, msg = check(policy, failed, "w-pinned", "gz-gov", "pinned")
    assert ok and msg == "w-pinned is pinned to gy-h1, but gy has failed, so the pin does not hold"


def test_site_deny_entries(fleet: Fleet) -> None:
    p = parse_policy("""
placement:
  deny:
    - {department: huaxi-edu-bureau, cloud: gz-gov, reason: its data-sharing agreement covers gy only}
    - {workload: w-edu, cloud: gz-gov, reason: exam systems stay on edu during the gaokao}
    - {cloud: health, reason: health cloud closed for migration}
""", "site.yaml")
    e = explain(p, fleet, "w-000017", "gz-gov")
    assert not e.allowed and [c.rule for c in e.refusals] == ["deny"]
    assert e.refusals[0].message == ("the site denies department huaxi-edu-bureau on cloud gz-gov: its data-sharing "
                                     "agreement covers gy only")
    # what the entry covers is a message of its own, so the whole refusal reads in Chinese too
    from scheduler.core.messages import text

    zh = text(e.refusals[0].said.code, e.refusals[0].said.params, "zh-CN")
    assert "department" not in zh and "huaxi-edu-bureau" in zh and "its data-sharing agreement covers gy only" in zh, zh
    assert eligible_clouds(p, fleet, "w-000017") == ["gy"]
    assert explain(p, fleet, "w-prov", "gz-gov").allowed  # another department
    assert check(p, fleet, "w-prov", "gz-gov", "deny") == (True, "no site deny entry covers w-prov on gz-gov")
    ok, msg = check(p, fleet, "w-edu", "gz-gov", "deny")
    assert not ok and msg == "the site denies workload w-edu on cloud gz-gov: exam systems stay on edu during the gaokao"
    assert eligible_clouds(p, fleet, "w-edu") == ["edu"]
    ok, msg = check(p, fleet, "w-prov", "health", "deny")
    assert not ok and msg == "the site denies every workload on cloud health: health cloud closed for migration"


def test_several_deny_entries_each_reported(fleet: Fleet) -> None:
    p = parse_policy("""
placement:
  deny:
    - {department: huaxi-edu-bureau, cloud: gy, reason: first}
    - {workload: w-000017, department: huaxi-edu-bureau, cloud: gy, reason: second}
""", "site.yaml")
    e = explain(p, fleet, "w-000017", "gy")
    assert [c.message.rsplit(": ", 1)[1] for c in e.refusals] == ["first", "second"]
    assert "workload w-000017 of department huaxi-edu-bureau" in e.refusals[1].message


def test_eligibility_agrees_with_the_optimizer(policy: Policy, doc: dict[str, Any]) -> None:
    """Without pins, deny entries or classified systems, explain allows exactly the optimizer's eligible clouds."""
    for failed in ([], ["gy"], ["zy", "edu"], ["gz-gov"]):
        doc["failed_clouds"] = failed
        fleet = parse_fleet(doc)
        rules = Rules(fleet)
        ex = Explainer(policy, fleet)
        for wi, w in enumerate(fleet.workloads):
            if w.pinned or w.classification == "classified" or rules.status[wi].value == "lost":
                continue
            allowed = {c.id for c in fleet.clouds if ex.explain(w.id, c.id).allowed}
            assert allowed == set(rules.eligible_clouds(wi)), (w.id, failed)
            assert ex.eligible_clouds(w.id) == list(rules.eligible_clouds(wi))


def test_accepts_a_fleet_document(policy: Policy, doc: dict[str, Any]) -> None:
    assert explain(policy, doc, "w-000017", "gy").allowed
    assert eligible_clouds(policy, doc, "w-000017") == ["gy", "gz-gov"]


def test_unknown_ids(policy: Policy, fleet: Fleet) -> None:
    with pytest.raises(ExplainError) as e:
        explain(policy, fleet, "w-nope", "gy")
    assert str(e.value) == "workload 'w-nope' is not in the fleet"
    with pytest.raises(ExplainError, match="cloud 'mars' is not in the fleet"):
        explain(policy, fleet, "w-000017", "mars")
    with pytest.raises(LookupError):
        eligible_clouds(policy, fleet, "w-nope")


def test_to_dict_is_json_ready(policy: Policy, fleet: Fleet) -> None:
    d = json.loads(json.dumps(explain(policy, fleet, "w-000017", "zy").to_dict()))
    assert d["allowed"] is False and d["workload"] == "w-000017" and d["cloud"] == "zy"
    check = d["checks"][1]
    assert {k: check[k] for k in ("rule", "passed")} == {"rule": "home-or-province", "passed": False}
    # the verdict as data beside its English: the service renders the code in the reader's language
    assert check["code"] == "home.other_city" and check["params"]["cloud"] == "zy"
    assert check["params"]["lead"]["code"] == "home.home_or_province"
    assert check["message"].endswith("zy is another city's cloud (zunyi)")
    assert d["summary"].startswith("w-000017 may not run on zy")
