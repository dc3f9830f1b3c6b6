"""The security pages in a real browser, in Chinese and English: enrolling a second factor from its QR
code, then logging in with a code and out; the system administrator's accounts; the security
administrator's site policy; the auditor's console that is the audit log alone. Screenshots prefixed `s`."""

from __future__ import annotations

import subprocess
import time
import urllib.parse

import httpx
import pyotp
from playwright.sync_api import Page, expect

from tests.browser.conftest import PASSWORD, QIANYUN, Console
from tests.browser.test_console import shot


def _add(console: Console, username: str, role: str, scope: str | None = None) -> None:
    if username in console.users:
        return
    cmd = [QIANYUN, "users", "add", username, "--role", role, "--password-stdin"] + (["--scope", scope] if scope else [])
    r = subprocess.run(cmd, input=PASSWORD + "\n", text=True, capture_output=True, cwd=console.folder,
                       env=console.env, timeout=120)
    assert r.returncode == 0, r.stderr
    console.users[username] = role


def _log_in(page: Page, console: Console, username: str, password: str = PASSWORD, otp: str | None = None) -> None:
    page.goto(console.url + "/#/login")
    page.fill("#username", username)
    page.fill("#password", password)
    if otp:
        page.fill("#otp", otp)
    page.click("form.login-form button[type=submit]")
    expect(page.locator("[data-testid=who]")).to_contain_text(username)


