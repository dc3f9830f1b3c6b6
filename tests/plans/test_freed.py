"""Which hosts a plan frees: nothing runs there after it, by the plan's assignments and by what stays."""

from __future__ import annotations

from scheduler.plans.freed import freed_hosts


def _fleet(placed: dict[str, str], failed: list[str] | None = None) -> dict:
    hosts = [{"id": h, "cloud": h.split("-")[0]} for h in ("gy-h1", "gy-h2", "gy-h3", "zy-h1")]
    return {"hosts": hosts, "workloads": [{"id": w, "host": h} for w, h in placed.items()],
            "failed_clouds": failed or []}


def test_a_host_emptied_by_the_plan_is_freed_and_one_already_empty_is_not() -> None:
    fleet = _fleet({"w1": "gy-h1", "w2": "gy-h2"})
    plan = {"assignments": {"w1": "gy-h2", "w2": "gy-h2"}, "unplaced": []}
    assert freed_hosts(fleet, plan) == ["gy-h1"]  # gy-h3 ran nothing before: not the plan's to disable


def test_a_host_still_running_an_unplaced_workload_is_not_freed() -> None:
    """A classified workload is listed unplaced but the executor never removes it: its host stays busy."""
    fleet = _fleet({"w1": "gy-h1", "w2": "gy-h1", "w3": "gy-h2"})
    plan = {"assignments": {"w1": "gy-h2", "w3": "gy-h2"},
            "unplaced": [{"workload": "w2", "reason": "classified systems are out of scope"}]}
    assert freed_hosts(fleet, plan) == []


def test_hosts_of_a_failed_cloud_are_never_listed() -> None:
    fleet = _fleet({"w1": "zy-h1"}, failed=["zy"])
    assert freed_hosts(fleet, {"assignments": {"w1": "gy-h1"}, "unplaced": []}) == []
