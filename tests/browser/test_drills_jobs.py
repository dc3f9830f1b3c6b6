"""DR drills and data-zone jobs in the console, in a real browser against a real `qianyun serve`.

A DR coordinator runs a tabletop drill of Guiyang and reads its report (the chart's numbers are the
API's), then a live drill of Anshun (a small city cloud) that it watches to the end; a city operator
has no drills page; the province centre submits a job set through the form and reads its Gantt chart.
Screenshots land in `screenshots/` of the server's temp folder, prefixed `d`.
"""

from __future__ import annotations

import json
import re
import subprocess

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PASSWORD, QIANYUN, Console
from tests.browser.test_console import log_in, shot

DR_USER = "dr-coord"


@pytest.fixture(scope="module")
def dr_coordinator(console: Console) -> str:
    """A dr-coordinator account, added like the others (`qianyun users add --password-stdin`)."""
    if DR_USER not in console.users:
        env = {"QIANYUN_DATABASE_URL": f"sqlite:///{console.folder / 'qianyun.db'}",
               "QIANYUN_SIM_STATE_PATH": str(console.folder / "sim.db"),
               "QIANYUN_SIM_HOSTS": "60", "QIANYUN_SIM_WORKLOADS": "500", "PATH": "/usr/bin:/bin"}
        r = subprocess.run([QIANYUN, "users", "add", DR_USER, "--role", "dr-coordinator", "--password-stdin"],
                           input=PASSWORD + "\n", text=True, capture_output=True, cwd=console.folder, env=env, timeout=120)
        assert r.returncode == 0, r.stderr
        console.users[DR_USER] = "dr-coordinator"
    return DR_USER


def api(console: Console, username: str) -> httpx.Client:
    token = httpx.post(console.url + "/api/v1/auth/token", data={"username": username, "password": PASSWORD}).json()["access_token"]
    return httpx.Client(base_url=console.url + "/api/v1", headers={"Authorization": f"Bearer {token}"}, timeout=60)


def start_drill(page: Page, clouds: list[str], mode: str) -> int:
    page.click("nav a[data-nav=drills]")
    form = page.locator("[data-testid=drill-form]")
    expect(form).to_be_visible()
    for c in clouds:
        form.locator(f"input[data-cloud='{c}']").check()
    form.locator(f"input[data-mode={mode}]").check()
    if mode == "live":
        page.once("dialog", lambda d: d.accept())  # "start a live drill of ...?"
    form.locator("button[data-action=start-drill]").click()
    expect(page).to_have_url(re.compile(r"#/drills/\d+$"), timeout=30_000)
    return int(page.url.rsplit("/", 1)[1])


