"""The operator's plan journey in a real browser, in zh-CN: the province centre proposes consolidating
Zunyi's city cloud and is told who must approve; Zunyi's operator approves (one request however fast
the clicks), executes, pauses, resumes and rolls back. The plan keeps every receiving host within the
policy's fill targets, disables the hosts it frees, and the rollback enables them again. Screenshots
land in `screenshots/` (p01..p09)."""

from __future__ import annotations

import re
import subprocess

from playwright.sync_api import Page, expect

from tests.browser.conftest import PASSWORD, QIANYUN, Console
from tests.browser.test_console import log_in, shot
from tests.browser.test_drills_jobs import api

TARGET = {"vcpu": 0.85, "memory_gib": 0.9}  # policies/default.yaml


def _zunyi_operator(console: Console) -> str:
    if "zy-operator" not in console.users:
        r = subprocess.run([QIANYUN, "users", "add", "zy-operator", "--role", "city-operator", "--scope", "zy",
                            "--password-stdin"], input=PASSWORD + "\n", text=True, capture_output=True,
                           cwd=console.folder, env=console.env, timeout=120)
        assert r.returncode == 0, r.stderr
        console.users["zy-operator"] = "city-operator"
    return "zy-operator"


def _schedulable(console: Console, hosts: list[str]) -> dict[str, bool]:
    with api(console, "province") as c:
        return {h: c.get(f"/hosts/{h}").json()["schedulable"] for h in hosts}


def test_a_plan_fills_within_targets_disables_freed_hosts_pauses_resumes_and_rolls_back(page: Page,
                                                                                          console: Console) -> None:
    zy = _zunyi_operator(console)
    log_in(page, console, "province")
    page.click("nav a[data-nav=plans]")
    page.select_option("#p-scope", "zy")
    page.select_option("#p-kind", "rebalance")
    page.select_option("#p-objective", "consolidate")
    page.fill("#p-budget", "40")
    page.click("button[data-action=propose]")
    expect(page).to_have_url(re.compile(r"#/plans/\d+$"), timeout=30_000)
    plan_id = int(page.url.rsplit("/", 1)[1])
    state = page.locator("[data-testid=plan-state]")
    expect(state).to_have_attribute("data-state", "proposed")
    # who must approve next, named: Zunyi's own operator
    nxt = page.locator("[data-testid=next-approvers] li[data-scope='city:zy']")
    expect(nxt).to_contain_text(zy)
    expect(nxt).to_contain_text("市州云运维")
    expect(page.locator("[data-testid=fill-target]")).to_have_text("vCPU 85%、内存 90%")
    with api(console, "province") as c:
        plan = c.get(f"/plans/{plan_id}").json()
    freed = [x["to"] for x in plan["host_actions"]]
    assert freed, "consolidating Zunyi frees hosts"
    for h in plan["hosts"]:  # every host the plan moves workloads to stays within its targets
        if any(m["to"] == h["host"] for m in plan["moves"]):
            assert all(h["after"][r] <= t + 1e-4 for r, t in TARGET.items()), h
    counts = plan["move_counts"]
    expect(page.locator("[data-testid=move-count]")).to_have_attribute("data-moves", str(counts["moves"]))
    expect(page.locator("[data-testid=move-row]")).to_have_count(counts["moves"])
    expect(page.locator("[data-testid=approval-row][data-key='city:zy'] td.num")).to_have_text(str(counts["moves"]))
    expect(page.locator("[data-testid=host-action-row]")).to_have_count(len(freed))
    shot(page, console, "p01-plan-proposed-next-approver")
    page.click("#logout")

    log_in(page, console, zy)
    page.goto(f"{console.url}/#/plans/{plan_id}")
    expect(state).to_have_attribute("data-state", "proposed")
    approvals: list[str] = []
    page.on("request", lambda r: approvals.append(r.url) if r.method == "POST" and r.url.endswith("/approve") else None)
    # two clicks in the same instant: the first disables the button and shows progress, the second does nothing
    page.locator("button[data-action=approve]").evaluate("b => { b.click(); b.click(); }")
    expect(page.locator("[data-testid=action-status]")).to_contain_text("已批准")
    expect(state).to_have_attribute("data-state", "approved")
    assert len(approvals) == 1, approvals
    expect(page.locator("[data-testid=next-approvers]")).to_have_count(0)
    shot(page, console, "p02-plan-approved")

    page.once("dialog", lambda d: d.accept())
    page.click("button[data-action=execute]")
    expect(state).to_have_attribute("data-state", "executing")
    page.once("dialog", lambda d: d.accept())
    page.click("button[data-action=pause]")
    expect(state).to_have_attribute("data-state", "paused")
    expect(page.locator("[data-testid=action-status]")).to_contain_text("已暂停")
    expect(page.locator("[data-testid=paused-note]")).to_contain_text("已暂停")  # once the step in flight is done
    expect(page.locator("button[data-action=resume]")).to_be_visible()
    with api(console, zy) as c:
        paused = c.get(f"/plans/{plan_id}").json()
    left = [m for m in paused["moves"] + paused["host_actions"] if m["state"] == "pending"]
    assert left, "paused before its end"
    assert all(_schedulable(console, freed).values())  # the hosts are disabled only after the last move
    shot(page, console, "p03-plan-paused")

    page.click("button[data-action=resume]")
    expect(state).to_have_attribute("data-state", "succeeded", timeout=60_000)
    expect(page.locator("[data-testid=move-row][data-state=done]")).to_have_count(counts["moves"])
    expect(page.locator("[data-testid=host-action-row][data-state=done]")).to_have_count(len(freed))
    assert not any(_schedulable(console, freed).values())
    shot(page, console, "p04-plan-succeeded-hosts-disabled")

    page.once("dialog", lambda d: d.accept())
    page.click("button[data-action=rollback]")
    expect(state).to_have_attribute("data-state", "rolled back", timeout=60_000)
    phase = page.locator("[data-testid=rollback-phase]")
    expect(phase).to_contain_text("回滚会撤销本计划")
    expect(phase).to_contain_text("新放置的负载保留在原处")
    expect(phase.locator("[data-testid=rollback-row][data-kind=enable-host]")).to_have_count(len(freed))
    expect(page.locator("[data-testid=rollback-row][data-state=done]")).to_have_count(
        counts["migrations"] + len(freed))
    forward = page.locator("[data-testid=forward-phase]")
    expect(forward).not_to_have_attribute("open", "")  # the forward reason and chart are history, folded away
    expect(page.locator("[data-testid=hosts-chart]")).not_to_be_visible()
    assert all(_schedulable(console, freed).values())
    shot(page, console, "p05-plan-rolled-back")
    page.click("#lang-toggle")  # the same page in English
    expect(phase).to_contain_text("New placements stay where they were placed")
    shot(page, console, "p06-plan-rolled-back-en")
    page.click("#lang-toggle")
