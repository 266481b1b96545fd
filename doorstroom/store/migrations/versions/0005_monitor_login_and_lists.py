"""monitor: audit log room for e-mail addresses, login-throttling and newest-tasks indexes

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 04:20:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


revision: str = '0005'
down_revision: Union[str, Sequence[str], None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.alter_column('object_id', existing_type=sa.String(length=50),
                              type_=sa.String(length=254), existing_nullable=False)
        batch_op.create_index('ix_audit_log_action_object_at', ['action', 'object_id', 'at'],
                              unique=False)
    with op.batch_alter_table('sync_tasks', schema=None) as batch_op:
        batch_op.create_index('ix_sync_tasks_updated', ['updated_at', 'id'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('sync_tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_sync_tasks_updated')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_log_action_object_at')
        batch_op.alter_column('object_id', existing_type=sa.String(length=254),
                              type_=sa.String(length=50), existing_nullable=False)
