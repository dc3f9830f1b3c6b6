"""workload.placed_at: when the service last wrote a workload's placement, so a sync that read the
cloud before that moment cannot overwrite it with an older view

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 04:45:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("workload", schema=None) as batch_op:
        batch_op.add_column(sa.Column("placed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("workload", schema=None) as batch_op:
        batch_op.drop_column("placed_at")
