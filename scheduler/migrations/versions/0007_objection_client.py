"""one lock row per client address that raises public objections (the hourly limit holds under bursts)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 04:45:00.000000
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('objection_client',
    sa.Column('client_hash', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('last_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('client_hash')
    )


def downgrade() -> None:
    op.drop_table('objection_client')
