"""VAT deadlines (a dossier's filing, a document's return and due date), a chosen book
period per task, and the moments time-to-fix is measured by

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 09:30:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


revision: str = '0014'
down_revision: Union[str, Sequence[str], None] = '0013'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_RESPONSIBILITY = sa.Enum('employee', 'support', name='responsibility', native_enum=False,
                          length=32)


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('dossiers') as batch:
        batch.add_column(sa.Column('vat_filing', sa.String(length=10), nullable=True))
    with op.batch_alter_table('documents') as batch:
        batch.add_column(sa.Column('vat_return', sa.String(length=8), nullable=True))
        batch.add_column(sa.Column('vat_due', sa.Date(), nullable=True))
        batch.create_index('ix_documents_vat_due', ['vat_due'], unique=False)
    with op.batch_alter_table('sync_tasks') as batch:
        batch.add_column(sa.Column('period_override', sa.String(length=6), nullable=True))
        batch.add_column(sa.Column('first_failed_at', sa.DateTime(timezone=True),
                                   nullable=True))
        batch.add_column(sa.Column('acted_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('failed_as', _RESPONSIBILITY, nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('sync_tasks') as batch:
        batch.drop_column('failed_as')
        batch.drop_column('acted_at')
        batch.drop_column('first_failed_at')
        batch.drop_column('period_override')
    with op.batch_alter_table('documents') as batch:
        batch.drop_index('ix_documents_vat_due')
        batch.drop_column('vat_due')
        batch.drop_column('vat_return')
    with op.batch_alter_table('dossiers') as batch:
        batch.drop_column('vat_filing')
