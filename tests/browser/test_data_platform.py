"""The public data platform in a real browser (docs/data-platform.md): a department admin creates a catalog
entry, another department disputes it and asks to share it, the owner answers and approves, the data
authority closes the objection, approves the request and publishes the entry; then the public, not logged in,
finds the data set, disputes it, reads the answer with its id and token, and meets the rate limit.
Screenshots of every page land in the server's `screenshots/` folder (dp*.png)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import uuid
from dataclasses import dataclass

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PASSWORD, QIANYUN, Console
from tests.browser.test_console import log_in, shot


@dataclass
class People:
    authority: str  # data-authority
    owner: str  # admin of the department that owns the entry
    owner_department: str
    requester: str  # admin of the department that asks to share it (conftest's Guiyang county office)
    requester_department: str


def _add_user(console: Console, username: str, role: str, scope: str | None = None) -> None:
    """`qianyun users add` against the running service's database, as conftest does for its users."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("QIANYUN_")}
    env.update({"QIANYUN_DATABASE_URL": f"sqlite:///{console.folder / 'qianyun.db'}",
                "QIANYUN_SIM_STATE_PATH": str(console.folder / "sim.db"),
                "QIANYUN_SIM_HOSTS": "60", "QIANYUN_SIM_WORKLOADS": "500"})
    cmd = [QIANYUN, "users", "add", username, "--role", role, "--password-stdin"] + (["--scope", scope] if scope else [])
    r = subprocess.run(cmd, input=PASSWORD + "\n", text=True, capture_output=True, cwd=console.folder, env=env, timeout=120,
                       check=False)
    assert r.returncode == 0, r.stderr
    console.users[username] = role


