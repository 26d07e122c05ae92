"""bookings.wa_lang: the visitor asked for WhatsApp messages about the booking, and in which
language (NULL: no messages)

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-02 00:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
# 0005 follows 0006 (booking landed after WhatsApp), so 0005 is the head this one extends.
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('bookings') as batch:
        batch.add_column(sa.Column('wa_lang', sa.String(2), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('bookings') as batch:
        batch.drop_column('wa_lang')
