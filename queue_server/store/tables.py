"""The schema. Every row carries its site so one deployment can serve several MPPs.

Times are stored in UTC (timezone-aware columns); the site's zone is applied only for the
business day (a plain DATE column) and when rendering.
"""

from __future__ import annotations

import datetime as dt
from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.engine import Dialect

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
    }
)



class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC in and out: SQLite keeps no offset, so we store UTC and put it back."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


UTC = UtcDateTime()

sites = Table(
    "sites",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(32), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("timezone", String(64), nullable=False),
    # The last event sequence number; bumped inside each writing transaction so that commit
    # order and sequence order are the same (the row lock serialises the bump).
    Column("event_seq", BigInteger, nullable=False, server_default="0"),
)

agencies = Table(
    "agencies",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("site_id", ForeignKey("sites.id"), nullable=False),
    Column("code", String(32), nullable=False),
    Column("name", String(200), nullable=False),
    Column("short_name", String(100), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("queue", String(3), nullable=False),
    Column("active", Boolean, nullable=False, server_default="1"),
    UniqueConstraint("site_id", "code"),
)

services = Table(
    "services",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("site_id", ForeignKey("sites.id"), nullable=False),
    Column("agency_id", ForeignKey("agencies.id"), nullable=False),
    Column("code", String(32), nullable=False),
    Column("name", String(200), nullable=False),
    Column("name_en", String(200), nullable=False),
    Column("queue", String(3), nullable=False),
    Column("daily_quota", Integer),
    Column("target_wait_s", Integer, nullable=False),
    Column("service_s", Integer, nullable=False),
    Column("standard", JSON, nullable=False),
    Column("active", Boolean, nullable=False, server_default="1"),
    UniqueConstraint("site_id", "code"),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("site_id", ForeignKey("sites.id"), nullable=False),
    Column("username", String(64), nullable=False),
    Column("full_name", String(200), nullable=False, server_default=""),
    Column("password_hash", String(200), nullable=False),
    Column("role", String(16), nullable=False),
    Column("active", Boolean, nullable=False, server_default="1"),
    Column("created_at", UTC, nullable=False),
    UniqueConstraint("site_id", "username"),
)

counters = Table(
    "counters",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("site_id", ForeignKey("sites.id"), nullable=False),
    Column("agency_id", ForeignKey("agencies.id")),
    Column("code", String(32), nullable=False),
    Column("number", Integer, nullable=False),
    Column("name", String(200), nullable=False),
    Column("priority_only", Boolean, nullable=False, server_default="0"),
    Column("active", Boolean, nullable=False, server_default="1"),
    # closed | open | break
    Column("state", String(16), nullable=False, server_default="closed"),
    Column("officer_id", ForeignKey("users.id")),
    Column("priority_streak", Integer, nullable=False, server_default="0"),
    Column("state_since", UTC),
    UniqueConstraint("site_id", "code"),
)

counter_services = Table(
    "counter_services",
    metadata,
    Column("counter_id", ForeignKey("counters.id", ondelete="CASCADE"), primary_key=True),
    Column("service_id", ForeignKey("services.id", ondelete="CASCADE"), primary_key=True),
)

number_streams = Table(
    "number_streams",
    metadata,
    Column("site_id", ForeignKey("sites.id"), primary_key=True),
    Column("queue", String(3), primary_key=True),
    Column("business_day", Date, primary_key=True),
    Column("last_number", Integer, nullable=False),
)

tickets = Table(
    "tickets",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("site_id", ForeignKey("sites.id"), nullable=False),
    Column("service_id", ForeignKey("services.id"), nullable=False),
    Column("queue", String(3), nullable=False),
    Column("business_day", Date, nullable=False),
    Column("number", Integer, nullable=False),
    Column("priority", String(32)),
    Column("status", String(16), nullable=False),
    Column("issued_at", UTC, nullable=False),
    Column("queued_at", UTC, nullable=False),
    Column("called_at", UTC),
    Column("started_at", UTC),
    Column("finished_at", UTC),
    Column("counter_id", ForeignKey("counters.id")),
    Column("officer_id", ForeignKey("users.id")),
    Column("recall_count", Integer, nullable=False, server_default="0"),
    Column("transfer_count", Integer, nullable=False, server_default="0"),
    Column("first_service_id", ForeignKey("services.id"), nullable=False),
    Column("idempotency_key", String(100)),
    Column("channel", String(16), nullable=False, server_default="kiosk"),
    # The visitor's secret: printed in the slip's QR and the tracking URL, never sent on a
    # topic. It is what lets the holder answer the survey; the id alone only reads status.
    Column("visitor_key", String(64)),
    # Set when the visitor booked online and checked in ("online" in the statistics); the
    # slot's start orders the ticket in the queue (domain/ordering.py).
    Column("booking_id", Integer),
    Column("due_at", UTC),
    UniqueConstraint("site_id", "queue", "business_day", "number"),
    UniqueConstraint("site_id", "idempotency_key"),
)
Index("ix_tickets_waiting", tickets.c.site_id, tickets.c.status, tickets.c.service_id,
      tickets.c.queued_at)
#: The time a waiting ticket is ordered by (``Candidate.sort_key``): the booked slot's start
#: for a checked-in booking, else when it joined the queue.
queue_time = func.coalesce(tickets.c.due_at, tickets.c.queued_at)
#: The tickets in ``ix_tickets_line``. A query repeats it as it is, a literal rather than a
#: bound value, or the planner cannot tell that the partial index holds every row it needs.
in_line = text("tickets.status = 'waiting'")
#: Each service's waiting line in calling order, so that a call reads its head from the
#: index instead of sorting every ticket of the day. Partial: served tickets, the bulk of a
#: day, are not in it.
_WAITING_ONLY = text("status = 'waiting'")
Index("ix_tickets_line", tickets.c.service_id, tickets.c.business_day, queue_time,
      tickets.c.id, sqlite_where=_WAITING_ONLY, postgresql_where=_WAITING_ONLY)
Index("ix_tickets_day", tickets.c.site_id, tickets.c.business_day)
Index("ix_tickets_counter", tickets.c.counter_id, tickets.c.status)

ticket_transfers = Table(
    "ticket_transfers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("site_id", ForeignKey("sites.id"), nullable=False),
    Column("ticket_id", ForeignKey("tickets.id"), nullable=False, index=True),
    Column("from_service_id", ForeignKey("services.id"), nullable=False),
    Column("to_service_id", ForeignKey("services.id"), nullable=False),
    Column("counter_id", ForeignKey("counters.id")),
    Column("officer_id", ForeignKey("users.id")),
    Column("at", UTC, nullable=False),
)

events = Table(
    "events",
    metadata,
    Column("site_id", ForeignKey("sites.id"), primary_key=True),
    Column("seq", BigInteger, primary_key=True),
    Column("type", String(48), nullable=False),
    Column("at", UTC, nullable=False),
    # space-separated topics (display, service:CODE, counter:CODE, ticket:ID, supervisor)
    Column("topics", Text, nullable=False),
    Column("payload", JSON, nullable=False),
)

sessions = Table(
    "sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("site_id", ForeignKey("sites.id"), nullable=False),
    Column("user_id", ForeignKey("users.id"), nullable=False, index=True),
    Column("counter_id", ForeignKey("counters.id")),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UTC, nullable=False),
    Column("expires_at", UTC, nullable=False),
)