def _token(console: Console, username: str) -> dict[str, str]:
    r = httpx.post(console.url + "/api/v1/auth/token", data={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


@pytest.fixture(scope="module")
def people(console: Console) -> People:
    """The data authority, and the admin of a second department (a leaf outside Guiyang) that owns the entry."""
    requester = next(u for u, r in console.users.items() if r == "department-admin")
    requester_department = httpx.get(console.url + "/api/v1/me", headers=_token(console, requester)).json()["scope"]
    with sqlite3.connect(console.folder / "qianyun.db") as db:
        owner_department = db.execute(
            "SELECT id FROM department d WHERE (city IS NULL OR city != 'guiyang') AND id NOT LIKE 'dp-%' "
            "AND NOT EXISTS (SELECT 1 FROM department c WHERE c.parent_id = d.id) ORDER BY id LIMIT 1").fetchone()[0]
    if "authority" not in console.users:
        _add_user(console, "authority", "data-authority")
        _add_user(console, "owner-admin", "department-admin", owner_department)
    return People("authority", "owner-admin", owner_department, requester, requester_department)


@pytest.fixture
def public(open_page) -> Page:  # type: ignore[no-untyped-def]
    """A fresh browser, never logged in, that may reach only the service."""
    return open_page(1280)


def _switch(page: Page, who: str, console: Console) -> None:
    page.click("#logout")
    expect(page.locator("#username")).to_be_visible()
    log_in(page, console, who)


def _open_entry(page: Page, console: Console, entry_id: int) -> None:
    page.goto(f"{console.url}/#/catalog/{entry_id}")
    expect(page.locator("[data-testid=entry-meta]")).to_be_visible()


def test_catalog_sharing_and_publishing_through_the_console(page: Page, console: Console, people: People) -> None:
    word = "测试" + uuid.uuid4().hex[:6]  # a word found only in this test's entry
    name = f"{word}户籍人口统计"

    # The login page leads the public to the open-data page.
    page.goto(console.url + "/#/login")
    expect(page.locator("[data-testid=public-link]")).to_have_attribute("href", "/console/open.html")

    # ---- the owner's admin creates the entry through the form; a missing share condition is named and marked
    log_in(page, console, people.owner)
    page.click("nav a[data-nav=data]")
    expect(page.locator("[data-testid=catalog-filter]")).to_be_visible()
    expect(page.locator("nav.subnav a[data-subnav=sharing]")).to_be_visible()
    page.click("[data-action=new-entry]")
    form = page.locator("[data-testid=entry-form]")
    expect(form).to_be_visible()
    page.fill("#e-name", name)
    page.fill("#e-description", f"{word}：按区县统计的户籍人口，每日更新")
    page.select_option("#e-owner_department", people.owner_department)
    page.fill("#e-system", "人口基础信息库")
    page.select_option("#e-category", "base")
    page.select_option("#e-grade", "general")
    page.select_option("#e-update_frequency", "daily")
    page.select_option("#e-share_attribute", "conditional")
    page.select_option("#e-open_attribute", "open")
    rows = form.locator("[data-testid=field-row]")
    rows.nth(0).locator("[data-part=name]").fill("county_code")
    rows.nth(0).locator("[data-part=description]").fill("区县代码")
    form.locator("[data-action=add-field]").click()
    rows.nth(1).locator("[data-part=name]").fill("population")
    rows.nth(1).locator("[data-part=type]").select_option("integer")
    rows.nth(1).locator("[data-part=description]").fill("户籍人口数")
    form.locator("[data-action=create-entry]").click()
    error = form.locator("[data-testid=form-error]")
    expect(error).to_be_visible()
    expect(error).to_contain_text("share_condition")
    expect(page.locator("#e-share_condition")).to_have_attribute("aria-invalid", "true")
    shot(page, console, "dp01-entry-form-error")
    page.fill("#e-share_condition", "仅用于政务服务，不得向第三方提供")
    form.locator("[data-action=create-entry]").click()
    expect(page.locator("[data-testid=entry-title]")).to_contain_text(name)
    expect(page.locator("[data-testid=entry-title] code")).to_contain_text(f"GZ-{people.owner_department}-")
    expect(page.locator("[data-testid=field-item]")).to_have_count(2)
    entry_id = int(page.url.rsplit("/", 1)[1])
    code = page.locator("[data-testid=entry-title] code").inner_text()

    # The owner reports a change of the resource: pending, due ten working days on.
    page.fill("#c-summary", "新增 population 字段的统计口径说明")
    page.click("[data-action=report-change]")
    change = page.locator("[data-testid=change-row]")
    expect(change).to_have_count(1)
    expect(change).to_have_attribute("data-state", "pending")
    expect(page.locator("[data-testid=entry-flash]")).to_be_visible()
    shot(page, console, "dp02-entry-owner")

    # Listed and searchable: the word finds it, a filter that excludes it does not.
    page.goto(f"{console.url}/#/catalog")
    page.fill("#cat-q", word)
    page.click("[data-testid=catalog-filter] [data-action=filter]")
    row = page.locator(f"[data-testid=entry-row][data-id='{entry_id}']")
    expect(row).to_be_visible()
    expect(page.locator("[data-testid=entry-row]")).to_have_count(1)
    expect(row.locator("[data-testid=pending-changes]")).to_have_text("1")
    expect(row).to_contain_text("有条件共享")
    shot(page, console, "dp03-catalog-search")
    page.select_option("#catalog-share", "unconditional")
    page.click("[data-testid=catalog-filter] [data-action=filter]")
    expect(page.locator("[data-testid=table-empty]")).to_be_visible()

    # ---- another department's admin disputes a field and asks to share the entry
    _switch(page, people.requester, console)
    _open_entry(page, console, entry_id)
    expect(page.locator("[data-action=edit-entry]")).to_have_count(0)  # not theirs to edit
    page.select_option("#o-field", "population")
    page.fill("#o-text", "population 字段未说明统计时点，请补充。")
    page.click("[data-action=raise-objection]")
    objection = page.locator("[data-testid=objection-row]")
    expect(objection).to_have_attribute("data-state", "open")
    page.click("[data-action=request-share]")
    share_form = page.locator("[data-testid=share-form]")
    expect(share_form).to_be_visible()
    expect(page.locator("#s-entry")).to_have_value(str(entry_id))
    expect(page.locator("[data-testid=share-hint]")).to_contain_text("有条件共享")
    page.select_option("#s-requester", people.requester_department)
    page.fill("#s-purpose", "区县人口统计用于基层治理网格化管理")
    share_form.locator("[data-testid=share-fields] input[value=population]").check()
    share_form.locator("[data-action=submit-share]").click()
    request = page.locator(f"[data-testid=share-row][data-entry='{entry_id}']")
    expect(request).to_have_attribute("data-state", "pending-owner")
    expect(request.locator("[data-action=approve]")).to_have_count(0)  # the requester does not decide
    shot(page, console, "dp04-share-requested")

    # ---- the owner answers the objection and approves the request (first of two approvals)
    _switch(page, people.owner, console)
    _open_entry(page, console, entry_id)
    objection.locator("[data-testid=answer-text]").fill("已补充：统计时点为每日零时。")
    objection.locator("[data-action=answer]").click()
    expect(objection).to_have_attribute("data-state", "answered")
    expect(objection.locator("[data-testid=close-form]")).to_have_count(0)  # closing is the authority's
    page.click("nav.subnav a[data-subnav=sharing]")
    expect(request).to_have_attribute("data-state", "pending-owner")
    request.locator("[data-testid=share-reason]").fill("用途正当，同意共享")
    request.locator("[data-action=approve]").click()
    expect(request).to_have_attribute("data-state", "pending-authority")
    approval = request.locator("[data-testid=share-approval][data-stage=owner]")
    expect(approval).to_contain_text(people.owner)
    expect(approval).to_contain_text("用途正当")
    expect(approval.locator("[data-testid=signature]")).to_contain_text("…")

    # ---- the data authority: closes the objection, approves, scans, publishes
    _switch(page, people.authority, console)
    expect(page.locator("[data-testid=who]")).to_contain_text("数据主管部门")
    expect(page.locator("nav a[data-nav=quotas]")).to_have_count(0)
    expect(page.locator("nav a[data-nav=data]")).to_be_visible()
    _open_entry(page, console, entry_id)
    close = objection.locator("[data-testid=close-form]")
    close.locator("[data-testid=resolution]").select_option("dismissed")
    close.locator("[data-testid=close-note]").fill("答复已补充说明，异议不成立")
    close.locator("[data-action=close-objection]").click()
    expect(objection).to_have_attribute("data-state", "closed")
    expect(objection.locator("[data-testid=objection-resolution]")).to_contain_text("异议不成立")

    page.click("nav.subnav a[data-subnav=sharing]")
    expect(request.locator("[data-action=approve]")).to_be_visible()
    request.locator("[data-testid=share-reason]").fill("符合共享条件")
    request.locator("[data-action=approve]").click()
    expect(request).to_have_attribute("data-state", "approved")
    expect(request.locator("[data-testid=share-approval]")).to_have_count(2)
    expect(request.locator("[data-testid=jobset-link]")).to_be_visible()
    shot(page, console, "dp05-share-approved")

    page.click("nav.subnav a[data-subnav=compliance]")
    page.click("[data-action=scan]")
    expect(page.locator("[data-testid=scan-flash]")).to_be_visible()
    expect(page.locator("[data-testid=compliance-lastscan]")).not_to_contain_text("尚未检查")
    shot(page, console, "dp06-compliance")

    page.click("nav.subnav a[data-subnav=platform]")
    tenants = page.locator("[data-testid=tenant]")
    expect(tenants).to_have_count(3)
    for module in ("catalog", "sharing", "opendata"):
        expect(page.locator(f"[data-testid=tenant][data-module={module}]")).to_be_visible()
    expect(page.locator("[data-testid=tenant][data-module=catalog] [data-testid=tenant-workload]").first).to_be_visible()
    shot(page, console, "dp07-tenants")

    _open_entry(page, console, entry_id)
    page.click("[data-action=publish]")
    expect(page.locator("[data-testid=entry-meta]")).to_have_attribute("data-published", "true")
    expect(page.locator("[data-action=unpublish]")).to_be_visible()
    page.click("nav.subnav a[data-subnav=opendata]")
    expect(page.locator("[data-testid=target][data-year='2024']")).to_contain_text("20,000")
    expect(page.locator("[data-testid=target][data-year='2025']")).to_contain_text("25,000")
    page.fill("#od-q", word)
    page.click("[data-testid=opendata-search] button[type=submit]")
    expect(page.locator(f"[data-testid=dataset-row][data-code='{code}']")).to_be_visible()
    expect(page.locator("[data-testid=datasets-table] thead")).to_contain_text("开放时间")
    shot(page, console, "dp08-opendata-zh")
    page.click("#lang-toggle")  # the same page in English
    expect(page.locator("h1")).to_have_text("Open data")
    expect(page.locator("[data-testid=datasets-table] thead")).to_contain_text("Published")
    expect(page.locator("nav a[data-nav=data]")).to_have_text("Data platform")
    shot(page, console, "dp09-opendata-en")
    page.click("#lang-toggle")
    expect(page.locator("nav a[data-nav=data]")).to_have_text("数据平台")


def test_unconditional_entry_made_through_the_api_is_shared_at_once(page: Page, console: Console, people: People) -> None:
    word = "接口" + uuid.uuid4().hex[:6]
    owner = _token(console, people.owner)
    r = httpx.post(console.url + "/api/v1/catalog/entries", headers=owner, json={
        "name": f"{word}公共场所名录", "owner_department": people.owner_department, "system": "场所登记系统",
        "fields": [{"name": "place_name", "type": "string", "description": "场所名称"}],
        "category": "theme", "grade": "general", "update_frequency": "weekly",
        "share_attribute": "unconditional", "open_attribute": "closed", "return_flow": True})
    assert r.status_code == 201, r.text
    entry = r.json()

    log_in(page, console, people.requester)
    page.goto(f"{console.url}/#/catalog?q={word}")
    row = page.locator(f"[data-testid=entry-row][data-id='{entry['id']}']")
    expect(row).to_contain_text("无条件共享")
    row.locator("th a").click()
    expect(page.locator("[data-testid=entry-title]")).to_contain_text(word)
    page.click("[data-action=request-share]")
    expect(page.locator("[data-testid=share-hint]")).to_contain_text("立即批准")
    page.select_option("#s-requester", people.requester_department)
    page.fill("#s-purpose", "公共场所名录用于应急疏散规划")
    page.click("[data-action=submit-share]")
    request = page.locator(f"[data-testid=share-row][data-entry='{entry['id']}']")
    expect(request).to_have_attribute("data-state", "approved")
    expect(request.locator("[data-testid=share-approval][data-stage=auto]")).to_be_visible()
    expect(page.locator("[data-testid=share-flash]")).to_be_visible()
    shot(page, console, "dp10-share-auto")

    # A closed entry offers no publishing to its owner.
    _switch(page, people.owner, console)
    _open_entry(page, console, entry["id"])
    expect(page.locator("[data-action=publish]")).to_be_disabled()


def test_the_public_page_needs_no_login(public: Page, console: Console, people: People) -> None:
    # A published data set to find: created and published through the API by its owner.
    word = "公众" + uuid.uuid4().hex[:6]
    owner = _token(console, people.owner)
    r = httpx.post(console.url + "/api/v1/catalog/entries", headers=owner, json={
        "name": f"{word}空气质量监测数据", "description": "各监测站点的小时均值", "owner_department": people.owner_department,
        "system": "环境监测平台", "fields": [{"name": "station", "type": "string", "description": "站点"},
                                           {"name": "pm25", "type": "decimal", "description": "PM2.5 浓度"}],
        "category": "theme", "grade": "general", "update_frequency": "realtime",
        "share_attribute": "unconditional", "open_attribute": "open", "return_flow": False})
    assert r.status_code == 201, r.text
    code = r.json()["code"]
    assert httpx.post(console.url + "/api/v1/opendata/publish", headers=owner, json={"entry_id": r.json()["id"]}).status_code == 200

    page = public
    page.goto(console.url + "/console/open.html")
    expect(page.locator("[data-testid=pub-search]")).to_be_visible()
    expect(page.locator("[data-testid=pub-stats]")).to_be_visible()
    expect(page.locator("nav a[data-nav=search]")).to_have_text("查找数据")
    expect(page.locator("[data-testid=staff-login]")).to_have_attribute("href", "/#/login")
    page.fill("#pub-q", word)
    page.click("[data-testid=pub-search] [data-action=search]")
    hit = page.locator(f"[data-testid=pub-dataset][data-code='{code}']")
    expect(hit).to_be_visible()
    expect(page.locator("[data-testid=pub-dataset]")).to_have_count(1)
    shot(page, console, "dp11-public-search")
    hit.locator("h3 a").click()
    expect(page.locator("[data-testid=pub-dataset-title]")).to_contain_text(word)
    expect(page.locator("[data-testid=pub-fields] tbody tr")).to_have_count(2)

    # Too short: refused in the form, the field marked; then a real objection gets its id and token.
    form = page.locator("[data-testid=pub-objection-form]")
    page.fill("#pub-text", "太短")
    form.locator("[data-action=submit-objection]").click()
    expect(form.locator("[data-testid=form-error]")).to_be_visible()
    expect(page.locator("#pub-text")).to_have_attribute("aria-invalid", "true")
    page.fill("#pub-text", "pm25 字段缺少计量单位说明，请补充为微克每立方米。")
    page.fill("#pub-contact", "citizen@example.invalid")
    form.locator("[data-action=submit-objection]").click()
    receipt = page.locator("[data-testid=pub-receipt]")
    expect(receipt).to_be_visible()
    oid = page.locator("[data-testid=receipt-id]").inner_text()
    token = page.locator("[data-testid=receipt-token]").inner_text()
    assert oid.isdigit() and len(token) >= 16
    expect(receipt).to_contain_text("缺一不可")
    shot(page, console, "dp12-public-receipt")

    # With the id and the token the submitter reads their objection; with a wrong token, nothing.
    page.click("[data-testid=receipt-check]")
    expect(page.locator("#chk-id")).to_have_value(oid)
    page.fill("#chk-token", "wrong-" + token)
    page.click("[data-action=check]")
    expect(page.locator("[data-testid=pub-check-form] [data-testid=form-error]")).to_contain_text("不匹配")
    page.fill("#chk-token", token)
    page.click("[data-action=check]")
    expect(page.locator("[data-testid=pub-objection]")).to_have_attribute("data-state", "open")
    expect(page.locator("[data-testid=pub-objection]")).to_contain_text("尚未答复")
    shot(page, console, "dp13-public-check")
    page.click("#lang-toggle")
    expect(page.locator("nav a[data-nav=check]")).to_have_text("Check an objection")
    expect(page.locator("h1")).to_have_text("Check an objection")
    page.click("#lang-toggle")
    expect(page.locator("h1")).to_have_text("查询异议答复")

    # Five an hour from one address: use up the rest through the API, then the form shows the 429 plainly.
    for _ in range(10):
        r = httpx.post(console.url + "/api/v1/opendata/objections", json={"dataset": code, "text": "批量测试异议：检查频率限制。"})
        if r.status_code == 429:
            break
        assert r.status_code == 201, r.text
    assert r.status_code == 429
    page.goto(f"{console.url}/console/open.html#/d/{code}")
    page.fill("#pub-text", "再提交一条异议，应当被频率限制拦下。")
    page.click("[data-action=submit-objection]")
    error = page.locator("[data-testid=pub-objection-form] [data-testid=form-error]")
    expect(error).to_have_attribute("data-status", "429")
    expect(error).to_contain_text("每小时最多提交 5 条")
    shot(page, console, "dp14-public-ratelimited")
