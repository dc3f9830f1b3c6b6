"""Security headers on every answer, a strict CSP on the console, and HTTPS with HSTS from
`qianyun serve --certfile --keyfile` (a self-signed certificate made with openssl for the test)."""

from __future__ import annotations

import os
import subprocess
import time

import httpx
import pytest

from tests.support import QIANYUN, free_port


def test_every_answer_carries_the_security_headers(client) -> None:  # type: ignore[no-untyped-def]
    for path in ("/", "/api/v1/clouds", "/healthz", "/console/app.js"):
        r = client.get(path)
        assert r.headers["x-content-type-options"] == "nosniff" and r.headers["x-frame-options"] == "DENY", path
        assert r.headers["referrer-policy"] == "no-referrer", path
        csp = r.headers["content-security-policy"]
        assert "script-src 'self';" in csp and "frame-ancestors 'none'" in csp and "unsafe-eval" not in csp, path
    assert client.get("/api/v1/clouds").headers["cache-control"] == "no-store"  # a refusal (401) too
    assert "strict-transport-security" not in client.get("/").headers  # plain HTTP: HSTS would be a lie


def test_https_with_hsts_and_an_unsafe_key_refused(service, tmp_path) -> None:  # type: ignore[no-untyped-def]
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True, timeout=120)
    key.chmod(0o644)
    refused = subprocess.run([QIANYUN, "serve", "--certfile", str(cert), "--keyfile", str(key)], cwd=tmp_path,
                             env=dict(os.environ), capture_output=True, text=True, timeout=120)
    assert refused.returncode == 2 and "keyfile" in refused.stderr and "chmod 600" in refused.stderr
    key.chmod(0o600)
    port = free_port()
    proc = subprocess.Popen([QIANYUN, "serve", "--port", str(port), "--certfile", str(cert), "--keyfile", str(key)],
                            cwd=tmp_path, env=dict(os.environ), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline, r = time.monotonic() + 120, None
        while time.monotonic() < deadline and r is None:
            try:
                r = httpx.get(f"https://127.0.0.1:{port}/healthz", verify=str(cert), timeout=2)
            except httpx.HTTPError:
                time.sleep(0.3)
        if r is None:
            pytest.fail("the HTTPS service did not answer within 120 s")
        assert r.status_code == 200
        assert r.headers["strict-transport-security"].startswith("max-age=31536000")
        with pytest.raises(httpx.HTTPError):  # no plain HTTP on the TLS port
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
