"""Every console address, visited as the province operator: no JavaScript error, no module that fails to load.

The console is native ES modules (docs/console.md): one wrong import, a module missing from the wheel or
served with the wrong content type leaves a page blank with nothing but a console message. This test
visits an address for every route of the console's router (read from app.js, so a new page cannot be
left out) and the public open-data page, and fails on any uncaught error, any console error and any
file under /console/ the server does not deliver.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import httpx
from playwright.sync_api import ConsoleMessage, Page, Request, Response, expect

from dashboards import console_dir
from tests.browser.conftest import PASSWORD, Console
from tests.browser.test_console import log_in

JOB_SET = {
    "horizon": 600, "resources": {"vcpu": 16, "memory_gib": 64},
    "jobs": [{"id": "collect", "duration": 30, "demand": {"vcpu": 8, "memory_gib": 16}},
             {"id": "publish", "duration": 5, "demand": {"vcpu": 2}, "after": ["collect"]}],
}


def _client(console: Console, username: str) -> httpx.Client:
    r = httpx.post(console.url + "/api/v1/auth/token", data={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return httpx.Client(base_url=console.url + "/api/v1", timeout=60,
                        headers={"Authorization": f"Bearer {r.json()['access_token']}"})


def _first_or_new(api: httpx.Client, listing: str, create: str, body: dict) -> int:
    """The id of an item other tests left, or of a new one: a detail page needs something to show."""
    items = api.get(listing).json()["items"]
    if items:
        return int(items[0]["id"])
    r = api.post(create, json=body)
    assert r.status_code in (200, 201), r.text
    return int(r.json()["id"])


def _addresses(console: Console) -> list[str]:
    """One address per route, with real ids made or found through the API."""
    province = _client(console, "province")
    dept = _client(console, "dept-admin")
    host = province.get("/hosts", params={"cloud": "gy", "limit": 1}).json()["items"][0]["id"]
    workload = province.get("/workloads", params={"cloud": "gy", "limit": 1}).json()["items"][0]["id"]
    plan = _first_or_new(province, "/plans?limit=1", "/plans",
                         {"kind": "rebalance", "scope": "gy", "objective": "consolidate", "max_migrations": 2})
    drill = _first_or_new(province, "/drills?limit=1", "/drills", {"clouds": ["gy"], "mode": "tabletop"})
    jobset = _first_or_new(province, "/jobsets?limit=1", "/jobsets", {**JOB_SET, "cloud": "gy", "name": "every-page"})
    scenarios = [province.post("/scenarios", json={"name": f"every-page {i}", "changes": {}}).json()["id"] for i in (1, 2)]
    # A published entry of the department admin's own department: the catalog page and the public page.
    department = dept.get("/me").json()["scope"]
    r = dept.post("/catalog/entries", json={
        "name": "每页检查" + uuid.uuid4().hex[:6], "owner_department": department, "system": "检查系统",
        "fields": [{"name": "id", "type": "string", "description": "编号"}], "category": "theme", "grade": "general",
        "update_frequency": "daily", "share_attribute": "unconditional", "open_attribute": "open", "return_flow": False})
    assert r.status_code == 201, r.text
    entry = r.json()
    assert dept.post("/opendata/publish", json={"entry_id": entry["id"]}).status_code == 200
    return [
        "/#/overview", "/#/clouds/gy", f"/#/hosts/{host}", "/#/plans", "/#/plans?state=proposed", f"/#/plans/{plan}",
        "/#/drills", f"/#/drills/{drill}", "/#/scenarios", f"/#/scenarios/{scenarios[0]}",
        f"/#/scenarios/compare?ids={scenarios[0]},{scenarios[1]}", "/#/jobs", f"/#/jobs/{jobset}", "/#/why", f"/#/why/{workload}",
        "/#/audit", "/#/quotas", "/#/quota-inbox", "/#/catalog", "/#/catalog/new", "/#/catalog/compliance",
        f"/#/catalog/{entry['id']}", "/#/sharing", "/#/opendata", "/#/platform",
        "/#/account", "/#/users", "/#/site-policy",
        "/console/open.html", "/console/open.html#/d/" + entry["code"], "/console/open.html#/check",
    ]


def _routes() -> list[str]:
    """The patterns of the console's router, as app.js declares them."""
    text = (Path(console_dir()) / "app.js").read_text(encoding="utf-8")
    routes = re.findall(r"^\s*\[/(\^#.*?\$)/, page\w+\],$", text, re.M)
    assert len(routes) >= 20, "the route table of app.js was not found"
    return routes


def test_every_page_loads_its_modules_and_runs_without_a_javascript_error(open_page, console: Console) -> None:  # type: ignore[no-untyped-def]
    addresses = _addresses(console)
    hashes = ["/login"] + [a.split("#", 1)[1].split("?")[0] for a in addresses if a.startswith("/#")]
    missed = [r for r in _routes() if not any(re.match(r.replace("\\/", "/"), "#" + h) for h in hashes)]
    assert not missed, f"routes this test does not visit: {missed}"

    page: Page = open_page()
    problems: list[str] = []
    where = {"at": "/"}
    page.on("pageerror", lambda exc: problems.append(f"{where['at']}: uncaught {exc}"))

    def on_console(msg: ConsoleMessage) -> None:
        if msg.type == "error":
            problems.append(f"{where['at']}: console error {msg.text} ({msg.location.get('url', '')})")

    def on_response(res: Response) -> None:
        if "/console/" in res.url and res.status >= 400:
            problems.append(f"{where['at']}: {res.url} answered {res.status}")

    def on_failed(req: Request) -> None:
        # Only the console's own files: the API calls of a page still loading are cut when the test moves on.
        if "/console/" in req.url:
            problems.append(f"{where['at']}: {req.url} failed ({req.failure})")

    page.on("console", on_console)
    page.on("response", on_response)
    page.on("requestfailed", on_failed)

    page.goto(console.url + "/#/login")  # the login page, before logging in
    page.wait_for_load_state("networkidle")
    assert not problems, "\n".join(problems)
    expect(page.locator("#username")).to_be_visible()
    log_in(page, console, "province")
    for address in addresses:
        where["at"] = address
        page.goto("about:blank")  # a fresh load of every module each time (the login stays in sessionStorage)
        page.goto(console.url + address)
        page.wait_for_load_state("networkidle")
        assert not problems, "\n".join(problems)
        main = page.locator("#main")
        failed = main.locator(":scope > .alert-error")  # what the router shows when a page throws
        expect(main.locator("h1").or_(failed).first).to_be_visible()
        assert not failed.count(), f"{address}: {failed.all_inner_texts()}"
        expect(main.locator("h1").first).to_be_visible()  # the page drew itself: not blank, not "not found"
        expect(main.get_by_text("加载中…", exact=True)).to_have_count(0)
    assert not problems, "\n".join(problems)
