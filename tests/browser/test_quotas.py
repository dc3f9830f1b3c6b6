"""Quotas in a real browser, in zh-CN: a department admin requests 16 vCPU on its city cloud, Guiyang's
operator reads the feasibility answer and approves, the department's quota grows and a workload of
that size is registered within it. Screenshots of every page land in `screenshots/`."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import Console
from tests.browser.test_console import log_in, shot
from tests.browser.test_drills_jobs import api


def test_department_requests_operator_approves_quota_grows(page: Page, console: Console) -> None:
    dept = next(u for u, r in console.users.items() if r == "department-admin")
    log_in(page, console, dept)
    page.click("nav a[data-nav=quotas]")
    expect(page.locator("[data-testid=quota-request-form]")).to_be_visible()
    rows = page.locator("[data-testid=quota-row][data-cloud=gy]")  # a county office may hold no quota yet
    before = float(rows.first.locator(".quota-bar[data-resource=vcpu]").get_attribute("data-quota")) if rows.count() else 0.0
    expect(page.locator("nav a[data-nav=inbox]")).to_have_count(0)  # department admins decide nothing
    shot(page, console, "q01-department-quotas")

    form = page.locator("[data-testid=quota-request-form]")
    page.select_option("#q-cloud", "gy")
    page.fill("#q-vcpu", "16")
    page.fill("#q-memory_gib", "64")
    page.fill("#q-storage_gib", "100")
    page.fill("#q-justification", "服务器扩容：新的数据共享交换节点")
    shot(page, console, "q02-request-form")
    form.locator("button[data-action=request-quota]").click()
    row = page.locator("[data-testid=request-row]").first
    expect(row).to_have_attribute("data-state", "pending")
    expect(row.locator("[data-testid=feasibility]")).to_have_attribute("data-verdict", "feasible")
    shot(page, console, "q03-request-pending")
    page.click("#logout")

    log_in(page, console, "gy-operator")
    page.click("nav a[data-nav=inbox]")
    item = page.locator("[data-testid=inbox-row]").first
    expect(item).to_be_visible()
    expect(item.locator("[data-testid=feasibility]")).to_have_attribute("data-verdict", "feasible")
    expect(item).to_contain_text("可行")
    page.click("#lang-toggle")  # the same inbox in English
    expect(item.locator("[data-testid=feasibility]")).to_contain_text("Feasible")
    shot(page, console, "q04-inbox-en")
    page.click("#lang-toggle")
    item.locator("input.reason").fill("同意：容量充足")
    item.locator("button[data-action=approve]").click()
    expect(page.locator("[data-testid=inbox-empty]")).to_be_visible()
    shot(page, console, "q05-inbox-empty")
    page.click("#logout")

    log_in(page, console, dept)
    page.click("nav a[data-nav=quotas]")
    row = page.locator("[data-testid=request-row]").first
    expect(row).to_have_attribute("data-state", "approved")
    bar = page.locator("[data-testid=quota-row][data-cloud=gy]").first.locator(".quota-bar[data-resource=vcpu]")
    expect(bar).to_have_attribute("data-quota", str(int(before + 16)) if float(before + 16).is_integer() else str(before + 16))
    shot(page, console, "q06-quota-grown")

    # the journey ends with a system registered within the raised quota and placed on Guiyang's cloud
    dept_id = page.locator("[data-testid=quota-row][data-cloud=gy]").first.get_attribute("data-department")
    with api(console, dept) as http:
        if not dept_id:
            dept_id = http.get("/auth/me").json().get("scope")
        r = http.post("/workloads", json={"department": dept_id, "cloud": "gy", "name": "census-exchange",
                                          "demand": {"vcpu": 16, "memory_gib": 64, "storage_gib": 100},
                                          "classification": "internal", "mlps_level": 2})
    assert r.status_code == 201, r.text
    assert r.json()["host"].startswith("gy-")
    page.reload()
    used = page.locator("[data-testid=quota-row][data-cloud=gy]").first.locator(".quota-bar[data-resource=vcpu]")
    expect(used).to_have_attribute("data-quota", str(int(before + 16)) if float(before + 16).is_integer() else str(before + 16))
    shot(page, console, "q07-workload-registered")
