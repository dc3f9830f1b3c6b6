"""foundation: clouds, hosts, departments, workloads, users, audit, utilisation

Revision ID: 0001
Revises: 
Create Date: 2026-11-26 16:04:12.627734
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('entity', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('entity_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.Column('prev_hash', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('hash', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_event_action'), ['action'], unique=False)

    op.create_table('audit_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('last_id', sa.Integer(), nullable=False),
    sa.Column('last_hash', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('cloud',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('name_en', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('city', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('industry', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('mlps_level', sa.Integer(), nullable=False),
    sa.Column('adapter', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('status_detail', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('last_sync_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('cloud', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cloud_city'), ['city'], unique=False)
        batch_op.create_index(batch_op.f('ix_cloud_industry'), ['industry'], unique=False)
        batch_op.create_index(batch_op.f('ix_cloud_kind'), ['kind'], unique=False)

    op.create_table('department',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=96), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('name_en', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('level', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('city', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('industry', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('parent_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.ForeignKeyConstraint(['parent_id'], ['department.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('department', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_department_city'), ['city'], unique=False)
        batch_op.create_index(batch_op.f('ix_department_industry'), ['industry'], unique=False)
        batch_op.create_index(batch_op.f('ix_department_level'), ['level'], unique=False)

    op.create_table('service_setting',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('value', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('scope', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('password_hash', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('disabled', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_username'), ['username'], unique=True)

    op.create_table('utilisation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('cloud_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('resource', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('latest', sa.Float(), nullable=False),
    sa.Column('p50', sa.Float(), nullable=False),
    sa.Column('p95', sa.Float(), nullable=False),
    sa.Column('window_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('window_end', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('kind', 'subject', 'resource')
    )
    with op.batch_alter_table('utilisation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_utilisation_cloud_id'), ['cloud_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_utilisation_subject'), ['subject'], unique=False)

    op.create_table('host',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=96), nullable=False),
    sa.Column('cloud_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('model', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('schedulable', sa.Boolean(), nullable=False),
    sa.Column('up', sa.Boolean(), nullable=False),
    sa.Column('vcpu', sa.Float(), nullable=False),
    sa.Column('memory_gib', sa.Float(), nullable=False),
    sa.Column('gpu', sa.Float(), nullable=False),
    sa.Column('storage_gib', sa.Float(), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['cloud_id'], ['cloud.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('host', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_host_cloud_id'), ['cloud_id'], unique=False)

    op.create_table('workload',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=96), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('department_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('cloud_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('host_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('tier', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('city', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('industry', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('classification', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('mlps_level', sa.Integer(), nullable=False),
    sa.Column('vcpu', sa.Float(), nullable=False),
    sa.Column('memory_gib', sa.Float(), nullable=False),
    sa.Column('gpu', sa.Float(), nullable=False),
    sa.Column('storage_gib', sa.Float(), nullable=False),
    sa.Column('spread_group', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('pinned', sa.Boolean(), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('dr_protected', sa.Boolean(), nullable=False),
    sa.Column('dr_priority', sa.Integer(), nullable=False),
    sa.Column('dr_rto_minutes', sa.Integer(), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['cloud_id'], ['cloud.id'], ),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], ),
    sa.ForeignKeyConstraint(['host_id'], ['host.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('workload', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workload_city'), ['city'], unique=False)
        batch_op.create_index(batch_op.f('ix_workload_cloud_id'), ['cloud_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_workload_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_workload_host_id'), ['host_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_workload_tier'), ['tier'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('workload', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workload_tier'))
        batch_op.drop_index(batch_op.f('ix_workload_host_id'))
        batch_op.drop_index(batch_op.f('ix_workload_department_id'))
        batch_op.drop_index(batch_op.f('ix_workload_cloud_id'))
        batch_op.drop_index(batch_op.f('ix_workload_city'))

    op.drop_table('workload')
    with op.batch_alter_table('host', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_host_cloud_id'))

    op.drop_table('host')
    with op.batch_alter_table('utilisation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_utilisation_subject'))
        batch_op.drop_index(batch_op.f('ix_utilisation_cloud_id'))

    op.drop_table('utilisation')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_username'))

    op.drop_table('user')
    op.drop_table('service_setting')
    with op.batch_alter_table('department', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_department_level'))
        batch_op.drop_index(batch_op.f('ix_department_industry'))
        batch_op.drop_index(batch_op.f('ix_department_city'))

    op.drop_table('department')
    with op.batch_alter_table('cloud', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cloud_kind'))
        batch_op.drop_index(batch_op.f('ix_cloud_industry'))
        batch_op.drop_index(batch_op.f('ix_cloud_city'))

    op.drop_table('cloud')
    op.drop_table('audit_head')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_event_action'))

    op.drop_table('audit_event')
