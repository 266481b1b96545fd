"""sync tasks by run and status: what a run still holds (restart, problems, waiting rows)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 03:40:00

"""
from typing import Sequence, Union

from alembic import op


revision: str = '0012'
down_revision: Union[str, Sequence[str], None] = '0011'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_index('ix_sync_tasks_run_status', 'sync_tasks', ['last_flow_run_id', 'status'],
                    unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index('ix_sync_tasks_run_status', table_name='sync_tasks')
