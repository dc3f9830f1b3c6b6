"""In zh-CN: the shared table widget (sort, filter and page from the API, kept in the address) on a cloud's
hosts and the audit log with its diff; the catalog entry form refusing personal information opened
unconditionally, with the message under the field; a published data set's page with format, licence, API
and dictionary; a quota request's success message. Screenshots: t*.png."""

from __future__ import annotations

import httpx
from playwright.sync_api import Page, expect

from tests.browser.conftest import Console
from tests.browser.test_console import log_in, shot
from tests.browser.test_data_platform import _add_user, _token
from tests.browser.test_drills_jobs import api


def test_hosts_sort_and_filter_through_the_api(page: Page, console: Console) -> None:
    log_in(page, console, "province")
    page.goto(console.url + "/#/clouds/gy")
    rows = page.locator("[data-testid=host-row]")
    expect(rows.first).to_be_visible()
    expect(page.locator("[data-testid=hosts] th[aria-sort=ascending] a[data-sort=id]")).to_be_visible()
    page.click("[data-testid=hosts] a[data-sort=allocated_vcpu]")
    page.click("[data-testid=hosts] a[data-sort=allocated_vcpu]")
    expect(page.locator("[data-testid=hosts] th[aria-sort=descending] a[data-sort=allocated_vcpu]")).to_be_visible()
    assert "sort=allocated_vcpu" in page.url and "order=desc" in page.url
    api = httpx.get(console.url + "/api/v1/hosts", params={"cloud": "gy", "sort": "allocated_vcpu", "order": "desc", "limit": 50},
                    headers=_token(console, "province")).json()
    expect(rows.first).to_have_attribute("data-id", api["items"][0]["id"])
    expect(page.locator("[data-testid=table-total]")).to_have_attribute("data-total", str(api["total"]))
    shot(page, console, "t01-hosts-sorted")
    one = api["items"][0]["id"]
    page.fill("#hosts-q", one)
    page.click("[data-testid=hosts-filter] [data-action=filter]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-id", one)
    expect(page.locator("[data-testid=hosts-filter]")).to_contain_text("搜索")
    # a sort field the API does not know (an edited address) is shown as the API's refusal, not a blank page
    page.goto(console.url + "/#/clouds/gy?sort=secret")
    expect(page.locator("[data-testid=hosts] [data-testid=form-error]")).to_contain_text("sort")
    shot(page, console, "t02-hosts-bad-sort")


def test_audit_filters_by_actor_and_shows_changes_as_a_diff(page: Page, console: Console) -> None:
    log_in(page, console, "auditor")
    page.goto(console.url + "/#/audit")
    expect(page.locator("[data-testid=audit-row]").first).to_be_visible()
    page.fill("#audit-actor", "province")
    page.click("[data-testid=audit-filter] [data-action=filter]")
    rows = page.locator("[data-testid=audit-row]")
    expect(rows.first).to_have_attribute("data-actor", "province")
    assert all(a == "province" for a in rows.evaluate_all("rs => rs.map(r => r.dataset.actor)"))
    assert "actor=province" in page.url
    expect(page.locator("[data-testid=audit-diff] li").first).to_be_visible()
    expect(page.locator("#audit-since")).to_have_attribute("type", "date")
    shot(page, console, "t03-audit-actor")


def test_personal_information_is_refused_under_its_field_then_published_conditionally(page: Page, console: Console) -> None:
    if "t-authority" not in console.users:
        _add_user(console, "t-authority", "data-authority")
    log_in(page, console, "t-authority")
    page.goto(console.url + "/#/catalog/new")
    page.fill("#e-name", "户籍人口明细")
    page.fill("#e-system", "人口信息系统")
    page.select_option("#e-open_attribute", "open")
    page.select_option("#e-share_attribute", "unconditional")
    page.select_option("#e-licence", "CC0-1.0")
    page.select_option("#e-data_format", "json")
    rows = page.locator("[data-testid=field-row]")
    rows.nth(0).locator("[data-part=name]").fill("区县")
    page.click("[data-action=add-field]")
    rows.nth(1).locator("[data-part=name]").fill("身份证号")
    expect(page.locator("[data-testid=field-row] [data-part=sensitivity] option").first).to_have_text("按字段名推荐")
    page.click("[data-action=create-entry]")
    err = page.locator("[data-testid=field-error][data-field='fields[1].sensitivity']")
    expect(err).to_contain_text("敏感个人信息")
    expect(rows.nth(1).locator("[data-part=sensitivity]")).to_have_attribute("aria-invalid", "true")
    shot(page, console, "t04-entry-personal-refused")
    page.select_option("#e-open_attribute", "conditional")
    page.fill("#e-share_condition", "依申请共享，限履职使用")
    page.select_option("#e-share_attribute", "conditional")
    page.click("[data-action=create-entry]")
    expect(page.locator("[data-testid=entry-meta]")).to_be_visible()
    expect(page.locator("[data-testid=field-item][data-sensitivity=sensitive]")).to_contain_text("敏感个人信息")
    expect(page.locator("[data-testid=entry-licence]")).to_contain_text("CC0")
    entry_id = int(page.url.rsplit("/", 1)[1])
    r = httpx.post(console.url + "/api/v1/opendata/publish", json={"entry_id": entry_id}, headers=_token(console, "t-authority"))
    assert r.status_code == 200, r.text
    code = r.json()["code"]
    page.reload()
    expect(page.locator("[data-testid=entry-api]")).to_contain_text(code)
    shot(page, console, "t05-entry-published")
    page.goto(f"{console.url}/console/open.html#/d/{code}")
    expect(page.locator("[data-testid=pub-dataset-title]")).to_have_text("户籍人口明细")
    expect(page.locator("[data-testid=pub-format]")).to_have_text("JSON")
    expect(page.locator("[data-testid=pub-frequency]")).to_have_text("每日")
    expect(page.locator("[data-testid=pub-licence]")).to_contain_text("CC0 1.0")
    expect(page.locator("[data-testid=pub-api]")).to_have_attribute("href", f"/api/v1/opendata/datasets/{code}")
    with page.expect_download() as dl:
        page.click("[data-testid=pub-download]")
    text = open(dl.value.path(), encoding="utf-8-sig").read()
    assert "身份证号,string,,sensitive" in text
    shot(page, console, "t06-public-dataset")


def test_a_quota_request_says_it_was_sent(page: Page, console: Console) -> None:
    log_in(page, console, "dept-admin")
    page.goto(console.url + "/#/quotas")
    page.fill("#q-vcpu", "1")
    page.fill("#q-justification", "一个小的统计分析任务，需要 1 个 vCPU")
    page.click("[data-action=request-quota]")
    expect(page.locator("[data-testid=form-success]")).to_contain_text("申请已提交", timeout=30_000)
    expect(page.locator("body")).not_to_contain_text("state.pending")
    shot(page, console, "t07-quota-sent")
    # decided at once: the quota journey (tests/browser/test_quotas.py) on this shared server ends on an empty inbox
    with api(console, "gy-operator") as gy:
        mine = [r for r in gy.get("/quota-requests", params={"awaiting": "me"}).json()["items"]
                if r["justification"] == "一个小的统计分析任务，需要 1 个 vCPU"]
        assert len(mine) == 1, mine
        assert gy.post(f"/quota-requests/{mine[0]['id']}/reject", json={"reason": "n/a"}).status_code == 200
