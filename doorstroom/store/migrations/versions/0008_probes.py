"""auto-recheck's probes per dossier: back-off and error budgets

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 20:45:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


revision: str = '0008'
down_revision: Union[str, Sequence[str], None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        'probes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('dossier_id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('outcome', sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_probes_dossier_at', 'probes', ['dossier_id', 'at'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index('ix_probes_dossier_at', table_name='probes')
    op.drop_table('probes')
