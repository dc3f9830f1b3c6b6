"""the audit chain keyed with HMAC-SM3: existing events keep their SHA-256 links (algorithm
"sha256"), and an `audit.anchored` event, the first keyed one, closes them here, where the chain is
still the one the service wrote; audit_head.anchor_id names it

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 07:20:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("algorithm", sa.String(length=16), nullable=False, server_default="sha256"))
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.alter_column("algorithm", server_default=None)
    with op.batch_alter_table("audit_head", schema=None) as batch_op:
        batch_op.add_column(sa.Column("anchor_id", sa.Integer(), nullable=True))
    conn = op.get_bind()
    head = conn.execute(sa.text("SELECT last_id, last_hash FROM audit_head WHERE id = 1")).first()
    if head is None or not head.last_id:
        return  # an empty chain: its first event will be the anchor
    from scheduler.core import audit
    from scheduler.core.db import utcnow

    at = utcnow()
    after = {"algorithm": audit.KEYED, "unkeyed_events_before": head.last_id}
    code = audit.event_hash(head.last_hash, at, "system:audit", audit.ANCHOR, "audit", "chain", None, after)
    event = sa.table("audit_event", sa.column("id", sa.Integer), sa.column("at", sa.DateTime(timezone=True)),
                     sa.column("actor", sa.String), sa.column("action", sa.String), sa.column("entity", sa.String),
                     sa.column("entity_id", sa.String), sa.column("before", sa.JSON), sa.column("after", sa.JSON),
                     sa.column("prev_hash", sa.String), sa.column("hash", sa.String), sa.column("algorithm", sa.String))
    conn.execute(event.insert().values(at=at, actor="system:audit", action=audit.ANCHOR, entity="audit", entity_id="chain",
                                       before=None, after=after, prev_hash=head.last_hash, hash=code,
                                       algorithm=audit.KEYED))
    new_id = conn.execute(sa.text("SELECT max(id) FROM audit_event")).scalar()
    conn.execute(sa.text("UPDATE audit_head SET last_id = :i, last_hash = :h, anchor_id = :i WHERE id = 1"),
                 {"i": new_id, "h": code})


def downgrade() -> None:
    with op.batch_alter_table("audit_head", schema=None) as batch_op:
        batch_op.drop_column("anchor_id")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_column("algorithm")
