"""leader_lease and replica: one leader among any number of replicas, with an epoch that fences

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 07:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "leader_lease",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("holder", sa.String(length=200), nullable=True),
        sa.Column("instance", sa.String(length=32), nullable=True),
        sa.Column("epoch", sa.Integer(), nullable=False),
        sa.Column("duration_s", sa.Float(), nullable=False),
        sa.Column("acquired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("renewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fenced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("transitions", sa.Integer(), nullable=False),
    )
    op.bulk_insert(sa.table("leader_lease", sa.column("id", sa.Integer), sa.column("epoch", sa.Integer),
                            sa.column("duration_s", sa.Float), sa.column("transitions", sa.Integer)),
                   [{"id": 1, "epoch": 0, "duration_s": 15.0, "transitions": 0}])
    op.create_table(
        "replica",
        sa.Column("instance", sa.String(length=32), primary_key=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("replica")
    op.drop_table("leader_lease")