def test_dr_coordinator_runs_a_tabletop_drill_and_reads_the_report(page: Page, console: Console, dr_coordinator: str) -> None:
    log_in(page, console, dr_coordinator)
    page.click("nav a[data-nav=drills]")
    boxes = page.locator("[data-testid=drill-form] input[name=drill-cloud]")
    expect(boxes).to_have_count(13)  # the 14 clouds but the backup node
    offered = boxes.evaluate_all("bs => bs.map(b => b.value)")
    assert "gz-backup" not in offered and {"gz-gov", "gy", "as"} <= set(offered)  # never the backup node
    shot(page, console, "d01-drills")

    drill = start_drill(page, ["gy"], "tabletop")
    expect(page.locator("[data-testid=drill-state]")).to_have_attribute("data-state", "closed")
    report = page.locator("[data-testid=drill-report]")
    expect(report).to_be_visible()

    with api(console, dr_coordinator) as http:
        r = http.get(f"/drills/{drill}/report").json()
    sm = r["summary"]
    assert sm["protected"] > 0
    expect(page.locator("[data-testid=drill-protected] .tile-value")).to_have_text(str(sm["protected"]))
    expect(page.locator("[data-testid=drill-didnotfit] .tile-value")).to_have_text(str(sm["did_not_fit"]))
    # The headline counts every system of the drilled cloud, the unprotected ones too, and adds up.
    hl = r["headline"]
    head = page.locator("[data-testid=drill-headline]")
    expect(head).to_have_attribute("data-systems", str(hl["systems"]))
    expect(head).to_contain_text(f"演练云上共 {hl['systems']} 个系统")
    parts = {k: int(head.locator(f"li[data-part={k}]").get_attribute("data-count"))
             for k in ("within_rto", "late", "no_place", "not_protected")}
    assert sum(parts.values()) == hl["systems"] == sm["protected"] + sm["not_protected"], (parts, hl, sm)
    assert parts["not_protected"] == sm["not_protected"] > 0
    expect(head.locator("li[data-part=not_protected]")).to_contain_text("未受保护")
    expect(page.locator("[data-testid=drill-systems] .tile-value")).to_have_text(str(hl["systems"]))
    # The chart: one bar per priority (tabletop: predicted only), with the report's numbers.
    bars = page.locator("[data-testid=rto-chart] [data-testid=rto-bar]")
    expect(bars).to_have_count(len(r["by_priority"]["predicted"]))
    for row in r["by_priority"]["predicted"]:
        b = page.locator(f"[data-testid=rto-bar][data-priority='{row['priority']}'][data-basis=predicted]")
        expect(b).to_have_attribute("data-within", str(row["within_rto"]))
        expect(b).to_have_attribute("data-systems", str(row["systems"]))
        expect(b).to_contain_text(f"{row['within_rto']} / {row['systems']}")
    expect(page.locator("[data-testid=systems-chart] circle")).to_have_count(
        sum(1 for x in r["systems"] if x["predicted_minutes"] is not None))
    slowest = page.locator("[data-testid=slowest-row]")
    expect(slowest).to_have_count(len(r["slowest"]))
    expect(slowest.first).to_have_attribute("data-workload", r["slowest"][0]["workload"])
    expect(page.locator("[data-testid=did-not-fit]")).to_have_attribute("data-count", str(len(r["did_not_fit"])))
    expect(page.locator("[data-testid=drill-failback]")).to_have_attribute("data-state", "none")  # tabletop: no failback
    shot(page, console, "d02-tabletop-report")

    # The printable HTML report opens in a new window (fetched with the token, shown from a blob).
    with page.context.expect_page() as popup:
        page.click("button[data-action=html-report]")
    html = popup.value
    html.wait_for_load_state()
    expect(html.locator("h1")).to_contain_text(f"#{drill}")
    expect(html.locator("[data-headline]")).to_contain_text(f"共 {hl['systems']} 个系统")
    assert "predicted: predicted" not in html.content() and "memory_gib" not in html.inner_text("body")
    html.screenshot(path=str(console.shots / "d03-html-report.png"), full_page=False)
    html.close()

    page.click("nav a[data-nav=drills]")
    expect(page.locator(f"[data-testid=drill-row][data-drill='{drill}']")).to_have_attribute("data-state", "closed")


def test_dr_coordinator_watches_a_live_drill_close(page: Page, console: Console, dr_coordinator: str) -> None:
    log_in(page, console, dr_coordinator)
    drill = start_drill(page, ["as"], "live")
    expect(page.locator("[data-testid=drill-steps]")).to_be_visible()
    state = page.locator("[data-testid=drill-state]")
    # Polled every second: the page reaches closed on its own, without a reload.
    expect(state).to_have_attribute("data-state", "closed", timeout=60_000)
    expect(page.locator("[data-testid=drill-steps] li[data-step=closed]")).to_have_attribute("aria-current", "step")
    with api(console, dr_coordinator) as http:
        d = http.get(f"/drills/{drill}").json()
        r = http.get(f"/drills/{drill}/report").json()
    fo = page.locator("[data-testid=drill-plan-failover]")
    expect(fo).to_have_attribute("data-done", str(d["progress"]["failover"]["done"]))
    expect(fo).to_have_attribute("data-total", str(d["progress"]["failover"]["total"]))
    # A live drill is measured: predicted and measured bars for every priority.
    for row in r["by_priority"]["measured"]:
        expect(page.locator(f"[data-testid=rto-bar][data-priority='{row['priority']}'][data-basis=measured]")
               ).to_have_attribute("data-within", str(row["within_rto"]))
    fb = page.locator("[data-testid=drill-failback]")
    expect(fb).to_have_attribute("data-state", r["failback"]["state"])
    expect(fb).to_contain_text(f"{r['failback']['done']} / {r['failback']['moves']}")
    shot(page, console, "d04-live-closed")


def test_city_operator_has_no_drills_page(page: Page, console: Console) -> None:
    log_in(page, console, "gy-operator")
    expect(page.locator("nav a[data-nav=drills]")).to_have_count(0)
    expect(page.locator("nav a[data-nav=jobs]")).to_be_visible()  # job sets on its own cloud are its to see
    page.goto(console.url + "/#/drills")
    expect(page.locator("[data-testid=forbidden]")).to_be_visible()
    expect(page.locator("[data-testid=drill-form]")).to_have_count(0)


