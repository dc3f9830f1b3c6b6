"""catalog fields carry a sensitivity (none, personal, sensitive: the Personal Information Protection
Law's 个人信息 and 敏感个人信息), filled here with the level each stored field's name suggests; entries
carry the licence and the file format their data is opened under

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-06 10:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("catalog_entry", schema=None) as batch_op:
        batch_op.add_column(sa.Column("licence", sa.String(), nullable=False, server_default="CC-BY-4.0"))
        batch_op.add_column(sa.Column("data_format", sa.String(), nullable=False, server_default="csv"))
    with op.batch_alter_table("catalog_entry", schema=None) as batch_op:
        batch_op.alter_column("licence", server_default=None)
        batch_op.alter_column("data_format", server_default=None)
    from scheduler.tenants.sensitivity import level

    entry = sa.table("catalog_entry", sa.column("id", sa.Integer), sa.column("fields", sa.JSON))
    conn = op.get_bind()
    for row in conn.execute(sa.select(entry.c.id, entry.c.fields)).all():
        fields = [{**f, "sensitivity": level(f)} for f in row.fields or []]
        if fields != (row.fields or []):
            conn.execute(entry.update().where(entry.c.id == row.id).values(fields=fields))


def downgrade() -> None:
    with op.batch_alter_table("catalog_entry", schema=None) as batch_op:
        batch_op.drop_column("data_format")
        batch_op.drop_column("licence")
