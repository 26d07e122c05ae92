"""wa_outbox.template: the approved WhatsApp template (name, language, parameters) a message
goes out as instead of its free text (NULL: free text, as before)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('wa_outbox') as batch:
        batch.add_column(sa.Column('template', sa.JSON(none_as_null=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('wa_outbox') as batch:
        batch.drop_column('template')