login_attempts = Table(
    "login_attempts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(64), nullable=False, index=True),
    Column("at", UTC, nullable=False),
    Column("ok", Boolean, nullable=False),
)

#: Sign-in attempts counted per (username, address), per address and per username, in a
#: fixed window. One row per key, bumped with an atomic upsert *before* the password check,
#: so parallel guesses cannot all slip under the limit.
sign_in_throttle = Table(
    "sign_in_throttle",
    metadata,
    Column("site_id", ForeignKey("sites.id"), primary_key=True),
    Column("scope", String(8), primary_key=True),
    Column("username", String(200), primary_key=True),
    Column("address", String(64), primary_key=True),
    Column("window_start", UTC, nullable=False, index=True),
    Column("attempts", Integer, nullable=False),
)

breaks = Table(
    "breaks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("site_id", ForeignKey("sites.id"), nullable=False),
    Column("counter_id", ForeignKey("counters.id"), nullable=False, index=True),
    Column("officer_id", ForeignKey("users.id")),
    # queued | granted | ended | refused | cancelled
    Column("state", String(16), nullable=False),
    Column("minutes", Integer, nullable=False),
    Column("reason", Text),
    Column("requested_at", UTC, nullable=False),
    Column("granted_at", UTC),
    Column("until", UTC),
    Column("ended_at", UTC),
)

