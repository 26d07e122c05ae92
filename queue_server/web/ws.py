"""WebSocket /ws: snapshot, replay since a sequence, live events (issue 4).

``GET /ws?topics=display,service:KTP,ticket:ID&since=SEQ[&zone=Z][&agency=A]``

1. the server subscribes to the hub first, so nothing committed from now on is missed;
2. sends ``{"type": "snapshot", "seq", …}``;
3. replays every event with ``seq > since`` (or ``> snapshot.seq`` without ``since``) from
   the events table, in order;
4. then live events from the subscription, skipping any seq already sent.

A client too slow to keep up is closed with code 1013 and a reason naming the last seq sent;
it reconnects with ``since`` and misses nothing. Idle connections get a heartbeat message.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from queue_server.domain.errors import DomainError, Forbidden, Invalid
from queue_server.events import wire
from queue_server.events.backends import (
    PostgresListener,
    parse_notification,
    plain_dsn,
    this_process,
)
from queue_server.events.feed import EventFeed, events_after
from queue_server.events.hub import Hub, Subscription
from queue_server.messages import invalid_detail, message
from queue_server.services.access import OVERSEERS, has_role
from queue_server.services.context import Loket
from queue_server.services.screens import KINDS, ScreenInfo, Screens, claim_announcement
from queue_server.services.snapshots import display_state, snapshot
from queue_server.settings import Settings
from queue_server.web.auth import optional_session
from queue_server.web.failures import failure_code
from queue_server.web.http import language, loads
from queue_server.web.send_deadline import SendDeadline, TooSlow

log = logging.getLogger(__name__)

HEARTBEAT_S = 15.0
MAX_TOPICS = 50
#: A client further behind than this gets the snapshot only (and ``replay_truncated``).
MAX_REPLAY = 5000
CLOSE_TOO_SLOW = 1013
CLOSE_BAD_REQUEST = 1008
CLOSE_TOO_BIG = 1009
#: Client messages are a few hundred bytes (hello, health, announce, ping); anything much
#: bigger is a mistake or an attack. The server (uvicorn ``ws_max_size``) refuses bigger
#: frames before they are buffered; this check covers other servers.
MAX_MESSAGE = 8 * 1024
MAX_DEPTH = 4
#: The largest sequence number a browser represents exactly (2**53 - 1).
MAX_SEQ = 9_007_199_254_740_991
_NAME = re.compile(r"^[A-Za-z0-9_.:-]{1,64}\Z")


def _topics(loket: Loket, raw: str) -> frozenset[str]:
    topics = frozenset(tp.strip() for tp in raw.split(",") if tp.strip())
    if not topics:
        raise Invalid("invalid", what="topics_required")
    if len(topics) > MAX_TOPICS:
        raise Invalid("invalid", what="too_many_topics", limit=MAX_TOPICS)
    agencies = {a.code for a in loket.site.agencies}
    for topic in topics:
        kind, _, arg = topic.partition(":")
        ok = (
            (topic in {"display", "supervisor"})
            or (kind == "service" and arg in loket.site.services_by_code)
            or (kind == "counter" and loket.site.counter(arg) is not None)
            or (kind == "agency" and arg in agencies)
            or (kind == "ticket" and bool(_NAME.match(arg)))
        )
        if not ok:
            raise Invalid("invalid", what="unknown_topic", topic=topic)
    return topics


def _int_param(value: str | None, name: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except ValueError:
        number = -1
    if not 0 <= number <= MAX_SEQ:
        raise Invalid("invalid", what="whole_number", field=name, limit=MAX_SEQ)
    return number


def _name_param(value: str | None, name: str) -> str | None:
    if value is None or value == "":
        return None
    if not _NAME.match(value):
        raise Invalid("invalid", what="name_chars", field=name)
    return value


def error_message(code: str, lang: str, params: dict[str, Any]) -> dict[str, Any]:
    """The socket's ``error`` message: the code, and the sentence in the client's language
    (the same words as the HTTP answers)."""
    error: dict[str, Any] = {"code": code, "message": message(code, lang, params)}
    what = params.get("what")
    detail = invalid_detail(what, lang, params) if isinstance(what, str) else None
    if detail is not None:
        error["detail"] = detail
    return {"type": "error", "error": error}


class Connection:
    """One client: sends under a deadline, remembers the last seq it sent."""

    def __init__(self, ws: WebSocket, loket: Loket, hub: Hub, sub: Subscription,
                 screens: Screens, zone: str | None, agency: str | None,
                 deadline: SendDeadline) -> None:
        self.ws = ws
        self.loket = loket
        self.hub = hub
        self.sub = sub
        self.screens = screens
        self.zone = zone
        self.agency = agency
        self.last = 0
        self.screen: ScreenInfo | None = None
        self.deadline = deadline
        self.lang = language(ws)

    async def send(self, text: str) -> None:
        # Runs once per client for every event: no task (wait_for) and no timer
        # (asyncio.timeout) per send; the process's one SendDeadline watches them all.
        try:
            await self.deadline.send(self.ws.send_text(text))
        except TooSlow:
            await self.cut_off()
            raise

    async def cut_off(self) -> None:
        """Close a client that cannot keep up, telling it where to resume."""
        self.hub.cut_off += 1
        with contextlib.suppress(Exception):
            async with asyncio.timeout(5.0):  # not wait_for: see services/jobs.every
                await self.ws.close(CLOSE_TOO_SLOW, f"too slow: reconnect with since={self.last}")

    async def send_json(self, message: dict[str, Any]) -> None:
        await self.send(json.dumps(message, ensure_ascii=False, default=str))

    async def replay(self, since: int) -> None:
        self.last = since
        cursor = self.hub.cursor
        if cursor is not None and since >= cursor:
            # Everything after ``since`` is still to come through the hub, and the
            # subscription existed before the hub got past ``cursor``: the subscription
            # delivers it all. Saves a query per connection (a reconnect storm of thousands).
            return
        sent = 0
        async with self.loket.db.read() as conn:
            while sent < MAX_REPLAY:
                events = await events_after(conn, self.loket.ids.site, self.last)
                if not events:
                    return
                for event in events:
                    if self.sub.wants(event):
                        await self.send(self.hub.encode(event).text)
                        sent += 1
                    self.last = event.seq

    async def live(self) -> None:
        while True:
            envelope = await self.sub.get(timeout=HEARTBEAT_S)
            if envelope is None:
                if self.sub.overflowed:
                    await self.cut_off()
                    return
                await self.send_json({"type": "heartbeat", "seq": self.last,
                                      "at": self.loket.local(self.loket.clock.now())})
                continue
            if envelope.seq <= self.last:
                continue  # already sent by the replay
            await self.send(envelope.text)
            self.last = envelope.seq

    async def listen(self) -> None:
        """Messages from the client: hello/health (screens), announce (claim a call for the
        zone), refresh (the display state again), ping. A bad message gets an error message
        and the connection stays; only an oversized one closes it."""
        while True:
            frame = await self.ws.receive()
            if frame["type"] == "websocket.disconnect":
                raise WebSocketDisconnect(frame.get("code", 1000))
            raw = frame.get("text")
            if raw is None:
                raw = frame.get("bytes") or b""
            if len(raw) > MAX_MESSAGE:
                await self.error("too_large", limit=MAX_MESSAGE)
                await self.ws.close(CLOSE_TOO_BIG, "message too big")
                return
            try:
                message = loads(raw, MAX_DEPTH)
            except Invalid as exc:
                await self.error(exc.code, **exc.params)
                continue
            if not isinstance(message, dict):
                await self.error("bad_json")  # JSON, but not the object a message is
                continue
            try:
                await self.handle(message)
            except DomainError as exc:
                await self.error(exc.code, **exc.params)
            except Exception as exc:  # one failed message must not end a screen's feed
                code = failure_code(exc)
                if code == "internal":
                    log.exception("websocket message failed")
                await self.error(code)

    async def error(self, code: str, **params: Any) -> None:
        await self.send_json(error_message(code, self.lang, params))

    async def handle(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind in {"hello", "health"}:
            info = self._screen_info(message)
            if info is None:
                raise Invalid("invalid", what="hello_fields")
            first = self.screen is None
            self.screen = info
            if kind == "hello" or first:
                await self.screens.hello(info)
            else:
                self.screens.health(info)
        elif kind == "announce":
            zone = _name_param(str(message.get("zone") or self.zone or ""), "zone")
            seq = message.get("seq")
            if (zone is None or not isinstance(seq, int) or isinstance(seq, bool)
                    or not 1 <= seq <= MAX_SEQ):
                raise Invalid("invalid", what="announce_fields")
            granted = await claim_announcement(self.loket, zone, seq)
            await self.send_json({"type": "announce.claim", "zone": zone, "seq": seq,
                                  "granted": granted})
        elif kind == "refresh":
            async with self.loket.db.read() as conn:
                state = await display_state(self.loket, conn, agency=self.agency)
            await self.send_json({"type": "state", "display": state})
        elif kind == "ping":
            await self.send_json({"type": "pong", "seq": self.last})

    def _screen_info(self, message: dict[str, Any]) -> ScreenInfo | None:
        client_id = message.get("client_id") or (self.screen.client_id if self.screen else None)
        kind = message.get("kind") or (self.screen.kind if self.screen else None)
        if not isinstance(client_id, str) or not _NAME.match(client_id):
            return None
        if kind not in KINDS:
            return None
        zone = message.get("zone") or self.zone
        zone = zone[:32] if isinstance(zone, str) else None
        last_seq = message.get("last_seq")
        return ScreenInfo(client_id, kind, zone,
                          (self.ws.headers.get("user-agent") or "")[:300] or None,
                          last_seq if isinstance(last_seq, int) and 0 <= last_seq <= MAX_SEQ
                          else self.last)


async def endpoint(ws: WebSocket) -> None:
    loket: Loket = ws.app.state.loket
    hub: Hub = ws.app.state.hub
    screens: Screens = ws.app.state.screens
    params = ws.query_params
    await ws.accept()
    try:
        topics = _topics(loket, params.get("topics", ""))
        since = _int_param(params.get("since"), "since")
        zone = _name_param(params.get("zone"), "zone")
        agency = _name_param(params.get("agency"), "agency")
        if agency is not None and agency not in {a.code for a in loket.site.agencies}:
            raise Invalid("invalid", what="unknown_agency", agency=agency)
        if "supervisor" in topics:
            session = await optional_session(ws, loket)
            if session is None or not has_role(session.actor, OVERSEERS):
                raise Forbidden("forbidden")
    except DomainError as exc:
        answer = error_message(exc.code, language(ws), exc.params)
        await ws.send_json(answer)
        # A close reason is at most 123 bytes of UTF-8.
        await ws.close(CLOSE_BAD_REQUEST,
                       answer["error"]["message"].encode()[:120].decode(errors="ignore"))
        return
    sub = hub.subscribe(topics)
    ws.app.state.ws_clients += 1
    conn = Connection(ws, loket, hub, sub, screens, zone, agency, ws.app.state.send_deadline)
    tasks: list[asyncio.Task[None]] = []
    try:
        snap = await snapshot(loket, topics, zone=zone, agency=agency)
        start = since if since is not None else snap["seq"]
        if since is not None and since > snap["seq"]:
            snap["since_reset"] = True  # the client knows a newer history: the database
            start = snap["seq"]         # was replaced; it must drop what it remembers
        if snap["seq"] - start > MAX_REPLAY:
            snap["replay_truncated"] = True
            start = snap["seq"] - MAX_REPLAY
        await conn.send_json(snap)
        await conn.replay(start)
        tasks = [asyncio.create_task(conn.live()), asyncio.create_task(conn.listen())]
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            failure = task.exception()
            if failure is not None and not isinstance(failure, WebSocketDisconnect):
                raise failure
    except (WebSocketDisconnect, TimeoutError, RuntimeError, OSError) as exc:
        log.debug("websocket ended: %r", exc)
    except Exception as exc:
        # The database busy or away (e.g. every pooled connection taken by a reconnect storm
        # of thousands of phones): say so and close with 1013 "try again later", instead of
        # an error response the accepted WebSocket cannot carry.
        code = failure_code(exc)
        if code == "internal":
            raise
        log.warning("websocket refused, database %s: %s", code, exc)
        with contextlib.suppress(Exception):
            await ws.send_json(error_message(code, language(ws), {}))
            await ws.close(CLOSE_TOO_SLOW, f"{code}: try again shortly")
    finally:
        sub.close()
        ws.app.state.ws_clients -= 1
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(BaseException):
                await task
        if conn.screen is not None:
            with contextlib.suppress(Exception):
                await screens.gone(conn.screen)
        if ws.application_state == WebSocketState.CONNECTED:
            with contextlib.suppress(Exception):
                await ws.close()


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    loket: Loket = app.state.loket
    hub: Hub = app.state.hub
    hub.encoder = wire.message
    app.state.ws_clients = 0  # connected /ws clients (the hub also serves in-process readers)
    settings: Settings = app.state.settings
    if settings.ws_queue_size is not None:
        hub.maxsize = settings.ws_queue_size
    feed = EventFeed(loket.db, hub, loket.ids.site)
    screens = Screens(loket)
    deadline = SendDeadline(settings.ws_send_timeout_s)
    app.state.event_feed = feed
    app.state.screens = screens
    app.state.send_deadline = deadline
    async with contextlib.AsyncExitStack() as stack:
        await stack.enter_async_context(deadline.running())
        await stack.enter_async_context(feed.running())
        await stack.enter_async_context(screens.running())
        if loket.db.notifies_across_processes:
            notify = this_process()

            def on_notify(payload: str) -> None:
                parsed = parse_notification(payload)
                if parsed is None or parsed[0] != loket.ids.site or parsed[3] == notify.origin:
                    return
                if hub.cursor is None or parsed[2] > hub.cursor:
                    feed.wake()

            loket.db.notify_commits(notify)
            url = loket.db.engine.url.render_as_string(hide_password=False)
            listener = PostgresListener(plain_dsn(url), on_notify=on_notify,
                                        on_connect=feed.wake)
            app.state.event_listener = listener
            await stack.enter_async_context(listener.running())
        yield


async def stats(request: Request) -> Response:
    """How the fan-out is doing in this process: for operators, tests and benchmarks."""
    hub: Hub = request.app.state.hub
    listener = getattr(request.app.state, "event_listener", None)
    return JSONResponse({"subscribers": request.app.state.ws_clients,
                         "hub_subscribers": hub.subscriber_count, "cursor": hub.cursor,
                         "delivered": hub.delivered, "cut_off": hub.cut_off,
                         "overflows": hub.overflows,
                         "listening": None if listener is None else listener.listening.is_set(),
                         "listen_connects": None if listener is None else listener.connects})


routes: list[BaseRoute] = [WebSocketRoute("/ws", endpoint),
                           Route("/api/v1/events/stats", stats)]
