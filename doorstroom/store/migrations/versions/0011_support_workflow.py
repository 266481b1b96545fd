"""support workflow on a task: who marked it urgent, when and why; who claimed it; support's
note to the office

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 03:00:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


revision: str = '0011'
down_revision: Union[str, Sequence[str], None] = '0010'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

COLUMNS = [
    ('urgent_by', sa.String(length=254)),
    ('urgent_at', sa.DateTime(timezone=True)),
    ('urgent_reason', sa.String(length=500)),
    ('claimed_by', sa.String(length=254)),
    ('claimed_at', sa.DateTime(timezone=True)),
    ('support_note', sa.String(length=1000)),
    ('support_note_by', sa.String(length=254)),
    ('support_note_at', sa.DateTime(timezone=True)),
]


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('sync_tasks') as batch:
        for name, kind in COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('sync_tasks') as batch:
        for name, _kind in reversed(COLUMNS):
            batch.drop_column(name)
