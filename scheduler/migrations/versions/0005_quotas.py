"""department quotas, quota requests and reclaims

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 12:00:00.000000
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _resources() -> list[sa.Column]:
    return [sa.Column(r, sa.Float(), nullable=False) for r in ("vcpu", "memory_gib", "gpu", "storage_gib")]


def upgrade() -> None:
    op.create_table('quota',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('department_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('cloud_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    *_resources(),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cloud_id'], ['cloud.id'], ),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('department_id', 'cloud_id')
    )
    with op.batch_alter_table('quota', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quota_cloud_id'), ['cloud_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_quota_department_id'), ['department_id'], unique=False)

    op.create_table('quota_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('department_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('cloud_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    *_resources(),
    sa.Column('justification', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('requester', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('required_approvals', sa.JSON(), nullable=False),
    sa.Column('approvals', sa.JSON(), nullable=True),
    sa.Column('feasibility', sa.JSON(), nullable=True),
    sa.Column('decided_by', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_reason', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cloud_id'], ['cloud.id'], ),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('quota_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quota_request_cloud_id'), ['cloud_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_quota_request_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_quota_request_state'), ['state'], unique=False)

    op.create_table('quota_reclaim',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('department_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('cloud_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('shortfall', sa.JSON(), nullable=False),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('covered', sa.Boolean(), nullable=False),
    sa.Column('requested_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cloud_id'], ['cloud.id'], ),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('quota_reclaim', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quota_reclaim_cloud_id'), ['cloud_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_quota_reclaim_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_quota_reclaim_state'), ['state'], unique=False)


def downgrade() -> None:
    for table, cols in (('quota_reclaim', ('state', 'department_id', 'cloud_id')),
                        ('quota_request', ('state', 'department_id', 'cloud_id')),
                        ('quota', ('department_id', 'cloud_id'))):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for c in cols:
                batch_op.drop_index(batch_op.f(f'ix_{table}_{c}'))
        op.drop_table(table)
