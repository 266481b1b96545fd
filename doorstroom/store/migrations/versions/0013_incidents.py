"""incidents: one outage over many dossiers, followed up as one; attempts by flow run

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 06:00:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


revision: str = '0013'
down_revision: Union[str, Sequence[str], None] = '0012'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        'incidents',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('package', sa.String(length=50), nullable=False),
        sa.Column('office_id', sa.Integer(), nullable=True),
        sa.Column('cause', sa.String(length=100), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=True),
        sa.Column('open_key', sa.String(length=200), nullable=True),
        sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_failure_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('notified_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('follower', sa.String(length=36), nullable=True),
        sa.Column('follower_seen_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('probes', sa.Integer(), nullable=False),
        sa.Column('last_probe_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('recovered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['office_id'], ['offices.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('open_key'),
    )
    with op.batch_alter_table('sync_tasks') as batch:
        batch.add_column(sa.Column('incident_id', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_sync_tasks_incident', 'incidents', ['incident_id'], ['id'])
        batch.create_index('ix_sync_tasks_incident_id', ['incident_id'], unique=False)
    op.create_index('ix_attempts_flow_run_id', 'attempts', ['flow_run_id'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index('ix_attempts_flow_run_id', table_name='attempts')
    with op.batch_alter_table('sync_tasks') as batch:
        batch.drop_index('ix_sync_tasks_incident_id')
        batch.drop_constraint('fk_sync_tasks_incident', type_='foreignkey')
        batch.drop_column('incident_id')
    op.drop_table('incidents')
