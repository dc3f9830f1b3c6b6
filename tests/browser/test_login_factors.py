"""The console's login with a one-time code, and its logout, which ends the session on the server."""

from __future__ import annotations

import subprocess

import httpx
import pyotp
from playwright.sync_api import Page, expect

from tests.browser.conftest import PASSWORD, QIANYUN, Console


def _qianyun(console: Console, *args: str, stdin: str | None = None) -> str:
    r = subprocess.run([QIANYUN, *args], input=stdin, text=True, capture_output=True, cwd=console.folder,
                       env=console.env, timeout=120)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_an_enrolled_user_logs_in_with_a_code_and_logging_out_revokes_the_token(page: Page, console: Console) -> None:
    _qianyun(console, "users", "add", "twofa", "--role", "auditor", "--password-stdin", stdin=PASSWORD + "\n")
    secret = _qianyun(console, "users", "totp-enrol", "twofa").split("TOTP secret (base32):")[1].split()[0]

    page.goto(console.url + "/#/login")
    page.fill("#username", "twofa")
    page.fill("#password", PASSWORD)
    page.click("form.login-form button[type=submit]")
    expect(page.locator("form.login-form [role=alert]")).to_contain_text("动态口令")  # the code is asked for
    page.fill("#otp", pyotp.TOTP(secret).now())
    page.click("form.login-form button[type=submit]")
    expect(page.locator("[data-testid=who]")).to_contain_text("twofa")
    page.screenshot(path=str(console.shots / "login-with-code.png"), full_page=True)
    token = page.evaluate("sessionStorage.getItem('qianyun.token')")
    assert page.evaluate("sessionStorage.getItem('qianyun.refresh')")
    me = httpx.get(console.url + "/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200

    page.click("#logout")
    expect(page.locator("#username")).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('qianyun.token')") is None

    def revoked() -> bool:
        return httpx.get(console.url + "/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401

    import time

    deadline = time.monotonic() + 10  # the logout request is sent as the page changes: wait for it
    while not revoked() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert revoked()


def test_the_login_page_asks_in_english_too(page: Page, console: Console) -> None:
    page.goto(console.url + "/#/login")
    page.evaluate("localStorage.setItem('qianyun.lang', 'en')")
    page.reload()
    expect(page.locator("label[for=otp]")).to_have_text("One-time code")
