"""中文 throughout: the console's pages read in one language, server sentences included.

In Chinese (the default) the plan, why, quotas, drills, jobs, catalog and open-data pages may show no
English word of four letters or more outside ids, units and proper names; in English, no Chinese
outside proper names. Only visible text nodes count (a collapsed <details>, a hidden alert, the
contents of a text box the user edits are not read). Screenshots of the plan and why pages in both
languages are saved as `lang-<page>-<language>.png`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PASSWORD, Console
from tests.browser.test_console import shot

# Visible text, element by element: [tag of the parent, text]. Form fields the user types into and
# <code> (ids, field names) are not prose; what the page marks translate="no" (HTML's own mark for a
# proper name: the brand, a system's name as its owner gave it) is not translated; <script>/<style>
# never show.
VISIBLE_TEXT = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    const text = n.textContent.trim();
    if (!text || !el || el.closest('script, style, textarea, code, [hidden], [translate=no]')) continue;
    if (!el.getClientRects().length) continue;
    const st = getComputedStyle(el);
    if (st.visibility === 'hidden' || st.display === 'none') continue;
    let hiddenAbove = false;
    for (let p = el; p; p = p.parentElement) {
      if (p.tagName === 'DETAILS' && !p.open && !el.closest('summary')) { hiddenAbove = true; break; }
    }
    if (!hiddenAbove) out.push([el.tagName.toLowerCase(), text]);
  }
  return out;
}"""

# A word: letters not joined to digits, hyphens, dots, colons or underscores (those make ids: w-000123,
# gy-h0037, gz-backup, GZ-…-0001, city:gy, system:data-platform, qianyun.lang).
WORD = re.compile(r"(?<![A-Za-z0-9_.:\-/@])[A-Za-z]{4,}(?![A-Za-z0-9_\-/@]|[.:][A-Za-z0-9])")
# units, formats and proper names that stay as they are in Chinese text (kept small on purpose): the
# language switch says "English" in English, as the English page's says "中文"
ENGLISH_ALLOWED = {"vCPU", "JSON", "HTML", "cron", "English", "OpenStack", "Kubernetes"}  # and product names
CHINESE = re.compile(r"[\u3400-\u9fff]+")
# proper names that stay Chinese in English text: the service's own name, and the language switch
CHINESE_ALLOWED = {"黔云", "中文"}


def english_words(texts: list[list[str]], ids: set[str]) -> list[str]:
    """Words of four letters or more that are neither allowed nor an id (a cloud such as `health`, a user)."""
    found = []
    for _, text in texts:
        for w in WORD.findall(text):
            if w not in ENGLISH_ALLOWED and w not in ids:
                found.append(f"{w!r} in {text[:120]!r}")
    return found


def chinese_words(texts: list[list[str]]) -> list[str]:
    found = []
    for _, text in texts:
        for w in CHINESE.findall(text):
            if w not in CHINESE_ALLOWED:
                found.append(f"{w!r} in {text[:120]!r}")
    return found


def api(console: Console, username: str) -> httpx.Client:
    token = httpx.post(console.url + "/api/v1/auth/token",
                       data={"username": username, "password": PASSWORD}).json()["access_token"]
    return httpx.Client(base_url=console.url + "/api/v1", headers={"Authorization": f"Bearer {token}"}, timeout=120)


@pytest.fixture(scope="module")
def made(console: Console) -> Iterator[dict[str, object]]:
    """What the pages show: a proposed plan with moves, a quota request with its feasibility answer,
    a tabletop drill with its report, a workload of Guiyang to explain."""
    with api(console, "province") as http:
        # a city whose consolidation still moves something: on this shared server another test may
        # already have consolidated Guiyang
        for city in ("gy", "zy", "as", "lps", "qn", "bj"):
            plan = http.post("/plans", json={"kind": "rebalance", "scope": city, "objective": "consolidate",
                                             "max_migrations": 6})
            assert plan.status_code == 201, plan.text
            if plan.json()["moves"]:
                break
        assert plan.json()["moves"], "no city's consolidation moves anything"
        dept = next(d["id"] for d in http.get("/departments?city=guiyang&limit=200").json()["items"]
                    if d["industry"] is None)
        req = http.post("/quota-requests", json={"department": dept, "cloud": "gy", "amount": {"vcpu": 4, "memory_gib": 8},
                                                "justification": "浏览器语言测试用的配额申请"})
        assert req.status_code in (200, 201), req.text
    with api(console, "gy-operator") as gy:  # decided at once: other tests of this server expect an empty inbox
        r = gy.post(f"/quota-requests/{req.json()['id']}/reject", json={"reason": "n/a"})
        assert r.status_code == 200, r.text
    with api(console, "province") as http:
        drill = http.post("/drills", json={"clouds": ["as"], "mode": "tabletop"})
        assert drill.status_code in (200, 201, 202), drill.text
        workload = http.get("/workloads?cloud=gy&limit=1").json()["items"][0]["id"]
        clouds = {c["id"] for c in http.get("/clouds?limit=100").json()["items"]}
        yield {"plan": plan.json()["id"], "drill": drill.json()["id"], "workload": workload,
               "ids": clouds | set(console.users)}


