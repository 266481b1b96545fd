"""sync tasks remember who restarted them last (a person, auto-recheck, recovery)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 05:15:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


revision: str = '0006'
down_revision: Union[str, Sequence[str], None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('sync_tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('restarted_by', sa.String(length=254), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('sync_tasks', schema=None) as batch_op:
        batch_op.drop_column('restarted_by')
