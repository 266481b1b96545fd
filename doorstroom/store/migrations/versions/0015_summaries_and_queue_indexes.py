"""Per-dossier summaries of failed tasks (counts per side, problems per cause), each task's
copy of its VAT due date, and indexes that serve support's queue and the failed-task lists
in the order they are shown

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 16:00:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


revision: str = '0015'
down_revision: Union[str, Sequence[str], None] = '0014'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_RESPONSIBILITY = sa.Enum('employee', 'support', name='responsibility', native_enum=False,
                          length=32)
_SUPPORT_QUEUE = "status = 'failed' AND responsibility = 'support' AND incident_id IS NULL"
_FAILED = "status = 'failed'"

_COPY_DUE = """
UPDATE sync_tasks SET vat_due = (SELECT documents.vat_due FROM documents
                                 WHERE documents.id = sync_tasks.document_id)
WHERE document_id IS NOT NULL
"""
_PROBLEMS = """
INSERT INTO dossier_problems (dossier_id, failure_code, params_text, responsibility, tasks,
                              since, due, first_task_id)
SELECT dossier_id, failure_code, CAST(failure_params AS VARCHAR), responsibility, count(id),
       min(coalesce(finished_at, updated_at)), min(vat_due), min(id)
FROM sync_tasks
WHERE status = 'failed' AND failure_code IS NOT NULL AND responsibility IS NOT NULL
GROUP BY dossier_id, failure_code, CAST(failure_params AS VARCHAR), responsibility
"""
_COUNTS = """
UPDATE dossiers SET
  support_failed = (SELECT count(id) FROM sync_tasks WHERE sync_tasks.dossier_id = dossiers.id
                    AND status = 'failed' AND responsibility = 'support'),
  employee_failed = (SELECT count(id) FROM sync_tasks WHERE sync_tasks.dossier_id = dossiers.id
                     AND status = 'failed' AND responsibility = 'employee')
"""


def upgrade() -> None:
    """Upgrade schema, and summarise what the store already holds."""
    with op.batch_alter_table('dossiers') as batch:
        batch.add_column(sa.Column('support_failed', sa.Integer(), server_default='0',
                                   nullable=False))
        batch.add_column(sa.Column('employee_failed', sa.Integer(), server_default='0',
                                   nullable=False))
    with op.batch_alter_table('sync_tasks') as batch:
        batch.add_column(sa.Column('vat_due', sa.Date(), nullable=True))
    op.create_table(
        'dossier_problems',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('dossier_id', sa.Integer(), nullable=False),
        sa.Column('failure_code', sa.String(length=100), nullable=False),
        sa.Column('params_text', sa.Text(), nullable=True),
        sa.Column('responsibility', _RESPONSIBILITY, nullable=False),
        sa.Column('tasks', sa.Integer(), nullable=False),
        sa.Column('since', sa.DateTime(timezone=True), nullable=False),
        sa.Column('due', sa.Date(), nullable=True),
        sa.Column('first_task_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_dossier_problems_dossier_id', 'dossier_problems', ['dossier_id'])
    op.create_index('ix_dossier_problems_order', 'dossier_problems',
                    ['responsibility', 'due', sa.text('tasks DESC'), 'dossier_id',
                     'first_task_id'])
    op.execute(_COPY_DUE)
    op.execute(_PROBLEMS)
    op.execute(_COUNTS)
    op.create_index('ix_sync_tasks_support_queue', 'sync_tasks',
                    [sa.text('urgent DESC'), 'vat_due', 'finished_at', 'id'],
                    postgresql_where=sa.text(_SUPPORT_QUEUE),
                    sqlite_where=sa.text(_SUPPORT_QUEUE))
    op.create_index('ix_sync_tasks_failed_order', 'sync_tasks',
                    [sa.text('urgent DESC'), 'vat_due', sa.text('updated_at DESC'),
                     sa.text('id DESC')],
                    postgresql_where=sa.text(_FAILED), sqlite_where=sa.text(_FAILED))


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index('ix_sync_tasks_failed_order', table_name='sync_tasks')
    op.drop_index('ix_sync_tasks_support_queue', table_name='sync_tasks')
    op.drop_index('ix_dossier_problems_order', table_name='dossier_problems')
    op.drop_index('ix_dossier_problems_dossier_id', table_name='dossier_problems')
    op.drop_table('dossier_problems')
    with op.batch_alter_table('sync_tasks') as batch:
        batch.drop_column('vat_due')
    with op.batch_alter_table('dossiers') as batch:
        batch.drop_column('employee_failed')
        batch.drop_column('support_failed')
