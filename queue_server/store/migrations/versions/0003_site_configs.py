"""live site configuration in the database (admin pages)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 04:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('site_configs',
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('document', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'],
                            name=op.f('fk_site_configs_site_id_sites')),
    sa.ForeignKeyConstraint(['updated_by'], ['users.id'],
                            name=op.f('fk_site_configs_updated_by_users')),
    sa.PrimaryKeyConstraint('site_id', name=op.f('pk_site_configs'))
    )


def downgrade() -> None:
    op.drop_table('site_configs')
