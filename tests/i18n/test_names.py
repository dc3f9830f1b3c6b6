"""Display names come from the tables read whole, not a query per sentence: a plan of thousands of
moves that each name a cloud reads the names once, and a database that cannot answer is not asked
again for every sentence of the page."""

from __future__ import annotations

import pytest

from scheduler.core import messages, names

GY = ("贵阳政务云", "Guiyang Government Cloud")


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the reads of the tables; the tables hold one cloud."""
    calls: list[int] = []

    def read() -> dict[str, tuple[str, str]]:
        calls.append(1)
        return {"cloud:gy": GY}

    monkeypatch.setattr(names, "_read", read)
    monkeypatch.setattr(messages, "_namer", names.display)
    names.forget()
    yield calls
    names.forget()


def test_many_sentences_read_the_names_once(reads: list[int]) -> None:
    said = [messages.text("unplaced.not_dr_protected", {"cloud": "gy"}, "zh-CN") for _ in range(2000)]
    assert all("贵阳政务云（gy）" in s for s in said), said[0]
    assert names.name_of("cloud", "gy", "en") == GY[1]
    assert len(reads) == 1


def test_a_failed_read_is_not_retried_per_sentence(reads: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    def down() -> dict[str, tuple[str, str]]:
        reads.append(1)
        raise OSError("database unreachable")

    monkeypatch.setattr(names, "_read", down)
    said = [messages.text("unplaced.not_dr_protected", {"cloud": "gy"}, "zh-CN") for _ in range(2000)]
    assert all("gy" in s and "贵阳" not in s for s in said), said[0]  # ids stay ids
    assert len(reads) == 1
    monkeypatch.setattr(names, "_due", 0.0)  # RETRY_S later, the database answers again
    monkeypatch.setattr(names, "_read", lambda: {"cloud:gy": GY})
    assert "贵阳政务云（gy）" in messages.text("unplaced.not_dr_protected", {"cloud": "gy"}, "zh-CN")


def test_a_failed_read_keeps_the_names_it_had(reads: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    assert names.name_of("cloud", "gy", "zh-CN") == GY[0]
    monkeypatch.setattr(names, "_read", lambda: (_ for _ in ()).throw(OSError("down")))
    monkeypatch.setattr(names, "_due", 0.0)  # a minute later, the database does not answer
    assert names.name_of("cloud", "gy", "zh-CN") == GY[0]
