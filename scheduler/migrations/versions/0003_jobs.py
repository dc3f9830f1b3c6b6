"""data-zone jobs: job sets, runs, jobs, and the hourly load forecast

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 16:54:00.761263
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('hourly_load',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cloud_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('resource', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('hour', sa.Integer(), nullable=False),
    sa.Column('p95', sa.Float(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('cloud_id', 'resource', 'hour')
    )
    with op.batch_alter_table('hourly_load', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hourly_load_cloud_id'), ['cloud_id'], unique=False)

    op.create_table('jobset',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('cloud_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('clouds', sa.JSON(), nullable=False),
    sa.Column('department_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('recurrence', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('objective', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('document', sa.JSON(), nullable=False),
    sa.Column('owner', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cloud_id'], ['cloud.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('jobset', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_jobset_cloud_id'), ['cloud_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_jobset_department_id'), ['department_id'], unique=False)

    op.create_table('job_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('jobset_id', sa.Integer(), nullable=False),
    sa.Column('anchor', sa.DateTime(timezone=True), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('schedule', sa.JSON(), nullable=False),
    sa.Column('forecast', sa.JSON(), nullable=True),
    sa.Column('replans', sa.JSON(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['jobset_id'], ['jobset.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('job_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_job_run_jobset_id'), ['jobset_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_job_run_state'), ['state'], unique=False)

    op.create_table('data_job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('job_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('cloud_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('duration_min', sa.Integer(), nullable=False),
    sa.Column('planned_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('first_planned_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actual_start', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('external_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('error', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['job_run.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('run_id', 'job_id')
    )
    with op.batch_alter_table('data_job', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_data_job_run_id'), ['run_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_data_job_state'), ['state'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('data_job', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_data_job_state'))
        batch_op.drop_index(batch_op.f('ix_data_job_run_id'))

    op.drop_table('data_job')
    with op.batch_alter_table('job_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_job_run_state'))
        batch_op.drop_index(batch_op.f('ix_job_run_jobset_id'))

    op.drop_table('job_run')
    with op.batch_alter_table('jobset', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_jobset_department_id'))
        batch_op.drop_index(batch_op.f('ix_jobset_cloud_id'))

    op.drop_table('jobset')
    with op.batch_alter_table('hourly_load', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hourly_load_cloud_id'))

    op.drop_table('hourly_load')
