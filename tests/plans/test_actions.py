"""What each kind of step asks of the adapter, and what undoes it."""

from __future__ import annotations

from adapters.protocol import DrProfile, WorkloadInfo
from scheduler.plans.actions import Migrate, NoCompensation, Place, Restart


class Recorder:
    """An adapter that records the calls it gets."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str]] = []

    def place(self, workload: WorkloadInfo, host: str) -> None:
        self.calls.append(("place", workload.id, host))

    def migrate(self, workload: str, host: str) -> None:
        self.calls.append(("migrate", workload, host))

    def restart_elsewhere(self, workload: str, host: str) -> None:
        self.calls.append(("restart", workload, host))


def _info(wid: str) -> WorkloadInfo:
    return WorkloadInfo(id=wid, name=wid, department="d", tier="city", city="gy", industry="gov",
                        classification="internal", mlps_level=2, demand={"vcpu": 1}, host=None, spread_group=None,
                        pinned=False, role="primary", dr=DrProfile(False, 3, 240))


def test_each_step_calls_its_own_adapter_method() -> None:
    adapter = Recorder()
    Place(_info("w1"), "h2").execute(adapter)  # type: ignore[arg-type]
    Migrate("w2", "h1", "h2").execute(adapter)  # type: ignore[arg-type]
    Restart("w3", "h1", "h2").execute(adapter)  # type: ignore[arg-type]
    assert adapter.calls == [("place", "w1", "h2"), ("migrate", "w2", "h2"), ("restart", "w3", "h2")]


def test_a_move_is_undone_by_the_move_back_while_its_source_is_up() -> None:
    def up(h: str) -> bool:
        return True

    assert Migrate("w", "a", "b").compensate(up) == Migrate("w", "b", "a")
    assert Restart("w", "a", "b").compensate(up) == Migrate("w", "b", "a")


def test_what_cannot_be_undone_says_why() -> None:
    def down(h: str) -> bool:
        return h != "a"

    for undo, words in ((Place(_info("w"), "b").compensate(down), "placement has no compensation"),
                        (Migrate("w", "a", "b").compensate(down), "is down now"),
                        (Restart("w", "a", "b").compensate(down), "still down")):
        assert isinstance(undo, NoCompensation) and undo.workload == "w" and words in undo.reason, undo
