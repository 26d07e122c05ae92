"""visitor key on tickets, sign-in throttle

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 04:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('visitor_key', sa.String(length=64), nullable=True))
    op.create_table('sign_in_throttle',
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=8), nullable=False),
    sa.Column('username', sa.String(length=200), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('window_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'],
                            name=op.f('fk_sign_in_throttle_site_id_sites')),
    sa.PrimaryKeyConstraint('site_id', 'scope', 'username', 'address',
                            name=op.f('pk_sign_in_throttle'))
    )
    with op.batch_alter_table('sign_in_throttle', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sign_in_throttle_window_start'), ['window_start'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('sign_in_throttle', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sign_in_throttle_window_start'))
    op.drop_table('sign_in_throttle')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_column('visitor_key')
