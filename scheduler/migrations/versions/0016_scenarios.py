"""what-if scenarios (today's fleet plus changes, and the stored answer) and the daily utilisation
history the capacity runway forecasts from

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 10:40:00
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scenario",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("scope", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("drill_clouds", sa.JSON(), nullable=True),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("state_reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("creator", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("seconds", sa.Float(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("scenario", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_scenario_scope"), ["scope"], unique=False)
        batch_op.create_index(batch_op.f("ix_scenario_state"), ["state"], unique=False)
    op.create_table(
        "utilisation_day",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cloud_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("resource", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("p95", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["cloud_id"], ["cloud.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("cloud_id", "resource", "day"),
    )
    with op.batch_alter_table("utilisation_day", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_utilisation_day_cloud_id"), ["cloud_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("utilisation_day", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_utilisation_day_cloud_id"))
    op.drop_table("utilisation_day")
    with op.batch_alter_table("scenario", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scenario_state"))
        batch_op.drop_index(batch_op.f("ix_scenario_scope"))
    op.drop_table("scenario")
