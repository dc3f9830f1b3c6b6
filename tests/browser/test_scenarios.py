"""The console's scenarios page in a real browser: ask one from the form and one in YAML, read the answer,
compare the two side by side, in Chinese and in English. Screenshots land in `screenshots/`, prefixed `w`."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import Console
from tests.browser.test_console import log_in, shot


def _answered(page: Page) -> None:
    expect(page.locator("[data-testid=hosts-table]")).to_be_visible(timeout=120_000)


def test_scenarios_asked_read_and_compared_in_both_languages(page: Page, console: Console) -> None:
    log_in(page, console, "province")
    page.goto(console.url + "/#/scenarios")
    expect(page.locator("[data-testid=scenario-form]")).to_be_visible()
    shot(page, console, "w01-scenarios-zh")
    # from the form: Guiyang +20 %, gz-gov lost
    page.fill("#sc-name", "贵阳增长20%，省云宕机")
    page.fill("#sc-grow-share", "20")
    page.select_option("#sc-grow-cloud", "gy")
    page.check("input[name=lose][data-cloud=gz-gov]")
    page.click("[data-action=ask]")
    _answered(page)
    first = page.url.rsplit("/", 1)[1]
    expect(page.locator("[data-testid=drill-table]")).to_be_visible()
    expect(page.locator("[data-testid=energy-table]")).to_contain_text("MWh")
    expect(page.locator("[data-testid=hosts-table] tr[data-cloud=gz-gov]")).to_contain_text("已失去")
    expect(page.locator("[data-testid=applied]")).to_contain_text("增长 20%")  # what was changed, in the reader's words
    shot(page, console, "w02-scenario-zh")
    # a bad YAML scenario is refused with the field, nothing stored
    page.goto(console.url + "/#/scenarios")
    page.fill("#sc-yaml", "name: bad\nchanges:\n  grow_clouds: [{cloud: gy, share: -1}]\n")
    page.click("[data-action=ask-yaml]")
    expect(page.locator("[data-testid=scenario-yaml-form] [data-testid=form-error]")).to_contain_text("changes.grow_clouds[0].share")
    # in YAML: more hosts on the backup node
    page.fill("#sc-yaml", "name: backup +4\nchanges:\n  add_hosts:\n    - {cloud: gz-backup, type: H3C UniServer R4900 G5, count: 4}\n")
    page.click("[data-action=ask-yaml]")
    _answered(page)
    second = page.url.rsplit("/", 1)[1]
    expect(page.locator("[data-testid=hosts-table] tr[data-cloud=gz-backup]")).to_contain_text("7")
    page.goto(console.url + "/#/scenarios")
    page.check(f"input[name=compare][value='{first}']")
    page.check(f"input[name=compare][value='{second}']")
    page.click("[data-action=compare]")
    table = page.locator("[data-testid=compare-table]")
    expect(table).to_contain_text("贵阳增长20%，省云宕机")
    expect(table).to_contain_text("backup +4")
    expect(page.locator("[data-testid=compare-clouds] tr[data-cloud=gz-gov]")).to_contain_text("已失去")
    shot(page, console, "w03-compare-zh")
    page.click("#lang-toggle")
    expect(page.locator("h1")).to_have_text("Scenarios side by side")
    expect(page.locator("[data-testid=compare-clouds] tr[data-cloud=gz-gov]")).to_contain_text("lost")
    shot(page, console, "w04-compare-en")
    page.goto(console.url + f"/#/scenarios/{first}")
    _answered(page)
    expect(page.locator("[data-testid=energy-table]")).to_contain_text("Cost per year (yuan)")
    expect(page.locator("[data-testid=applied]")).to_contain_text("grew")
    shot(page, console, "w05-scenario-en")
    page.click("#lang-toggle")  # leave the console in Chinese for the next test
