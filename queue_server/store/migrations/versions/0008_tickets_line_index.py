"""ix_tickets_line: each service's waiting tickets in calling order, for the calls' heads

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 13:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

_WAITING_ONLY = sa.text("status = 'waiting'")


def upgrade() -> None:
    op.create_index(
        'ix_tickets_line', 'tickets',
        ['service_id', 'business_day', sa.text('coalesce(due_at, queued_at)'), 'id'],
        sqlite_where=_WAITING_ONLY, postgresql_where=_WAITING_ONLY)


def downgrade() -> None:
    op.drop_index('ix_tickets_line', table_name='tickets')
