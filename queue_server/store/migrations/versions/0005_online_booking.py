"""online booking: bookings, seats per slot, tickets.booking_id and due_at

Revision ID: 0005
Revises: 0006
Create Date: 2026-12-01 07:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

UTC = sa.DateTime(timezone=True)

revision = '0005'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'bookings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(8), nullable=False),
        sa.Column('service_id', sa.Integer(), nullable=False),
        sa.Column('business_day', sa.Date(), nullable=False),
        sa.Column('slot', sa.String(5), nullable=False),
        sa.Column('starts_at', UTC, nullable=False),
        sa.Column('ends_at', UTC, nullable=False),
        sa.Column('name', sa.String(100), nullable=True),
        sa.Column('phone', sa.String(20), nullable=True),
        sa.Column('status', sa.String(16), nullable=False),
        sa.Column('reason', sa.String(300), nullable=True),
        sa.Column('manage_hash', sa.String(64), nullable=False),
        sa.Column('idempotency_key', sa.String(100), nullable=True),
        sa.Column('created_at', UTC, nullable=False),
        sa.Column('checked_in_at', UTC, nullable=True),
        sa.Column('cancelled_at', UTC, nullable=True),
        sa.Column('ticket_id', sa.String(32), nullable=True),
        sa.ForeignKeyConstraint(['site_id'], ['sites.id'],
                                name=op.f('fk_bookings_site_id_sites')),
        sa.ForeignKeyConstraint(['service_id'], ['services.id'],
                                name=op.f('fk_bookings_service_id_services')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_bookings')),
        sa.UniqueConstraint('site_id', 'code', name=op.f('uq_bookings_site_id_code')),
        sa.UniqueConstraint('site_id', 'idempotency_key',
                            name=op.f('uq_bookings_site_id_idempotency_key')),
    )
    op.create_index('ix_bookings_day', 'bookings', ['site_id', 'business_day', 'status'])
    op.create_table(
        'booking_seats',
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('service_id', sa.Integer(), nullable=False),
        sa.Column('business_day', sa.Date(), nullable=False),
        sa.Column('slot', sa.String(5), nullable=False),
        sa.Column('taken', sa.Integer(), server_default='0', nullable=False),
        sa.ForeignKeyConstraint(['site_id'], ['sites.id'],
                                name=op.f('fk_booking_seats_site_id_sites')),
        sa.ForeignKeyConstraint(['service_id'], ['services.id'],
                                name=op.f('fk_booking_seats_service_id_services')),
        sa.PrimaryKeyConstraint('site_id', 'service_id', 'business_day', 'slot',
                                name=op.f('pk_booking_seats')),
    )
    with op.batch_alter_table('tickets') as batch:
        batch.add_column(sa.Column('booking_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('due_at', UTC, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('tickets') as batch:
        batch.drop_column('due_at')
        batch.drop_column('booking_id')
    op.drop_table('booking_seats')
    op.drop_index('ix_bookings_day', table_name='bookings')
    op.drop_table('bookings')