def _english(page: Page) -> None:
    page.click("#lang-toggle")
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_a_user_enrols_from_the_qr_code_and_then_logs_in_with_a_code(page: Page, console: Console) -> None:
    _add(console, "enrol-gy", "city-operator", "gy")
    _log_in(page, console, "enrol-gy")
    page.click("[data-testid=who]")  # the name in the top bar opens the account page
    expect(page.locator("#main h1")).to_have_text("我的账户")
    expect(page.locator("[data-testid=factor-state]")).to_have_attribute("data-enrolled", "false")
    page.click("button[data-action=enrol]")
    qr = page.locator("[data-testid=enrol-qr]")
    expect(qr).to_be_visible()
    page.wait_for_function("() => { const i = document.querySelector('[data-testid=enrol-qr]');"
                           " return i.complete && i.naturalWidth > 0; }")  # the browser drew the SVG: it is a real image
    svg = urllib.parse.unquote(qr.get_attribute("src").split(",", 1)[1])
    assert svg.startswith("<svg") and "<path" in svg
    secret = page.locator("[data-testid=enrol-secret]").inner_text().strip()
    assert f"secret={secret}" in page.locator("[data-testid=enrol-uri]").get_attribute("href")
    shot(page, console, "s01-enrol-qr")
    page.fill("#enrol-otp", "000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
    page.click(".totp-form button[type=submit]")
    expect(page.locator(".totp-form [role=alert]")).to_be_visible()  # a wrong code is refused on the form
    page.fill("#enrol-otp", pyotp.TOTP(secret).now())
    page.click(".totp-form button[type=submit]")
    codes = page.locator("[data-testid=recovery-codes] li")
    expect(codes).to_have_count(10, timeout=60_000)  # ten argon2 hashes on a busy machine
    shot(page, console, "s02-recovery-codes")
    page.click("button[data-action=relogin]")  # enrolling ended every session: log in again, with a code
    expect(page.locator("#username")).to_be_visible()
    page.fill("#username", "enrol-gy")
    page.fill("#password", PASSWORD)
    page.click("form.login-form button[type=submit]")
    expect(page.locator("form.login-form [role=alert]")).to_contain_text("动态口令")
    page.fill("#otp", pyotp.TOTP(secret).at(time.time() + 30))  # the next step: the last code is spent
    page.click("form.login-form button[type=submit]")
    expect(page.locator("[data-testid=who]")).to_contain_text("enrol-gy")
    page.goto(console.url + "/#/account")
    expect(page.locator("[data-testid=factor-state]")).to_have_attribute("data-enrolled", "true")
    _english(page)
    expect(page.locator("#main h1")).to_have_text("My account")
    expect(page.locator("[data-testid=factor-state]")).to_contain_text("Enrolled")
    expect(page.locator("label[for=pw-otp]")).to_have_text("One-time code")
    shot(page, console, "s03-account-en")
    token = page.evaluate("sessionStorage.getItem('qianyun.token')")
    page.click("#main button[data-action=logout]")
    expect(page.locator("#username")).to_be_visible()
    expect(page.locator("label[for=otp]")).to_have_text("One-time code")  # still in English
    deadline = time.monotonic() + 10  # the logout request is sent as the page changes
    while httpx.get(console.url + "/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code != 401:
        assert time.monotonic() < deadline, "the logged-out token still works"
        time.sleep(0.2)


def test_the_system_admin_adds_disables_and_resets_accounts(page: Page, console: Console) -> None:
    _add(console, "sysadmin", "system-admin")
    _log_in(page, console, "sysadmin")
    expect(page.locator("#main h1")).to_have_text("账户管理")  # the system administrator's home page
    expect(page.locator("nav a[data-nav=users]")).to_be_visible()
    rows = page.locator("[data-testid=user-row]")
    expect(rows.filter(has_text="auditor").first).to_contain_text("仅限命令行")  # the three powers: no buttons
    page.fill("#u-name", "new-zy")
    page.select_option("#u-role", "city-operator")
    page.select_option("#u-scope", "zy")
    page.fill("#u-password", "short")
    page.click("[data-testid=user-form] button[type=submit]")
    expect(page.locator("[data-testid=user-form] [data-testid=form-error]")).to_contain_text("password")
    page.fill("#u-password", "Zunyi-ops-2026")
    page.click("[data-testid=user-form] button[type=submit]")
    expect(page.locator("[data-testid=flash]")).to_contain_text("已创建账户 new-zy")
    row = page.locator("[data-testid=user-row][data-user=new-zy]")
    expect(row).to_contain_text("zy")
    assert httpx.post(console.url + "/api/v1/auth/token", data={"username": "new-zy", "password": "Zunyi-ops-2026"}).status_code == 200
    shot(page, console, "s04-users")

    row.locator("button[data-action=disable]").click()
    expect(page.locator("[data-testid=user-row][data-user=new-zy]")).to_have_attribute("data-disabled", "true")
    assert httpx.post(console.url + "/api/v1/auth/token", data={"username": "new-zy", "password": "Zunyi-ops-2026"}).status_code == 401
    page.locator("[data-testid=user-row][data-user=new-zy] button[data-action=enable]").click()
    expect(page.locator("[data-testid=user-row][data-user=new-zy]")).to_have_attribute("data-disabled", "false")

    row = page.locator("[data-testid=user-row][data-user=new-zy]")
    row.locator("button[data-action=reset]").click()
    row.locator("[data-testid=reset-form] input[name=password]").fill("Zunyi-reset-2027")
    row.locator("[data-testid=reset-form] input[name=second_factor]").check()
    row.locator("[data-testid=reset-form] button[type=submit]").click()
    expect(page.locator("[data-testid=flash]")).to_contain_text("已重置账户 new-zy")
    assert httpx.post(console.url + "/api/v1/auth/token", data={"username": "new-zy", "password": "Zunyi-ops-2026"}).status_code == 401
    assert httpx.post(console.url + "/api/v1/auth/token", data={"username": "new-zy", "password": "Zunyi-reset-2027"}).status_code == 200
    _english(page)
    expect(page.locator("#main h1")).to_have_text("Accounts")
    expect(page.locator("[data-testid=user-row][data-user=new-zy]")).to_contain_text("City cloud operator")
    shot(page, console, "s05-users-en")


def test_the_security_admin_edits_the_site_policy_checked_first(page: Page, console: Console) -> None:
    _add(console, "secadmin", "security-admin")
    _log_in(page, console, "secadmin")
    expect(page.locator("#main h1")).to_have_text("安全策略")
    original = page.locator("#site-yaml").input_value()
    assert "second_factor_roles" in original  # the lab's site file, as the service runs it
    expect(page.locator("[data-testid=factor-roles]")).to_have_text("无（实验环境）")
    page.fill("#site-yaml", original + "execution:\n  retries: -3\n")
    page.click("[data-testid=site-form] button[type=submit]")
    error = page.locator("[data-testid=site-form] [data-testid=form-error]")
    expect(error).to_contain_text("retries")
    expect(error).to_contain_text("行")  # "站点策略（已保存）第 N 行：execution.retries：必须 >= 0" in the console's Chinese
    shot(page, console, "s06-site-policy-refused")
    page.fill("#site-yaml", original.rstrip("\n") + "\n# checked in the console\n")  # a change that changes nothing else
    page.click("[data-testid=site-form] button[type=submit]")
    expect(page.locator("[data-testid=flash]")).to_be_visible()
    assert "# checked in the console" in page.locator("#site-yaml").input_value()
    _english(page)
    expect(page.locator("#main h1")).to_have_text("Site policy")
    expect(page.locator("[data-testid=factor-roles]")).to_have_text("none (a lab)")
    shot(page, console, "s07-site-policy-en")


def test_the_auditor_console_is_the_audit_log_alone(page: Page, console: Console) -> None:
    _log_in(page, console, "auditor")
    expect(page.locator("[data-testid=audit-verdict]")).to_have_attribute("data-intact", "true")  # lands on it
    assert page.locator("nav a[data-nav]").evaluate_all("as => as.map(a => a.dataset.nav)") == ["audit"]  # the menu, not the pager
    for address in ("#/overview", "#/plans", "#/drills", "#/catalog", "#/users"):
        page.goto(console.url + "/" + address)
        expect(page).to_have_url(console.url + "/#/audit")
    shot(page, console, "s08-auditor")
    _english(page)
    expect(page.locator("nav a[data-nav=audit]")).to_have_text("Audit log")
    page.goto(console.url + "/#/account")
    expect(page.locator("#main h1")).to_have_text("My account")
    shot(page, console, "s09-auditor-account-en")
