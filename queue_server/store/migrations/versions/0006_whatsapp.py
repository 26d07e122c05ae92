"""WhatsApp: inbound messages, the outbox, ticket subscriptions, the notifier's cursor

Revision ID: 0006
Revises: 0003
Create Date: 2026-12-01 07:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0006'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'wa_inbound',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('provider_id', sa.String(128), nullable=False),
        sa.Column('phone', sa.String(32), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('intent', sa.String(24), nullable=False),
        sa.Column('topic', sa.String(64), nullable=True),
        sa.Column('lang', sa.String(2), nullable=False),
        sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_wa_inbound_site_id_sites')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_wa_inbound')),
        sa.UniqueConstraint('site_id', 'provider_id', name=op.f('uq_wa_inbound_site_id_provider_id')),
    )
    op.create_index('ix_wa_inbound_day', 'wa_inbound', ['site_id', 'received_at'])
    op.create_table(
        'wa_outbox',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('dedup_key', sa.String(128), nullable=False),
        sa.Column('phone', sa.String(32), nullable=False),
        sa.Column('kind', sa.String(24), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('state', sa.String(12), nullable=False),
        sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('claimed_by', sa.String(64), nullable=True),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('provider_id', sa.String(128), nullable=True),
        sa.Column('delivery', sa.String(12), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_wa_outbox_site_id_sites')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_wa_outbox')),
        sa.UniqueConstraint('site_id', 'dedup_key', name=op.f('uq_wa_outbox_site_id_dedup_key')),
    )
    op.create_index('ix_wa_outbox_due', 'wa_outbox', ['site_id', 'state', 'next_attempt_at'])
    op.create_index('ix_wa_outbox_provider', 'wa_outbox', ['provider_id'])
    op.create_table(
        'wa_subscriptions',
        sa.Column('ticket_id', sa.String(32), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('phone', sa.String(32), nullable=False),
        sa.Column('lang', sa.String(2), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['site_id'], ['sites.id'],
                                name=op.f('fk_wa_subscriptions_site_id_sites')),
        sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'],
                                name=op.f('fk_wa_subscriptions_ticket_id_tickets')),
        sa.PrimaryKeyConstraint('ticket_id', name=op.f('pk_wa_subscriptions')),
    )
    op.create_table(
        'wa_cursor',
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('last_seq', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_wa_cursor_site_id_sites')),
        sa.PrimaryKeyConstraint('site_id', name=op.f('pk_wa_cursor')),
    )


def downgrade() -> None:
    op.drop_table('wa_cursor')
    op.drop_table('wa_subscriptions')
    op.drop_index('ix_wa_outbox_provider', table_name='wa_outbox')
    op.drop_index('ix_wa_outbox_due', table_name='wa_outbox')
    op.drop_table('wa_outbox')
    op.drop_index('ix_wa_inbound_day', table_name='wa_inbound')
    op.drop_table('wa_inbound')
