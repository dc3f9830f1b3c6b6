"""Loading the policy: the default, a site's overrides, and every refusal naming file, line and field."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from policies import Policy, PolicyError, default_policy, load_policy
from policies.model import PLACEMENT_RULE_IDS


def site(tmp_path: Path, text: str, name: str = "site.yaml") -> Path:
    p = tmp_path / name
    p.write_text(textwrap.dedent(text).removeprefix("\n"), encoding="utf-8")
    return p


def test_default_policy_has_every_section() -> None:
    p = load_policy()
    assert [r.name for r in p.approvals] == ["backup-node", "province-cloud", "cross-cloud", "within-city",
                                              "within-industry"]
    assert [r.approver for r in p.approvals] == ["province", "province", "province", "own-cloud", "own-cloud"]
    assert all(r.reason for r in p.approvals)
    assert p.separation_of_duties.proposer_may_approve_own_scope is True
    assert p.separation_of_duties.multi_scope_needs_other_approver is True
    assert p.auto_approve == ()
    assert (p.execution.max_concurrent_moves_per_cloud, p.execution.retries, p.execution.backoff_s) == (2, 3, 0.5)
    assert tuple(r.id for r in p.placement.rules) == PLACEMENT_RULE_IDS
    assert p.placement.deny == ()
    assert p is default_policy()  # loaded once


def test_to_dict_is_json_ready_and_complete() -> None:
    d = json.loads(json.dumps(load_policy().to_dict()))
    assert set(d) == {"sources", "approvals", "separation_of_duties", "auto_approve", "execution", "placement", "dr",
                      "quotas", "auth", "power"}
    assert d["auth"]["lockout"] == {"failures": 5, "window_s": 300, "lock_s": 900}
    assert "province-operator" in d["auth"]["second_factor_roles"]
    assert d["approvals"][0] == {"name": "backup-node", "match": {"touches_kind": ["backup"]}, "approver": "province",
                                 "reason": load_policy().approvals[0].reason}
    assert d["approvals"][2]["match"] == {"crosses_clouds": True}
    assert d["approvals"][3]["match"] == {"within_kind": "city"}
    assert d["execution"] == {"max_concurrent_moves_per_cloud": 2, "max_concurrent_restarts_per_cloud": 32,
                              "retries": 3, "backoff_s": 0.5}
    assert {r["id"] for r in d["placement"]["rules"]} >= {"classified", "home-or-province", "backup-only-dr", "mlps",
                                                          "failed-cloud"}
    assert d["sources"] == ["policies/default.yaml"]


def test_policy_is_frozen() -> None:
    p = load_policy()
    with pytest.raises(Exception):
        p.execution.retries = 9  # type: ignore[misc]


def test_site_replaces_list_sections_and_merges_fields(tmp_path: Path) -> None:
    f = site(tmp_path, """
        # Guiyang may rebalance itself at night
        approvals:
          - name: everything-province
            match: {touches_kind: [province, city, industry, backup]}
            approver: province
            reason: this site sends every move to the province centre
        execution:
          retries: 5
        auto_approve:
          - {scope: gy, kinds: [rebalance], max_moves: 10}
          - {scope: all, kinds: [drain, place-pending], max_moves: null}
        placement:
          deny:
            - {department: prov-health-commission, cloud: zy, reason: records stay off zy until its audit}
            - {workload: w-000017, cloud: gz-gov, reason: waiting for its security review}
        separation_of_duties:
          proposer_may_approve_own_scope: false
        """)
    p = load_policy(f)
    assert [r.name for r in p.approvals] == ["everything-province"]
    assert p.execution.retries == 5
    assert p.execution.max_concurrent_moves_per_cloud == 2 and p.execution.backoff_s == 0.5  # kept
    assert p.separation_of_duties.proposer_may_approve_own_scope is False
    assert p.separation_of_duties.multi_scope_needs_other_approver is True  # kept
    assert [(a.scope, a.kinds, a.max_moves) for a in p.auto_approve] == [
        ("gy", ("rebalance",), 10), ("all", ("drain", "place-pending"), None)]
    assert [(d.department, d.workload, d.cloud) for d in p.placement.deny] == [
        ("prov-health-commission", None, "zy"), (None, "w-000017", "gz-gov")]
    assert p.placement.rules == default_policy().placement.rules  # never loosened
    assert p.sources == ("policies/default.yaml", str(f))
    assert p.to_dict()["placement"]["deny"][0]["reason"] == "records stay off zy until its audit"


def test_site_sections_absent_keep_the_default(tmp_path: Path) -> None:
    p = load_policy(site(tmp_path, "execution: {backoff_s: 2}\n"))
    assert p.approvals == default_policy().approvals
    assert p.execution.backoff_s == 2.0
    assert p.auto_approve == () and p.placement.deny == ()


def test_empty_site_file_changes_nothing(tmp_path: Path) -> None:
    p = load_policy(site(tmp_path, "# nothing here yet\n"))
    assert p.to_dict() | {"sources": []} == default_policy().to_dict() | {"sources": []}


def test_site_may_empty_a_list(tmp_path: Path) -> None:
    base = load_policy(site(tmp_path, "auto_approve: [{scope: gy, kinds: [drain], max_moves: 1}]\n", "a.yaml"))
    assert base.auto_approve
    assert load_policy(site(tmp_path, "auto_approve: []\nplacement: {deny: []}\n")).auto_approve == ()


def test_accepts_str_path(tmp_path: Path) -> None:
    assert isinstance(load_policy(str(site(tmp_path, "execution: {retries: 0}\n"))), Policy)


MALFORMED: list[tuple[str, str, int, str, str]] = [
    # (case, file text, line, field, words in the problem)
    ("unknown approver", """
        approvals:
          - name: a
            match: {crosses_clouds: true}
            approver: province
            reason: x
          - name: b
            match: {within_kind: city}
            approver: own-cloud
            reason: y
          - name: c
            match: {within_kind: industry}
            approver: mayor
            reason: z
        """, 12, "approvals[2].approver", "must be 'province' or 'own-cloud', got 'mayor'"),
    ("bad yaml", "execution:\n  retries: [1, 2\n", 3, "", "not valid YAML"),
    ("tab indentation", "execution:\n\tretries: 1\n", 2, "", "not valid YAML"),
    ("unknown top-level key", "# our site\n\nmayors: []\n", 3, "mayors", "unknown key"),
    ("unknown key in a rule", """
        approvals:
          - name: a
            match: {within_kind: city}
            approver: own-cloud
            reason: y
            priority: 3
        """, 6, "approvals[0].priority", "unknown key"),
    ("unknown match condition", """
        approvals:
          - name: a
            match: {within_city: gy}
            approver: own-cloud
            reason: y
        """, 3, "approvals[0].match.within_city", "unknown key"),
    ("empty match", """
        approvals:
          - name: a
            match: {}
            approver: province
            reason: y
        """, 3, "approvals[0].match", "at least one condition"),
    ("unknown cloud kind in touches_kind", """
        approvals:
          - name: a
            match:
              touches_kind: [backup, county]
            approver: province
            reason: y
        """, 4, "approvals[0].match.touches_kind[1]", "unknown cloud kind 'county'"),
    ("unknown cloud kind in within_kind", """
        approvals:
          - name: a
            match: {within_kind: prefecture}
            approver: own-cloud
            reason: y
        """, 3, "approvals[0].match.within_kind", "unknown cloud kind 'prefecture'"),
    ("cloud kind not a string", """
        approvals:
          - name: a
            match: {touches_kind: [3]}
            approver: province
            reason: y
        """, 3, "approvals[0].match.touches_kind[0]", "must be a string, got 3"),
    ("crosses_clouds not a bool", """
        approvals:
          - name: a
            match: {crosses_clouds: "yes"}
            approver: province
            reason: y
        """, 3, "approvals[0].match.crosses_clouds", "true or false"),
    ("missing reason", """
        approvals:
          - name: a
            match: {crosses_clouds: true}
            approver: province
        """, 2, "approvals[0].reason", "required"),
    ("duplicate rule name", """
        approvals:
          - {name: a, match: {crosses_clouds: true}, approver: province, reason: x}
          - {name: a, match: {within_kind: city}, approver: own-cloud, reason: y}
        """, 3, "approvals[1].name", "duplicate rule name 'a'"),
    ("approvals not a list", "approvals: {name: a}\n", 1, "approvals", "must be a list"),
    ("rule not a mapping", "approvals:\n  - just-a-name\n", 2, "approvals[0]", "must be a mapping"),
    ("negative retries", "execution:\n  retries: -1\n", 2, "execution.retries", "must be >= 0, got -1"),
    ("negative backoff", "execution:\n  backoff_s: -0.5\n", 2, "execution.backoff_s", "must be >= 0, got -0.5"),
    ("zero concurrency", "execution:\n  max_concurrent_moves_per_cloud: 0\n", 2,
     "execution.max_concurrent_moves_per_cloud", "must be >= 1"),
    ("retries a string", "execution:\n  retries: three\n", 2, "execution.retries", "must be an integer, got 'three'"),
    ("retries a float", "execution:\n  retries: 1.5\n", 2, "execution.retries", "must be an integer"),
    ("backoff not a number", "execution:\n  backoff_s: soon\n", 2, "execution.backoff_s", "must be a number"),
    ("backoff infinite", "execution:\n  backoff_s: .inf\n", 2, "execution.backoff_s", "must be a number"),
    ("unknown execution key", "execution:\n  retries: 1\n  storms: allowed\n", 3, "execution.storms", "unknown key"),
    ("duplicate key", "execution:\n  retries: 1\n  retries: 2\n", 3, "execution.retries", "given twice (first on line 2)"),
    ("separation flag not a bool", "separation_of_duties:\n  multi_scope_needs_other_approver: 1\n", 2,
     "separation_of_duties.multi_scope_needs_other_approver", "true or false"),
    ("auto-approve scope not a string", "auto_approve:\n  - {scope: 7, kinds: [rebalance], max_moves: 3}\n", 2,
     "auto_approve[0].scope", "string, got 7"),
    ("auto-approve kind not a string", "auto_approve:\n  - scope: gy\n    kinds: [rebalance, 5]\n    max_moves: 3\n",
     3, "auto_approve[0].kinds[1]", "must be a string, got 5"),
    ("auto-approve unknown kind", "auto_approve:\n  - {scope: gy, kinds: [failover], max_moves: 3}\n", 2,
     "auto_approve[0].kinds[0]", "unknown plan kind 'failover'"),
    ("auto-approve negative max_moves", "auto_approve:\n  - scope: gy\n    kinds: [drain]\n    max_moves: -2\n", 4,
     "auto_approve[0].max_moves", "must be >= 0, got -2"),
    ("auto-approve without max_moves", "auto_approve:\n  - {scope: gy, kinds: [drain]}\n", 2,
     "auto_approve[0].max_moves", "required"),
    ("auto-approve empty kinds", "auto_approve:\n  - {scope: gy, kinds: [], max_moves: 1}\n", 2,
     "auto_approve[0].kinds", "must not be empty"),
    ("site changes placement rules", "placement:\n  deny: []\n  rules:\n    - {id: classified}\n", 3,
     "placement.rules", "a site may not change the placement rules"),
    ("site adds a placement key", "placement:\n  allow: [{cloud: zy}]\n", 2, "placement.allow",
     "a site may not change the placement rules"),
    ("deny without reason", "placement:\n  deny:\n    - {department: d, cloud: zy}\n", 3, "placement.deny[0].reason",
     "required"),
    ("deny cloud not a string", "placement:\n  deny:\n    - {cloud: [zy], reason: r}\n", 3, "placement.deny[0].cloud",
     "string"),
    ("deny unknown key", "placement:\n  deny:\n    - {cloud: zy, reason: r, tier: county}\n", 3,
     "placement.deny[0].tier", "unknown key"),
    ("top level a list", "- approvals\n", 1, "", "must be a mapping of sections"),
    ("fill target above 1", "placement:\n  fill_target: {vcpu: 1.2}\n", 2, "placement.fill_target.vcpu",
     "must be at most 1 (a share), got 1.2"),
    ("fill target zero", "placement:\n  fill_target:\n    memory_gib: 0\n", 3, "placement.fill_target.memory_gib",
     "must be above 0"),
    ("fill target not a number", "placement:\n  fill_target: {vcpu: most}\n", 2, "placement.fill_target.vcpu",
     "must be a number"),
    ("fill target of an unknown resource", "placement:\n  fill_target: {cpu: 0.8}\n", 2, "placement.fill_target.cpu",
     "unknown key"),
]


def test_fill_targets_default_and_a_site_replaces_only_what_it_names(tmp_path: Path) -> None:
    assert load_policy().placement.fill_targets() == {"vcpu": 0.85, "memory_gib": 0.9}
    p = load_policy(site(tmp_path, "placement:\n  fill_target: {vcpu: 0.75, gpu: 1}\n"))
    assert p.placement.fill_targets() == {"vcpu": 0.75, "memory_gib": 0.9, "gpu": 1.0}
    assert p.placement.to_dict()["fill_target"] == {"vcpu": 0.75, "memory_gib": 0.9, "gpu": 1.0}


@pytest.mark.parametrize("case,text,line,field,words", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_site_file_names_file_line_and_field(tmp_path: Path, case: str, text: str, line: int, field: str,
                                                       words: str) -> None:
    f = site(tmp_path, text)
    with pytest.raises(PolicyError) as e:
        load_policy(f)
    msg = str(e.value)
    assert msg.startswith(f"{f} line {line}: "), msg
    if field:
        assert f": {field}: " in msg, msg
        assert e.value.field == field
    assert words in msg, msg
    assert e.value.line == line and e.value.file == str(f)


def test_message_has_the_documented_shape(tmp_path: Path) -> None:
    f = site(tmp_path, MALFORMED[0][1])
    with pytest.raises(PolicyError) as e:
        load_policy(f)
    assert str(e.value) == f"{f} line 12: approvals[2].approver: must be 'province' or 'own-cloud', got 'mayor'"


def test_missing_file_is_refused_with_its_name(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match=r"nowhere\.yaml: cannot read the policy file"):
        load_policy(tmp_path / "nowhere.yaml")


def test_relative_name_is_kept_in_the_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site(tmp_path, "execution: {retries: -3}\n")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(PolicyError) as e:
        load_policy("site.yaml")
    assert str(e.value) == "site.yaml line 1: execution.retries: must be >= 0, got -3"


def test_a_broken_default_is_refused_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The shipped file goes through the same checks: every placement rule the code knows must be named."""
    import policies.loader as loader

    text = (loader.DEFAULT_FILE.read_text(encoding="utf-8")
            .replace("    - id: mlps\n", "    - id: mlps-level\n"))
    monkeypatch.setattr(loader, "DEFAULT_FILE", site(tmp_path, text, "default.yaml"))
    loader.default_policy.cache_clear()
    try:
        with pytest.raises(PolicyError, match=r"default\.yaml line \d+: placement\.rules\[\d\]\.id: unknown placement rule"):
            loader.default_policy()
    finally:
        monkeypatch.undo()
        loader.default_policy.cache_clear()
    assert loader.default_policy().placement.rule("mlps").applies_to == "cloud"
