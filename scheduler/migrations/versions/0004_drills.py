"""disaster-recovery drills, and the RPO of a workload's DR profile

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 10:00:00.000000
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('workload', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dr_rpo_minutes', sa.Integer(), nullable=False, server_default='60'))

    op.create_table('drill',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mode', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('clouds', sa.JSON(), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('state_reason', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('starter', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('schedule', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('progress', sa.JSON(), nullable=True),
    sa.Column('failover_plan_id', sa.Integer(), nullable=True),
    sa.Column('failback_plan_id', sa.Integer(), nullable=True),
    sa.Column('report', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('failed_over_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['failback_plan_id'], ['plan.id'], ),
    sa.ForeignKeyConstraint(['failover_plan_id'], ['plan.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('drill', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_drill_state'), ['state'], unique=False)

    op.create_table('drill_recovery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('drill_id', sa.Integer(), nullable=False),
    sa.Column('workload_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('cloud_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('rto_minutes', sa.Integer(), nullable=False),
    sa.Column('rpo_minutes', sa.Integer(), nullable=False),
    sa.Column('from_host', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('to_host', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('to_cloud', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('step', sa.Integer(), nullable=True),
    sa.Column('predicted_minutes', sa.Float(), nullable=True),
    sa.Column('measured_minutes', sa.Float(), nullable=True),
    sa.Column('unplaced_reason', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('failback_host', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('failback_state', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['drill_id'], ['drill.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('drill_id', 'workload_id')
    )
    with op.batch_alter_table('drill_recovery', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_drill_recovery_drill_id'), ['drill_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('drill_recovery', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_drill_recovery_drill_id'))

    op.drop_table('drill_recovery')
    with op.batch_alter_table('drill', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_drill_state'))

    op.drop_table('drill')
    with op.batch_alter_table('workload', schema=None) as batch_op:
        batch_op.drop_column('dr_rpo_minutes')
