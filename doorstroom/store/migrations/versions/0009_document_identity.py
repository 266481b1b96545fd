"""documents told apart by the party's identity and their content, not the VAT number alone

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 21:40:00

"""
import hashlib
import json
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


revision: str = '0009'
down_revision: Union[str, Sequence[str], None] = '0008'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

OLD_UNIQUE = 'uq_documents_dossier_id'
"""The unnamed unique key of 0001, as the naming convention below names it on SQLite."""


def _identity(vat: str, name: str) -> str:
    """``Party.identity`` for what earlier rows stored (a VAT number or only a name)."""
    compact = "".join(ch for ch in (vat or "").upper() if ch.isalnum())
    return f"vat:{compact}" if compact else "name:" + " ".join((name or "").casefold().split())


def upgrade() -> None:
    """Upgrade schema: fill the new columns from each row, then swap the unique key."""
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('party_key', sa.String(length=160), nullable=True))
        batch_op.add_column(sa.Column('content_sha256', sa.String(length=64), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(sa.text('SELECT id, party_vat, party_name, proposal FROM documents'))
    for row_id, vat, name, proposal in rows.fetchall():
        data = proposal if isinstance(proposal, dict) else json.loads(proposal)
        digest = hashlib.sha256(json.dumps(data, sort_keys=True, separators=(",", ":"))
                                .encode()).hexdigest()
        bind.execute(sa.text('UPDATE documents SET party_key = :key, content_sha256 = :digest '
                             'WHERE id = :id'),
                     {"key": _identity(vat, name), "digest": digest, "id": row_id})
    if bind.dialect.name == 'postgresql':
        op.drop_constraint('documents_dossier_id_kind_party_vat_number_key', 'documents',
                           type_='unique')
        convention = None
    else:
        convention = {"uq": "uq_%(table_name)s_%(column_0_name)s"}
    with op.batch_alter_table('documents', schema=None,
                              naming_convention=convention) as batch_op:
        if convention is not None:
            batch_op.drop_constraint(OLD_UNIQUE, type_='unique')
        batch_op.alter_column('party_key', nullable=False)
        batch_op.alter_column('content_sha256', nullable=False)
        batch_op.create_unique_constraint('uq_documents_party_number',
                                          ['dossier_id', 'kind', 'party_key', 'number'])


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_constraint('uq_documents_party_number', type_='unique')
        batch_op.create_unique_constraint('uq_documents_dossier_id',
                                          ['dossier_id', 'kind', 'party_vat', 'number'])
        batch_op.drop_column('content_sha256')
        batch_op.drop_column('party_key')
