"""The operators' console in a real browser: log in, see what the scope allows, run a plan end to end.

Each test saves a screenshot of every page it visits into the server's temp folder (`screenshots/`).
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import PASSWORD, Console


def shot(page: Page, console: Console, name: str) -> None:
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(console.shots / f"{name}.png"), full_page=True)


def log_in(page: Page, console: Console, username: str) -> None:
    page.goto(console.url + "/#/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("form.login-form button[type=submit]")
    expect(page.locator("[data-testid=who]")).to_contain_text(username)
    if username == "auditor":  # the auditor reads the audit trail alone: its home is the audit log
        expect(page).to_have_url(re.compile(r"#/audit"))
    else:
        expect(page.locator("[data-testid=clouds-table]")).to_be_visible()


def test_city_operator_sees_its_city_and_runs_a_rebalance_to_the_end(page: Page, console: Console) -> None:
    page.goto(console.url + "/")
    expect(page.locator("#username")).to_be_visible()
    shot(page, console, "01-login")
    log_in(page, console, "gy-operator")

    # Overview: Guiyang's cloud only, its hosts only in the heat map.
    rows = page.locator("[data-testid=cloud-row]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-cloud", "gy")
    cells = page.locator("[data-testid=heatmap] a.heat-cell")
    expect(cells.first).to_be_visible()
    assert all(h.startswith("gy-") for h in cells.evaluate_all("els => els.map(e => e.dataset.host)"))
    expect(page.locator("[data-testid=cloud-row] td.util").first).not_to_have_text("…")
    shot(page, console, "02-overview-gy")

    # Click through: the cloud's hosts, then one host's workloads.
    rows.first.locator("a").first.click()
    expect(page.locator("[data-testid=host-row]").first).to_be_visible()
    shot(page, console, "03-cloud-gy")
    page.locator("[data-testid=host-row] a").first.click()
    expect(page.locator("[data-testid=workload-row]").first).to_be_visible()
    shot(page, console, "04-host")

    # Propose a rebalance in its own city: the only scope it is offered.
    page.click("nav a[data-nav=plans]")
    form = page.locator("[data-testid=propose-form]")
    expect(form).to_be_visible()
    assert page.locator("#p-scope option").evaluate_all("os => os.map(o => o.value)") == ["gy"]
    page.select_option("#p-kind", "rebalance")
    page.select_option("#p-objective", "consolidate")
    page.fill("#p-budget", "6")
    shot(page, console, "05-plans-propose")
    page.click("button[data-action=propose]")
    expect(page).to_have_url(re.compile(r"#/plans/\d+$"), timeout=30_000)
    state = page.locator("[data-testid=plan-state]")
    expect(state).to_have_attribute("data-state", "proposed")
    moves = page.locator("[data-testid=move-row]")
    expect(moves.first).to_be_visible()  # the moves table is read a page at a time, after the plan itself
    assert moves.count() > 0, "a consolidation of Guiyang with a budget of 6 should move something"
    expect(page.locator("[data-testid=approval-row][data-key='city:gy']")).to_have_attribute("data-approved", "false")
    expect(page.locator("[data-testid=plan-stats] svg")).to_be_visible()
    expect(page.locator("button[data-action=execute]")).to_have_count(0)  # not before approval
    shot(page, console, "06-plan-proposed")

    page.click("button[data-action=dryrun]")
    expect(page.locator("[data-testid=dry-run]")).to_have_attribute("data-ok", "true")
    page.click("button[data-action=approve]")
    expect(state).to_have_attribute("data-state", "approved")
    expect(page.locator("[data-testid=approval-row][data-key='city:gy']")).to_have_attribute("data-approved", "true")
    shot(page, console, "07-plan-approved")

    page.once("dialog", lambda d: d.accept())  # "execute plan #n?"
    page.click("button[data-action=execute]")
    # Live progress by polling: it ends in succeeded with every move done, without a reload.
    expect(state).to_have_attribute("data-state", "succeeded", timeout=60_000)
    total = moves.count()
    expect(page.locator("[data-testid=move-row][data-state=done]")).to_have_count(total)
    steps = total + page.locator("[data-testid=host-action-row]").count()  # freed hosts are disabled last
    expect(page.locator("[data-testid=progress]")).to_contain_text(f"{steps} / {steps}")
    expect(page.locator("button[data-action=rollback]")).to_be_visible()
    shot(page, console, "08-plan-succeeded")

    page.click("nav a[data-nav=plans]")
    expect(page.locator("[data-testid=plan-row]").first).to_be_visible()
    shot(page, console, "09-plans-list")
    # Not the province centre's pages.
    expect(page.locator("nav a[data-nav=audit]")).to_have_count(0)


def test_province_operator_sees_all_fourteen_clouds(page: Page, console: Console) -> None:
    log_in(page, console, "province")
    expect(page.locator("[data-testid=cloud-row]")).to_have_count(14)
    ids = page.locator("[data-testid=cloud-row]").evaluate_all("rs => rs.map(r => r.dataset.cloud)")
    assert {"gz-gov", "gy", "edu"} <= set(ids)
    expect(page.locator("[data-testid=heatmap] .heat-group")).to_have_count(14)
    shot(page, console, "10-overview-province")
    page.click("nav a[data-nav=plans]")
    expect(page.locator("[data-testid=propose-form]")).to_be_visible()
    scopes = page.locator("#p-scope option").evaluate_all("os => os.map(o => o.value)")
    assert scopes[0] == "all" and len(scopes) == 15
    expect(page.locator("nav a[data-nav=audit]")).to_be_visible()


def test_department_admin_cannot_reach_the_plans_pages(page: Page, console: Console) -> None:
    log_in(page, console, "dept-admin")
    expect(page.locator("nav a[data-nav=plans]")).to_have_count(0)
    expect(page.locator("nav a[data-nav=audit]")).to_have_count(0)
    expect(page.locator("[data-testid=heatmap]")).to_have_count(0)  # hosts are not theirs to see
    shot(page, console, "11-overview-department")
    for path in ("#/plans", "#/plans/1"):
        page.goto(console.url + "/" + path)
        expect(page.locator("[data-testid=forbidden]")).to_be_visible()
        expect(page.locator("[data-testid=propose-form]")).to_have_count(0)
    shot(page, console, "12-plans-forbidden")


def test_language_switch_changes_the_labels_and_is_remembered(page: Page, console: Console) -> None:
    page.goto(console.url + "/")
    expect(page.locator("label[for=username]")).to_have_text("用户名")
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    page.click("#lang-toggle")
    expect(page.locator("label[for=username]")).to_have_text("Username")
    assert page.evaluate("document.documentElement.lang") == "en"
    log_in(page, console, "province")
    expect(page.locator("nav a[data-nav=overview]")).to_have_text("Overview")
    expect(page.locator("[data-testid=clouds-table] thead")).to_contain_text("Last sync")
    expect(page.locator("[data-testid=cloud-row][data-cloud=gy] th a")).to_have_text("Guiyang Government Cloud")
    shot(page, console, "13-overview-english")
    page.reload()  # remembered
    expect(page.locator("nav a[data-nav=plans]")).to_have_text("Plans")
    page.click("#lang-toggle")
    expect(page.locator("nav a[data-nav=overview]")).to_have_text("资源总览")
    expect(page.locator("[data-testid=cloud-row][data-cloud=gy] th a")).to_have_text("贵阳政务云")


def test_why_page_explains_a_workload(page: Page, console: Console) -> None:
    log_in(page, console, "gy-operator")
    page.locator("[data-testid=heatmap] a.heat-cell").first.click()
    link = page.locator("[data-testid=workload-row] a").first
    workload = link.get_attribute("href").rsplit("/", 1)[1]  # type: ignore[union-attr]
    link.click()
    result = page.locator("[data-testid=why-result]")
    expect(result).to_contain_text(workload)
    expect(page.locator("[data-testid=why-eligible] [data-cloud=gy]")).to_be_visible()
    expect(page.locator("[data-testid=why-row]")).to_have_count(14)
    denied = page.locator("[data-testid=why-row][data-allowed=false]").first
    expect(denied.locator(".rule-line").first).to_be_visible()  # the rule that rules it out, with its message
    shot(page, console, "14-why")
    # The form reaches the same answer.
    page.goto(console.url + "/#/why")
    page.fill("#why-workload", workload)
    page.click("button[data-action=explain]")
    expect(result).to_contain_text(workload)


def test_auditor_sees_the_audit_chain_verified_and_nothing_else(page: Page, console: Console) -> None:
    page.goto(console.url + "/#/login")
    page.fill("#username", "auditor")
    page.fill("#password", PASSWORD)
    page.click("form.login-form button[type=submit]")
    verdict = page.locator("[data-testid=audit-verdict]")  # the auditor lands on the audit log
    expect(verdict).to_have_attribute("data-intact", "true")
    expect(verdict).to_contain_text("审计链完整")
    expect(page.locator("[data-testid=audit-row]").first).to_be_visible()
    shot(page, console, "15-audit")
    # 三权分立: the auditor reads the audit only; no plans, no proposal form, no buttons anywhere.
    expect(page.locator("nav a[data-nav=plans]")).to_have_count(0)
    page.goto(console.url + "/#/plans")
    expect(page).to_have_url(console.url + "/#/audit")
    expect(page.locator("[data-testid=propose-form]")).to_have_count(0)


def test_metrics_count_plans_solves_moves_and_refused_logins(console: Console) -> None:
    """/metrics (no browser needed): a plan on the province cloud, run to the end, shows in every series."""
    import time

    import httpx

    with httpx.Client(base_url=console.url, timeout=60) as http:
        http.post("/api/v1/auth/token", data={"username": "gy-operator", "password": "wrong-password"})
        token = http.post("/api/v1/auth/token", data={"username": "province", "password": PASSWORD}).json()["access_token"]
        http.headers["Authorization"] = f"Bearer {token}"
        plan = http.post("/api/v1/plans", json={"kind": "rebalance", "scope": "gz-gov", "max_migrations": 3}).json()
        assert http.post(f"/api/v1/plans/{plan['id']}/approve").json()["state"] == "approved"
        http.post(f"/api/v1/plans/{plan['id']}/execute")
        deadline = time.monotonic() + 60
        while http.get(f"/api/v1/plans/{plan['id']}").json()["state"] == "executing" and time.monotonic() < deadline:
            time.sleep(0.2)
        assert http.get(f"/api/v1/plans/{plan['id']}").json()["state"] == "succeeded"
        text = http.get("/metrics").text
    assert re.search(r'^qianyun_plans\{state="succeeded"\} [1-9]', text, re.M), text
    assert re.search(r'^qianyun_plan_solve_seconds_count\{kind="rebalance"\} [1-9]', text, re.M), text
    if plan["moves"]:
        assert re.search(r'^qianyun_moves_executed_total\{outcome="done",phase="forward"\} [1-9]', text, re.M), text
    assert re.search(r"^qianyun_logins_refused_total [1-9]", text, re.M), text
    assert "# TYPE qianyun_adapter_errors_total counter" in text