def pages(made: dict[str, object]) -> list[tuple[str, str, str]]:
    """(name, address, what shows the page has drawn its data)"""
    return [
        ("plan", f"/#/plans/{made['plan']}", "[data-testid=move-row]"),
        ("why", f"/#/why/{made['workload']}", "[data-testid=why-row]"),
        ("quotas", "/#/quotas", "[data-testid=request-row]"),
        ("drills", "/#/drills", "[data-testid=drills-table]"),
        ("drill", f"/#/drills/{made['drill']}", "[data-testid=drill-state]"),
        ("jobs", "/#/jobs", "[data-testid=jobset-form]"),
        ("catalog", "/#/catalog", "[data-testid=catalog-filter]"),
    ]


def open_as_province(open_page, console: Console, lang: str) -> Page:  # type: ignore[no-untyped-def]
    page = open_page()
    if lang == "en":
        page.add_init_script("localStorage.setItem('qianyun.lang', 'en')")
    page.goto(console.url + "/#/login")
    page.fill("#username", "province")
    page.fill("#password", PASSWORD)
    page.click("form.login-form button[type=submit]")
    expect(page.locator("[data-testid=who]")).to_contain_text("province")
    return page


def read(page: Page, console: Console, address: str, ready: str) -> list[list[str]]:
    page.goto(console.url + address)
    expect(page.locator(ready).first).to_be_visible(timeout=30_000)
    page.wait_for_load_state("networkidle")
    return page.evaluate(VISIBLE_TEXT)


def test_every_page_in_chinese_holds_no_english(open_page, console: Console, made: dict[str, object]) -> None:  # type: ignore[no-untyped-def]
    page = open_as_province(open_page, console, "zh")
    users: set[str] = made["ids"]  # type: ignore[assignment]
    found: dict[str, list[str]] = {}
    for name, address, ready in pages(made):
        texts = read(page, console, address, ready)
        if name in ("plan", "why"):
            shot(page, console, f"lang-{name}-zh")
        assert texts, name
        words = english_words(texts, users)
        if words:
            found[name] = words
    public = open_page()
    public.goto(console.url + "/console/open.html")
    public.wait_for_load_state("networkidle")
    words = english_words(public.evaluate(VISIBLE_TEXT), users)
    if words:
        found["open-data"] = words
    assert not found, "English on Chinese pages:\n" + "\n".join(
        f"{name}: {len(ws)}: " + "; ".join(ws[:12]) for name, ws in found.items())


def test_every_page_in_english_holds_no_chinese(open_page, console: Console, made: dict[str, object]) -> None:  # type: ignore[no-untyped-def]
    page = open_as_province(open_page, console, "en")
    found: dict[str, list[str]] = {}
    for name, address, ready in pages(made):
        texts = read(page, console, address, ready)
        if name in ("plan", "why"):
            shot(page, console, f"lang-{name}-en")
        words = chinese_words(texts)
        if words:
            found[name] = words
    public = open_page()
    public.add_init_script("localStorage.setItem('qianyun.lang', 'en')")
    public.goto(console.url + "/console/open.html")
    public.wait_for_load_state("networkidle")
    words = chinese_words(public.evaluate(VISIBLE_TEXT))
    if words:
        found["open-data"] = words
    assert not found, "Chinese on English pages:\n" + "\n".join(
        f"{name}: {len(ws)}: " + "; ".join(ws[:12]) for name, ws in found.items())


def test_the_server_answers_in_the_consoles_language(console: Console, made: dict[str, object]) -> None:
    """What the console sends (Accept-Language) decides the words of a move's reason and a refusal."""
    with api(console, "province") as http:
        zh = http.get(f"/plans/{made['plan']}", headers={"Accept-Language": "zh-CN"}).json()
        en = http.get(f"/plans/{made['plan']}", headers={"Accept-Language": "en"}).json()
        assert zh["moves"] and [m["code"] for m in zh["moves"]] == [m["code"] for m in en["moves"]]
        assert all(CHINESE.search(m["text"]) for m in zh["moves"])
        assert all(m["text"] and not CHINESE.search(m["text"]) for m in en["moves"])
        r = http.get("/plans/999999", headers={"Accept-Language": "zh-CN"})
        assert r.status_code == 404 and r.json()["field"] == "plan_id" and "没有计划" in r.json()["detail"]
