"""restarts as a compare-and-set per run state; a lease per sync task

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 17:30:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


revision: str = '0007'
down_revision: Union[str, Sequence[str], None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        'run_restarts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('flow_run_id', sa.String(length=36), nullable=False),
        sa.Column('from_state_id', sa.String(length=36), nullable=False),
        sa.Column('from_state', sa.String(length=64), nullable=False),
        sa.Column('actor', sa.String(length=254), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('flow_run_id', 'from_state_id', name='uq_run_restarts_state'),
    )
    with op.batch_alter_table('run_restarts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_run_restarts_flow_run_id'), ['flow_run_id'],
                              unique=False)
    with op.batch_alter_table('sync_tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lease_owner', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('lease_expires_at', sa.DateTime(timezone=True),
                                      nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('sync_tasks', schema=None) as batch_op:
        batch_op.drop_column('lease_expires_at')
        batch_op.drop_column('lease_owner')
    with op.batch_alter_table('run_restarts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_run_restarts_flow_run_id'))
    op.drop_table('run_restarts')
