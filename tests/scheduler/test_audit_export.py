"""Audit archives for offline keeping, and the auditors' CSV export: signed, verifiable, recorded."""

from __future__ import annotations

import csv
import io
import os
import stat
import subprocess

from tests.support import QIANYUN, logged_in


def _cli(service, *args: str) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    return subprocess.run([QIANYUN, "audit", *args], cwd=service.path, capture_output=True, text=True, timeout=300,
                          env=dict(os.environ))


def test_an_archive_verifies_offline_and_any_edit_to_it_is_found(service) -> None:  # type: ignore[no-untyped-def]
    archive = service.path / "audit.jsonl"
    r = _cli(service, "export", "-o", str(archive))
    assert r.returncode == 0, r.stderr
    assert stat.S_IMODE(os.stat(archive).st_mode) == 0o600
    assert '"audit.exported"' in archive.read_text()
    r = _cli(service, "verify-export", str(archive))
    assert r.returncode == 0 and "intact" in r.stdout, r.stdout + r.stderr
    lines = archive.read_text().splitlines(keepends=True)
    lines[1] = lines[1].replace('"actor": "', '"actor": "x', 1)  # one event's actor, altered in the file
    archive.write_text("".join(lines))
    r = _cli(service, "verify-export", str(archive))
    assert r.returncode == 1 and "BROKEN" in r.stderr


def test_an_archive_signed_with_another_key_is_refused(service, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from scheduler.core import audit_export

    archive = service.path / "audit.jsonl"
    assert _cli(service, "export", "-o", str(archive)).returncode == 0
    v = audit_export.verify_archive(archive, key=b"not the chain's key at all, 32+ chars")
    assert not v.intact and "signature" in v.reason


def test_auditors_export_csv_and_the_export_is_recorded(client) -> None:  # type: ignore[no-untyped-def]
    h = logged_in(client, {"aud": ("auditor", None), "gy1": ("city-operator", "gy")})
    r = client.get("/api/v1/audit/export", headers=h["aud"])
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[0][:4] == ["id", "at", "actor", "action"] and len(rows) > 2
    events = client.get("/api/v1/audit/events?action=audit.exported", headers=h["aud"]).json()
    assert events["total"] == 1 and events["items"][0]["actor"] == "aud"
    assert client.get("/api/v1/audit/export", headers=h["gy1"]).status_code == 403
