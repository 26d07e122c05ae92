"""The supervisor's view of the WhatsApp number: messages in and out per day, delivery
failures, and what people ask most (the content officers were asked to improve)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from sqlalchemy import func, select

from queue_server.services.context import Loket
from queue_server.store import tables as t

FAILED_STATES = ("failed", "unknown")


async def whatsapp_stats(loket: Loket, first: dt.date, last: dt.date) -> dict[str, Any]:
    tz = loket.tz
    start = dt.datetime.combine(first, dt.time(0), tzinfo=tz)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0), tzinfo=tz)
    site = loket.ids.site
    ib, ob = t.wa_inbound, t.wa_outbox
    async with loket.db.read() as conn:
        inbound = (await conn.execute(select(ib.c.received_at, ib.c.intent, ib.c.topic).where(
            ib.c.site_id == site, ib.c.received_at >= start, ib.c.received_at < end))).all()
        outbound = (await conn.execute(select(
            ob.c.created_at, ob.c.state, ob.c.delivery, ob.c.kind).where(
            ob.c.site_id == site, ob.c.created_at >= start, ob.c.created_at < end))).all()
    days: dict[str, dict[str, int]] = {}

    def day(moment: dt.datetime) -> dict[str, int]:
        key = moment.astimezone(tz).date().isoformat()
        return days.setdefault(key, {"in": 0, "out": 0, "failed": 0, "pending": 0})

    for row in inbound:
        day(row.received_at)["in"] += 1
    for sent in outbound:
        bucket = day(sent.created_at)
        if sent.state == "sent" and sent.delivery != "failed":
            bucket["out"] += 1
        elif sent.state in FAILED_STATES or sent.delivery == "failed":
            bucket["failed"] += 1
        elif sent.state == "withdrawn":
            continue  # the visitor said "stop": neither sent nor waiting
        else:
            bucket["pending"] += 1
    asked = Counter((row.intent, row.topic) for row in inbound)
    return {
        "from": first.isoformat(), "to": last.isoformat(),
        "days": [{"date": d, **v} for d, v in sorted(days.items())],
        "totals": {k: sum(v[k] for v in days.values()) for k in ("in", "out", "failed",
                                                                  "pending")},
        "by_kind": dict(Counter(sent.kind for sent in outbound)),
        "top_questions": [
            {"intent": intent, "topic": topic, "name": _name(loket, topic), "count": n}
            for (intent, topic), n in asked.most_common(10)],
    }


#: Every state an outbox message can be in (``tables.wa_outbox.state``).
OUTBOX_STATES = ("pending", "sending", "sent", "failed", "unknown", "withdrawn")


async def outbox_by_state(loket: Loket) -> dict[str, int]:
    """How many of the site's outbox messages are in each state now (zeros included, so a
    monitoring rule on ``pending`` or ``failed`` sees a series from the start)."""
    ob = t.wa_outbox
    async with loket.db.read() as conn:
        rows = (await conn.execute(select(ob.c.state, func.count()).where(
            ob.c.site_id == loket.ids.site).group_by(ob.c.state))).all()
    counts = dict.fromkeys(OUTBOX_STATES, 0)
    counts.update({str(state): int(n) for state, n in rows})
    return counts


def _name(loket: Loket, topic: str | None) -> str | None:
    if topic is None:
        return None
    service = loket.site.services_by_code.get(topic)
    if service is not None:
        return service.name
    agency = next((a for a in loket.site.agencies if a.code == topic), None)
    return agency.short_name if agency else None
