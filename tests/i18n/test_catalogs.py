"""The message catalogs: every code the service can say has a Chinese and an English text, with the
same parameters in both, and the English is what the optimizer contract and the policy's explain say."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from optimizer.reason import EN as OPTIMIZER_EN
from policies.explain import EXPLAIN_EN
from scheduler.core import messages

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ["optimizer", "policies", "scheduler", "api"]
# every way the code names a message: msg("..."), reason("..."), said("..."), text("...")
CALLS = re.compile(r"""\b(?:msg|reason|said|messages\.text)\(\s*f?["']([a-z][a-z0-9_.-]*)["']""")


@pytest.fixture(autouse=True)
def ids_as_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    """No display names here (the API installs them from its tables): ids render as they are."""
    monkeypatch.setattr(messages, "_namer", None)


def used_codes() -> set[str]:
    out: set[str] = set()
    for pkg in PACKAGES:
        for path in (ROOT / pkg).rglob("*.py"):
            out.update(CALLS.findall(path.read_text(encoding="utf-8")))
    return out


def test_every_code_has_both_languages_with_the_same_parameters() -> None:
    zh, en = messages.catalog("zh-CN"), messages.catalog("en")
    assert set(zh) == set(en), {"only zh-CN": sorted(set(zh) - set(en)), "only en": sorted(set(en) - set(zh))}
    assert len(en) > 100
    for code in en:
        assert en[code].strip() and zh[code].strip(), code
        assert messages.fields(en[code]) == messages.fields(zh[code]), (code, en[code], zh[code])


def test_chinese_texts_are_chinese() -> None:
    """A text copied over untranslated would pass the parameter check: each zh-CN text that has words
    at all has Chinese in it (a few are only a parameter, or a unit)."""
    zh = messages.catalog("zh-CN")
    for code, text in zh.items():
        words = re.sub(r"\{[^}]*\}|vCPU|GPU|GiB", "", text)  # units are units in both languages
        if re.search(r"[A-Za-z]{4,}", words) or len(words.strip(" :：;；,，()（）")) > 3:
            assert re.search(r"[\u4e00-\u9fff]", words), (code, text)


def test_every_code_the_source_names_is_in_the_catalogs() -> None:
    en = messages.catalog("en")
    used = used_codes()
    assert len(used) > 50
    missing = sorted(c for c in used if c not in en and not c.endswith("."))
    assert not missing, missing


@pytest.mark.parametrize("source", [OPTIMIZER_EN, EXPLAIN_EN], ids=["optimizer", "explain"])
def test_the_english_catalog_says_what_the_contract_says(source: dict[str, str]) -> None:
    en = messages.catalog("en")
    for code, text in source.items():
        assert en.get(code) == text, code


def sample(template: str) -> dict[str, Any]:
    return {name: 0.5 for name in messages.fields(template)}


def test_every_text_renders_with_its_parameters() -> None:
    for lang in messages.LANGS:
        for code, template in messages.catalog(lang).items():
            assert messages.text(code, sample(template), lang), code


def test_nested_reasons_and_lists_render_in_each_language() -> None:
    short = [{"code": "resource.short", "params": {"resource": "vcpu", "needs": 8, "free": 2}},
             {"code": "resource.short", "params": {"resource": "memory_gib", "needs": 32, "free": 4}}]
    why = {"clouds": [{"code": "cloud.no_room_short", "params": {"cloud": "gy", "hosts": 3, "short": short}},
                      {"code": "cloud.failed", "params": {"cloud": "gz-gov"}}]}
    assert messages.text("unplaced.no_room", why, "en") == (
        "fits on no eligible host: gy: no host with room on 3 hosts, short of vCPU (needs 8, at most 2 free), "
        "memory (GiB) (needs 32, at most 4 free); gz-gov has failed")
    assert messages.text("unplaced.no_room", why, "zh-CN") == (
        "所有符合条件的主机都放不下：gy：3 台主机都没有空间，vCPU（需要 8，最多只有 2 空闲）、内存（GiB）（需要 32，最多只有 4 空闲）不足；"
        "gz-gov 已故障")


def test_the_callers_language() -> None:
    assert messages.negotiate(None) == "zh-CN"
    assert messages.negotiate("en-GB,en;q=0.9") == "en"
    assert messages.negotiate("fr-FR, en;q=0.5, zh-CN;q=0.8") == "zh-CN"
    assert messages.negotiate("zh-CN", "en") == "en"  # ?lang= wins
    assert messages.negotiate("de") == "zh-CN"
    assert messages.from_environment({"LANG": "zh_CN.UTF-8"}) == "zh-CN"
    assert messages.from_environment({"LANG": "zh_CN.UTF-8", "LC_MESSAGES": "en_US.UTF-8"}) == "en"
    assert messages.from_environment({"LC_ALL": "zh_TW.UTF-8", "LANG": "C"}) == "zh-CN"
    assert messages.from_environment({"LANG": "C.UTF-8"}) == "en"
    assert messages.from_environment({}) == "en"


def test_a_stored_english_state_reason_reads_in_chinese() -> None:
    said = messages.words("approved for city:gy; waiting for approval from province", "state.", "zh-CN")
    assert said == "已为 gy运维批准；等待省调度中心审批"
    assert messages.words("a reason nobody templated", "state.", "zh-CN") == "a reason nobody templated"