def test_province_operator_submits_a_job_set_and_reads_its_gantt_chart(page: Page, console: Console) -> None:
    log_in(page, console, "province")
    page.click("nav a[data-nav=jobs]")
    form = page.locator("[data-testid=jobset-form]")
    expect(form).to_be_visible()
    example = json.loads(page.input_value("#j-document"))  # pre-filled with a job set that works
    assert len(example["jobs"]) == 3
    page.fill("#j-name", "数据归集（浏览器测试）")
    page.select_option("#j-cloud", "gy")
    shot(page, console, "d05-jobs-form")

    # A bad document is refused on the spot, naming the problem.
    page.fill("#j-document", "{\"jobs\": [")
    form.locator("button[data-action=submit-jobset]").click()
    expect(form.locator(".alert-error")).to_contain_text("JSON")
    page.fill("#j-document", json.dumps(example, indent=2))
    form.locator("button[data-action=submit-jobset]").click()
    expect(page).to_have_url(re.compile(r"#/jobs/\d+$"), timeout=30_000)
    jobset = int(page.url.rsplit("/", 1)[1])

    with api(console, "province") as http:
        sched = http.get(f"/jobsets/{jobset}/schedule").json()
        detail = http.get(f"/jobsets/{jobset}").json()
    rows = page.locator("[data-testid=gantt] [data-testid=gantt-row]")
    expect(rows).to_have_count(3)
    expect(page.locator("[data-testid=gantt] [data-testid=gantt-bar]")).to_have_count(3)
    for job, start in sched["starts"].items():
        expect(page.locator(f"[data-testid=gantt-row][data-job='{job}']")).to_have_attribute("data-start", str(start))
    # The capacity under the chart: one step line per resource of the job set.
    expect(page.locator("[data-testid=gantt] [data-testid=capacity-line]")).to_have_count(len(detail["document"]["resources"]))
    expect(page.locator("[data-testid=jobset-makespan] .tile-value")).to_contain_text(str(sched["makespan"]))
    expect(page.locator("[data-testid=job-row]")).to_have_count(3)
    expect(page.locator("[data-testid=replans-empty], [data-testid=replans-table]")).to_be_visible()
    shot(page, console, "d06-jobset-gantt")

    page.click("nav a[data-nav=jobs]")
    expect(page.locator(f"[data-testid=jobset-row][data-jobset='{jobset}']")).to_contain_text("数据归集")
    shot(page, console, "d07-jobs-list")


def test_language_switch_changes_the_drills_and_jobs_labels(page: Page, console: Console, dr_coordinator: str) -> None:
    with api(console, dr_coordinator) as http:  # something to read, should this test run alone
        if not http.get("/drills").json()["total"]:
            http.post("/drills", json={"clouds": ["qxn"], "mode": "tabletop"}).raise_for_status()
    with api(console, "province") as http:
        if not http.get("/jobsets").json()["total"]:
            http.post("/jobsets", json={"cloud": "gy", "recurrence": None, "resources": {"vcpu": 4},
                                        "jobs": [{"id": "a", "duration": 10, "demand": {"vcpu": 2}}]}).raise_for_status()
    log_in(page, console, "province")
    expect(page.locator("nav a[data-nav=drills]")).to_have_text("灾备演练")
    expect(page.locator("nav a[data-nav=jobs]")).to_have_text("数据作业")
    page.click("nav a[data-nav=drills]")
    expect(page.locator("main h1")).to_have_text("灾备演练")
    page.click("#lang-toggle")
    expect(page.locator("main h1")).to_have_text("DR drills")
    expect(page.locator("[data-testid=drill-form] button[data-action=start-drill]")).to_have_text("Start drill")
    expect(page.locator("[data-testid=drills-table] thead")).to_contain_text("Started by")
    page.locator("[data-testid=drill-row] a").first.click()  # a closed drill from the tests above
    expect(page.locator("[data-testid=drill-report]")).to_contain_text("Recovery by priority")
    expect(page.locator("[data-testid=drill-state] .badge")).to_have_text("Closed")
    shot(page, console, "d08-drill-english")
    page.click("nav a[data-nav=jobs]")
    expect(page.locator("main h1")).to_have_text("Data jobs")
    page.locator("[data-testid=jobset-row] a").first.click()
    expect(page.locator("[data-testid=gantt]")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Schedule and hourly capacity")
    shot(page, console, "d09-jobset-english")
    page.click("#lang-toggle")
    expect(page.locator("main")).to_contain_text("排程甘特图与每小时容量")
    expect(page.locator("nav a[data-nav=jobs]")).to_have_text("数据作业")
