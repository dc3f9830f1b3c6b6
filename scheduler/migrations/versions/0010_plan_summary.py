"""plan.move_count and plan.stats: the summary a plan list shows, kept beside the document so a list
never loads documents

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 05:35:00
"""
import json

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.add_column(sa.Column("move_count", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("stats", sa.JSON(), nullable=True))
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.alter_column("move_count", server_default=None)
    conn = op.get_bind()
    plan = sa.table("plan", sa.column("id", sa.Integer), sa.column("document", sa.JSON),
                    sa.column("move_count", sa.Integer), sa.column("stats", sa.JSON))
    for row in conn.execute(sa.select(plan.c.id, plan.c.document)).fetchall():
        doc = row.document if isinstance(row.document, dict) else json.loads(row.document or "{}")
        conn.execute(plan.update().where(plan.c.id == row.id)
                     .values(move_count=len(doc.get("moves", [])), stats=doc.get("stats")))


def downgrade() -> None:
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.drop_column("stats")
        batch_op.drop_column("move_count")