rotation_plans = Table(
    "rotation_plans",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("site_id", ForeignKey("sites.id"), nullable=False),
    Column("business_day", Date, nullable=False),
    Column("plan", JSON, nullable=False),
    Column("adopted_by", ForeignKey("users.id")),
    Column("adopted_at", UTC),
    UniqueConstraint("site_id", "business_day"),
)

skm_responses = Table(
    "skm_responses",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("site_id", ForeignKey("sites.id"), nullable=False),
    Column("ticket_id", ForeignKey("tickets.id"), nullable=False, unique=True),
    Column("service_id", ForeignKey("services.id"), nullable=False),
    Column("counter_id", ForeignKey("counters.id")),
    Column("officer_id", ForeignKey("users.id")),
    Column("submitted_at", UTC, nullable=False),
    *(Column(f"u{i}", SmallInteger, nullable=False) for i in range(1, 10)),
    Column("gender", String(8)),
    Column("age_band", String(16)),
    Column("education", String(16)),
    Column("occupation", String(32)),
    Column("comment", Text),
    Column("channel", String(16), nullable=False, server_default="phone"),
)

screens = Table(
    "screens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("site_id", ForeignKey("sites.id"), nullable=False),
    Column("client_id", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("zone", String(32)),
    Column("user_agent", Text),
    Column("last_seen_at", UTC, nullable=False),
    Column("last_seq", BigInteger),
    Column("state", String(16), nullable=False, server_default="online"),
    UniqueConstraint("site_id", "client_id"),
)

print_jobs = Table(
    "print_jobs",
    metadata,
    Column("id", String(48), primary_key=True),
    Column("site_id", ForeignKey("sites.id"), nullable=False),
    Column("ticket_id", ForeignKey("tickets.id"), nullable=False, index=True),
    Column("printer", String(32), nullable=False),
    # queued | printing | printed | failed
    Column("state", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("error", Text),
    Column("created_at", UTC, nullable=False),
    Column("updated_at", UTC, nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("site_id", ForeignKey("sites.id"), nullable=False),
    Column("user_id", ForeignKey("users.id")),
    Column("action", String(64), nullable=False),
    Column("detail", JSON, nullable=False),
    Column("at", UTC, nullable=False),
)

#: The live configuration of a site: the site file's document as JSON, with a version that
#: every admin edit bumps (``If-Match``). Seeded from the site file when a site has none.
site_configs = Table(
    "site_configs",
    metadata,
    Column("site_id", ForeignKey("sites.id"), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("document", JSON, nullable=False),
    Column("updated_at", UTC, nullable=False),
    Column("updated_by", ForeignKey("users.id")),
)

# --- WhatsApp (WA SMART MPP, docs/whatsapp.md) ------------------------------------------------
# Personal data: the visitor's phone only, purged after the site's data_retention_days.

#: Messages visitors sent, once each: the provider's message id is unique, so a webhook that
#: is delivered twice stores (and answers) it once.
wa_inbound = Table(
    "wa_inbound",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("site_id", ForeignKey("sites.id"), nullable=False),
    Column("provider_id", String(128), nullable=False),
    Column("phone", String(32), nullable=False),
    Column("received_at", UTC, nullable=False),
    # what was asked (menu, service, hours, status …) and which service it found, for the
    # supervisor's "top questions"; the raw text is not kept
    Column("intent", String(24), nullable=False),
    Column("topic", String(64)),
    Column("lang", String(2), nullable=False),
    UniqueConstraint("site_id", "provider_id"),
)
Index("ix_wa_inbound_day", wa_inbound.c.site_id, wa_inbound.c.received_at)

#: Everything sent outside, written in the transaction that caused it (a reply) or derived
#: from the events table under a unique key (a notification); a worker sends it.
wa_outbox = Table(
    "wa_outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("site_id", ForeignKey("sites.id"), nullable=False),
    # what makes the message once-only: "reply:<inbound id>", "called:<seq>:<ticket>", …
    Column("dedup_key", String(128), nullable=False),
    Column("phone", String(32), nullable=False),
    Column("kind", String(24), nullable=False),
    # the free text: what is sent when there is no template, and what the office reads
    Column("body", Text, nullable=False),
    # {"name", "language", "parameters"}: send this approved template instead of the text
    # (the Cloud API outside the 24-hour window); NULL = free text. Decided when queued, so
    # the row alone says what goes out.
    Column("template", JSON(none_as_null=True)),
    # pending | sending | sent | failed | unknown (a send cut off by a crash: never repeated)
    # | withdrawn (the visitor wrote "stop" before it was sent)
    Column("state", String(12), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", UTC, nullable=False),
    Column("created_at", UTC, nullable=False),
    Column("claimed_at", UTC),
    Column("claimed_by", String(64)),
    Column("sent_at", UTC),
    Column("provider_id", String(128)),
    # the provider's delivery status: sent | delivered | read | failed
    Column("delivery", String(12)),
    Column("error", Text),
    UniqueConstraint("site_id", "dedup_key"),
)
Index("ix_wa_outbox_due", wa_outbox.c.site_id, wa_outbox.c.state, wa_outbox.c.next_attempt_at)
Index("ix_wa_outbox_provider", wa_outbox.c.provider_id)

#: A ticket whose holder asked to be told about it on WhatsApp (they wrote first).
wa_subscriptions = Table(
    "wa_subscriptions",
    metadata,
    Column("ticket_id", ForeignKey("tickets.id"), primary_key=True),
    Column("site_id", ForeignKey("sites.id"), nullable=False),
    Column("phone", String(32), nullable=False),
    Column("lang", String(2), nullable=False),
    Column("created_at", UTC, nullable=False),
)

#: How far the notifier has read the events table, per site.
wa_cursor = Table(
    "wa_cursor",
    metadata,
    Column("site_id", ForeignKey("sites.id"), primary_key=True),
    Column("last_seq", BigInteger, nullable=False),
)

# Online bookings (domain/booking.py). Name and phone are the only personal data; they are
# cleared after the site's data_retention_days and never sent on a topic.
bookings = Table(
    "bookings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("site_id", ForeignKey("sites.id"), nullable=False),
    Column("code", String(8), nullable=False),
    Column("service_id", ForeignKey("services.id"), nullable=False),
    Column("business_day", Date, nullable=False),
    Column("slot", String(5), nullable=False),
    Column("starts_at", UTC, nullable=False),
    Column("ends_at", UTC, nullable=False),
    Column("name", String(100)),
    Column("phone", String(20)),
    Column("status", String(16), nullable=False),
    Column("reason", String(300)),
    # sha256 of the holder's manage token: the token itself is shown once, at booking
    Column("manage_hash", String(64), nullable=False),
    Column("idempotency_key", String(100)),
    Column("created_at", UTC, nullable=False),
    Column("checked_in_at", UTC),
    Column("cancelled_at", UTC),
    Column("ticket_id", String(32)),
    # WhatsApp confirmation and reminder asked for at booking, in this language ('id' or
    # 'en'); NULL: none (never asked, or the visitor wrote "stop")
    Column("wa_lang", String(2)),
    UniqueConstraint("site_id", "code"),
    UniqueConstraint("site_id", "idempotency_key"),
)
Index("ix_bookings_day", bookings.c.site_id, bookings.c.business_day, bookings.c.status)

# Seats taken per slot, and per day under slot "" (the online share of a daily quota). A
# booking takes a seat with one conditional UPDATE (taken < capacity): the row lock makes
# concurrent bookings for the last seat queue up, and only as many succeed as there are seats.
booking_seats = Table(
    "booking_seats",
    metadata,
    Column("site_id", ForeignKey("sites.id"), primary_key=True),
    Column("service_id", ForeignKey("services.id"), primary_key=True),
    Column("business_day", Date, primary_key=True),
    Column("slot", String(5), primary_key=True),
    Column("taken", Integer, nullable=False, server_default="0"),
)
