"""the JWT signing key leaves the database: it lives in QIANYUN_SECRET_KEY or a 0600 key file, so whoever
reads the database cannot forge a token (tokens signed with the old key stop working: log in again)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 05:05:00
"""
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DELETE FROM service_setting WHERE key = 'jwt_key'")


def downgrade() -> None:
    pass  # the key is not put back into the database
