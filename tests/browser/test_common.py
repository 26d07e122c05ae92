"""static/common in a real Chromium against a real server: the translator, the API client
(base path, the server's sentence in the asked language) and the one live socket (snapshot,
events once in seq order, resume with since after a drop, one backoff policy)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.servers import Server


def _page(new_page: Any, server: Server) -> Any:
    page = new_page(800, 600)
    page.goto(f"{server.url}/supervisor")  # any page of the site: modules load same-origin
    return page


def test_the_translator_fills_words_falls_back_to_indonesian_and_then_to_the_key(
    new_page: Any, live_server: Server
) -> None:
    page = _page(new_page, live_server)
    said = page.evaluate("""async () => {
      const { translator } = await import("/static/common/i18n.js");
      const table = { id: { ahead: "Di depan Anda: {n} orang", only_id: "Hanya" },
                      en: { ahead: "Ahead of you: {n} people" } };
      let lang = "id";
      const t = translator(table, () => lang);
      const out = [t("ahead", { n: 3 })];
      lang = "en";
      out.push(t("ahead", { n: 3 }), t("only_id"), t("nowhere"));
      return out;
    }""")
    assert said == ["Di depan Anda: 3 orang", "Ahead of you: 3 people", "Hanya", "nowhere"]


def test_the_api_client_builds_urls_on_the_base_path_and_surfaces_the_servers_sentence(
    new_page: Any, live_server: Server
) -> None:
    page = _page(new_page, live_server)
    answer = page.evaluate("""async () => {
      const api = await import("/static/common/api.js");
      const services = await api.get("/api/v1/services");
      const refusals = [];
      for (const lang of ["id", "en"]) {
        try {
          await api.post("/api/v1/tickets", { service: "NOPE" }, { lang: lang });
        } catch (e) {
          refusals.push([e instanceof api.ApiError, e.status, e.code, e.sentence, e.message]);
        }
      }
      // A page under a site prefix: the same module, read with another <html data-base>.
      document.documentElement.dataset.base = "/s/probolinggo";
      const prefixed = await import("/static/common/api.js?prefixed");
      return { agencies: services.agencies.length, refusals: refusals, base: api.base,
               prefixed: [prefixed.url("/api/v1/services"), prefixed.wsUrl("/ws?topics=display")] };
    }""")
    assert answer["agencies"] > 0
    assert answer["base"] == ""
    (ok_id, status_id, code_id, sentence_id, message_id), (ok_en, status_en, code_en,
                                                          sentence_en, _) = answer["refusals"]
    assert ok_id and ok_en and 400 <= status_id < 500 and status_en == status_id
    assert code_id == code_en and code_id != "error"
    assert sentence_id and sentence_en and sentence_id != sentence_en  # Indonesian, English
    assert message_id == sentence_id
    host = live_server.url.split("://", 1)[1]
    assert answer["prefixed"] == ["/s/probolinggo/api/v1/services",
                                  f"ws://{host}/s/probolinggo/ws?topics=display"]


def test_the_backoff_doubles_from_half_a_second_to_fifteen_with_a_quarter_of_jitter(
    new_page: Any, live_server: Server
) -> None:
    page = _page(new_page, live_server)
    delays = page.evaluate("""async () => {
      const { backoffDelay } = await import("/static/common/live.js");
      const at = (r) => [1, 2, 3, 4, 5, 6, 7, 10, 50].map((f) => backoffDelay(f, () => r));
      return { low: at(0), mid: at(0.5), high: at(1) };
    }""")
    exact = [500, 1000, 2000, 4000, 8000, 15000, 15000, 15000, 15000]
    assert delays["mid"] == exact
    assert delays["low"] == [d * 0.75 for d in exact]
    assert delays["high"] == [d * 1.25 for d in exact]


LIVE = """async () => {
  const { LiveSocket } = await import("/static/common/live.js");
  const Real = window.WebSocket;
  window.__urls = [];
  window.__sockets = [];
  window.WebSocket = function (url) {
    const ws = new Real(url);
    window.__urls.push(url);
    window.__sockets.push(ws);
    return ws;
  };
  window.__live = { snapshots: [], events: [], closes: [] };
  const live = new LiveSocket({
    path: () => "/ws?topics=display",
    onSnapshot: (m) => window.__live.snapshots.push(m.seq),
    onEvent: (m) => window.__live.events.push([m.type, m.seq]),
    onClose: (e, wasOpen) => window.__live.closes.push(wasOpen),
  });
  window.__socket = live;
  live.start();
}"""


def test_the_live_socket_delivers_each_event_once_and_resumes_after_a_drop(
    new_page: Any, live_server: Server
) -> None:
    base = live_server.url
    page = _page(new_page, live_server)
    page.evaluate(LIVE)
    page.wait_for_function("window.__live.snapshots.length === 1", timeout=20_000)
    first = page.evaluate("window.__socket.lastSeq")
    assert page.evaluate("window.__urls") == [f"ws{base[4:]}/ws?topics=display"]

    assert httpx.post(f"{base}/api/v1/tickets", json={"service": "KTP"},
                      timeout=10).status_code == 201
    page.wait_for_function("window.__live.events.length === 1", timeout=20_000)
    (kind, seq), = page.evaluate("window.__live.events")
    assert kind == "ticket.issued" and seq > first
    assert page.evaluate("window.__socket.lastSeq") == seq

    # The same event again (a replay overlapping what was seen) is not delivered twice.
    page.evaluate(f"window.__socket.receive({{type: 'ticket.issued', seq: {seq}}})")
    assert page.evaluate("window.__live.events.length") == 1

    # Cut the line, issue a ticket while it is down: the socket comes back on its own with
    # since=<the last seq seen> and the missed event arrives, once.
    page.evaluate("window.__socket.stop(); window.__socket.stopped = false;"
                  "window.__sockets[0].onclose = null;")
    assert httpx.post(f"{base}/api/v1/tickets", json={"service": "KK"},
                      timeout=10).status_code == 201
    page.evaluate("window.__socket.retry()")
    page.wait_for_function("window.__live.events.length === 2", timeout=20_000)
    assert page.evaluate("window.__urls")[-1].endswith(f"/ws?topics=display&since={seq}")
    kinds = page.evaluate("window.__live.events")
    assert kinds[1][0] == "ticket.issued" and kinds[1][1] > seq
    assert page.evaluate("window.__live.snapshots.length") == 2

    # A close from the server side (here: the browser's own close) is retried with backoff.
    page.evaluate("window.__sockets[window.__sockets.length - 1].close()")
    page.wait_for_function("window.__live.closes.length === 1 && window.__sockets.length === 3",
                           timeout=20_000)
    assert page.evaluate("window.__live.closes") == [True]
    page.wait_for_function("window.__live.snapshots.length === 3", timeout=20_000)
    assert page.evaluate("window.__live.events.length") == 2  # the replay brought nothing new
