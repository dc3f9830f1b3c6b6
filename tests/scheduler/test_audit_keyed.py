"""The keyed chain (HMAC-SM3, key outside the database): whoever can write the database but lacks the
key cannot rewrite, extend or re-root it, nor add a decision the chain did not record."""

from __future__ import annotations

import os
import stat

from sqlalchemy import text
from sqlmodel import select

from scheduler.core import audit
from scheduler.core.models import AuditEvent, AuditHead


def _append(service, n: int) -> None:  # type: ignore[no-untyped-def]
    with service.session() as session:
        for i in range(n):
            audit.record(session, "tester", "test.write", "thing", f"t{i}", None, {"v": i})


def test_every_event_is_hmac_sm3_under_a_key_kept_in_an_owner_only_file(service) -> None:  # type: ignore[no-untyped-def]
    import hashlib
    import hmac
    import json

    _append(service, 3)
    with service.session() as session:
        rows = session.exec(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert rows[0].action == audit.ANCHOR and {r.algorithm for r in rows} == {"hmac-sm3"}
    key_file = service.path / "qianyun-audit.key"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    key = key_file.read_text().strip().encode()
    last = rows[-1]
    body = json.dumps([last.prev_hash, audit._canonical_time(last.at), last.actor, last.action, last.entity,
                       last.entity_id, last.before, last.after], sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False, default=str).encode()
    assert last.hash == hmac.new(key, body, hashlib.new("sm3").name).hexdigest()  # SM3 as OpenSSL has it
    assert last.hash != hmac.new(b"another key", body, "sm3").hexdigest()


def test_a_chain_rewritten_without_the_key_does_not_verify(service) -> None:  # type: ignore[no-untyped-def]
    """Mallory can write the database: she recomputes every link with plain SHA-256 from the start."""
    _append(service, 4)
    with service.session() as session:
        prev = audit.GENESIS
        for ev in session.exec(select(AuditEvent).order_by(AuditEvent.id)).all():
            ev.prev_hash, ev.algorithm = prev, "sha256"
            ev.hash = audit.event_hash(prev, ev.at, ev.actor, ev.action, ev.entity, ev.entity_id, ev.before,
                                       ev.after, "sha256")
            prev = ev.hash
            session.add(ev)
        head = session.get(AuditHead, 1)
        head.last_hash = prev  # type: ignore[union-attr]
        session.add(head)
    with service.session() as session:
        v = audit.verify(session)
    assert not v.intact and "key" in v.reason


def test_an_event_appended_without_the_key_after_the_anchor_is_found(service) -> None:  # type: ignore[no-untyped-def]
    _append(service, 2)
    with service.session() as session:
        head = session.get(AuditHead, 1)
        forged = AuditEvent(actor="province", action="plan.approval", entity="plan", entity_id="1",
                            prev_hash=head.last_hash, algorithm="sha256", hash="")  # type: ignore[union-attr]
        forged.hash = audit.event_hash(forged.prev_hash, forged.at, forged.actor, forged.action, forged.entity,
                                       forged.entity_id, None, None, "sha256")
        session.add(forged)
        session.flush()
        head.last_id, head.last_hash = forged.id, forged.hash  # type: ignore[union-attr]
        session.add(head)
        forged_id = forged.id
    with service.session() as session:
        v = audit.verify(session)
    assert not v.intact and v.broken_at == forged_id and "without the audit key" in v.reason


def test_an_approval_row_added_outside_the_service_is_found_and_a_real_one_is_not(service) -> None:  # type: ignore[no-untyped-def]
    from scheduler import plans
    from scheduler.core.accounts import Actor
    from scheduler.plans.models import PlanApproval

    gy = Actor("gy-op", "city-operator", "gy")
    with service.session() as session:
        plan = plans.propose(session, gy, "rebalance", "gy", "consolidate", 5)
        plans.approve(session, gy, plan)
        plan_id = plan.id
    with service.session() as session:
        assert audit.verify(session).intact
        session.add(PlanApproval(plan_id=plan_id, scope_key="province", username="province", role="province-operator"))
    with service.session() as session:
        v = audit.verify(session)
    assert not v.intact and "approval for province by province has no audit event" in v.reason


def test_the_migration_anchors_an_existing_unkeyed_chain(db_url, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A database written by a version before the key: its SHA-256 events stay as they were and verify;
    the upgrade closes them with one keyed anchor, after which only keyed events are accepted."""
    from scheduler.core.db import session_scope, utcnow
    from scheduler.core.migrate import upgrade
    from tests.conftest import _reset_caches

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("QIANYUN_DATABASE_URL", db_url)
    _reset_caches()
    upgrade(revision="0012")  # the schema before the keyed chain
    with session_scope() as session:
        prev = audit.GENESIS
        for i in range(3):
            at = utcnow()
            h = audit.event_hash(prev, at, "old", "test.write", "thing", str(i), None, {"v": i}, "sha256")
            session.execute(text("INSERT INTO audit_event (at, actor, action, entity, entity_id, before, after, "
                                 "prev_hash, hash) VALUES (:at, 'old', 'test.write', 'thing', :i, NULL, :after, :p, :h)"),
                            {"at": at, "i": str(i), "after": '{"v": %d}' % i, "p": prev, "h": h})
            prev = h
        session.execute(text("INSERT INTO audit_head (id, last_id, last_hash) VALUES (1, 3, :h)"), {"h": prev})
    upgrade()
    with session_scope() as session:
        rows = session.exec(select(AuditEvent).order_by(AuditEvent.id)).all()
        assert [r.algorithm for r in rows] == ["sha256"] * 3 + ["hmac-sm3"] and rows[-1].action == audit.ANCHOR
        assert audit.verify(session).intact
        audit.record(session, "new", "test.write", "thing", "x", None, None)
    with session_scope() as session:
        v = audit.verify(session)
        assert v.intact and v.events == 5
    _reset_caches()
