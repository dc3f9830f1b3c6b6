"""Audit archives for offline keeping: every event as one JSON line and a last line, the manifest,
signed with the chain's key, so an archive proves itself away from the database (and whoever holds
it without the key can read it but cannot forge one). Each export is itself an audit event."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import Session

from scheduler.core import audit
from scheduler.core.db import as_utc, utcnow
from scheduler.core.models import AuditEvent

FIELDS = ("id", "at", "actor", "action", "entity", "entity_id", "before", "after", "prev_hash", "hash", "algorithm")


def _row(e: AuditEvent) -> dict[str, Any]:
    return {**{k: getattr(e, k) for k in FIELDS}, "at": audit._canonical_time(as_utc(e.at))}  # type: ignore[arg-type]


def write_archive(session: Session, actor: str, out: io.TextIOBase) -> int:
    """Record the export, then write the whole chain up to and including that event; return its size."""
    audit.record(session, actor, "audit.exported", "audit", "archive", None, {"format": "jsonl"})
    session.flush()
    digest, count, last = hashlib.new("sm3"), 0, None
    for e in audit.events(session):
        line = json.dumps(_row(e), ensure_ascii=False, sort_keys=True, default=str) + "\n"
        digest.update(line.encode())
        out.write(line)
        count, last = count + 1, e
    manifest = {"events": count, "last_id": last.id if last else None, "last_hash": last.hash if last else audit.GENESIS,
                "exported_at": utcnow().isoformat(), "exported_by": actor, "content_sm3": digest.hexdigest()}
    body = json.dumps(manifest, sort_keys=True, separators=(",", ":")).encode()
    manifest["signature"] = hmac.new(audit.audit_key(), body, "sm3").hexdigest()
    out.write(json.dumps({"manifest": manifest}, sort_keys=True) + "\n")
    return count


@dataclass(frozen=True)
class ArchiveVerdict:
    intact: bool
    events: int
    reason: str = ""


def verify_archive(path: Path, key: bytes | None = None) -> ArchiveVerdict:
    """Check the manifest's signature, the content against it, and every link and code of the chain."""
    key = key if key is not None else audit.audit_key()
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    if not lines:
        return ArchiveVerdict(False, 0, "the archive is empty")
    try:
        manifest = json.loads(lines[-1])["manifest"]
        signature = manifest.pop("signature")
    except (ValueError, KeyError, TypeError):
        return ArchiveVerdict(False, 0, "the archive's last line is not its manifest")
    body = json.dumps(manifest, sort_keys=True, separators=(",", ":")).encode()
    if not hmac.compare_digest(signature, hmac.new(key, body, "sm3").hexdigest()):
        return ArchiveVerdict(False, 0, "the manifest's signature does not match: not signed with this chain's key")
    digest = hashlib.new("sm3")
    for line in lines[:-1]:
        digest.update(line.encode())
    if digest.hexdigest() != manifest["content_sm3"] or len(lines) - 1 != manifest["events"]:
        return ArchiveVerdict(False, 0, "the events differ from those the manifest signed")
    prev, anchored = audit.GENESIS, False
    for n, line in enumerate(lines[:-1], start=1):
        e = json.loads(line)
        from datetime import datetime

        at = datetime.fromisoformat(e["at"].replace("Z", "+00:00"))
        anchored = anchored or e["algorithm"] == audit.KEYED
        if e["prev_hash"] != prev or (anchored and e["algorithm"] != audit.KEYED):
            return ArchiveVerdict(False, n - 1, f"event {e['id']} does not link to the event before it")
        expect = audit.event_hash(e["prev_hash"], at, e["actor"], e["action"], e["entity"], e["entity_id"],
                                  e["before"], e["after"], e["algorithm"], key)
        if expect != e["hash"]:
            return ArchiveVerdict(False, n - 1, f"event {e['id']} does not match its code")
        prev = e["hash"]
    return ArchiveVerdict(True, manifest["events"])


def csv_rows(session: Session, actor: str, rows: list[AuditEvent]) -> Iterator[str]:
    """The events an auditor chose, as CSV (before and after as JSON); the export is recorded first."""
    audit.record(session, actor, "audit.exported", "audit", "csv", None, {"format": "csv", "events": len(rows)})
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(FIELDS)
    for e in rows:
        r = _row(e)
        w.writerow([json.dumps(r[k], ensure_ascii=False) if k in ("before", "after") else r[k] for k in FIELDS])
    yield buf.getvalue()
