// Lobby display: follows /ws (snapshot, replay with since, live), reconnects on its own,
// shows what is called and says it aloud, one announcement at a time, each once per zone.
(function () {
  "use strict";

  const body = document.body;
  const zone = body.dataset.zone;
  const agency = body.dataset.agency || null;
  const voiceMode = body.dataset.voice;
  const tz = body.dataset.timezone || "Asia/Jakarta";
  const MAX_QUEUE = 20;
  const BIG = 3;       // the newest calls shown large: several counters call within seconds
  const RECENT = 9;    // the newest calls kept in all (large ones plus the list)
  const PAGE_MS = (parseInt(body.dataset.pageS, 10) || 8) * 1000;
  const $ = (id) => document.getElementById(id);

  const voice = new window.LoketVoice({
    repeat: parseInt(body.dataset.repeat, 10) || 2,
    pauseMs: parseInt(body.dataset.pauseMs, 10) || 400,
  });
  const state = {
    connected: false, lastSeq: null, announcedThrough: 0, soundOn: false,
    queue: [], playing: null, played: [], counters: [], recent: [], waiting: [],
    clockOffsetMs: 0, reconnects: 0, open: true, pageMs: PAGE_MS, voice: voice,
    voiceLoaded: voice.load("/display/voice/manifest.json").catch(() => voice),
  };
  window.loketDisplay = state;

  const clientId = (() => {
    const key = "loket.display.client";
    let id = localStorage.getItem(key);
    if (!id) {
      id = "tv-" + Math.random().toString(36).slice(2, 12);
      localStorage.setItem(key, id);
    }
    return id;
  })();

  // --- clock ----------------------------------------------------------------------------
  const dateFmt = new Intl.DateTimeFormat("id-ID", {
    weekday: "long", day: "numeric", month: "long", year: "numeric", timeZone: tz });
  const timeFmt = new Intl.DateTimeFormat("id-ID", {
    hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false, timeZone: tz });
  function tick() {
    const now = new Date(Date.now() + state.clockOffsetMs);
    $("clock").textContent = timeFmt.format(now).replace(/:/g, ".") + " WIB";
    $("date").textContent = dateFmt.format(now);
  }
  function syncClock(at) {
    // Python writes microseconds; not every browser parses more than milliseconds.
    const t = Date.parse(String(at).replace(/(\.\d{3})\d+/, "$1"));
    if (!isNaN(t)) state.clockOffsetMs = t - Date.now();
    tick();
  }
  setInterval(tick, 1000);
  tick();

  // --- rendering ------------------------------------------------------------------------
  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  const STATE_TEXT = { open: "Buka", break: "Istirahat", closed: "Tutup" };
  const RANK = { open: 0, break: 1 };

  // A tile: the counter's number large (what the voice says), its agency, and the ticket
  // it serves, or "Istirahat" while on a break.
  function counterTile(c) {
    const tile = el("div", "counter " + c.state);
    tile.dataset.counter = c.code;
    tile.setAttribute("aria-label", c.name + ", " + (STATE_TEXT[c.state] || c.state));
    const agencyName = (state.waiting.find((w) => w.agency === c.agency) || {}).name;
    tile.append(el("div", "no", String(c.number)));
    tile.append(el("div", "agency", agencyName || (c.priority_only ? "Prioritas" : c.name)));
    tile.append(el("div", "serving",
      c.state === "break" ? STATE_TEXT.break : (c.ticket ? c.ticket.number : "—")));
    return tile;
  }
  function waitingRow(w) {
    const li = el("li");
    li.dataset.agency = w.agency;
    li.append(el("span", "name", w.name));
    li.append(el("span", "count", String(w.waiting)));
    return li;
  }
  // How many whole tiles fit: the grid's own resolved tracks say how many columns it has and
  // how tall a row is, so the CSS alone decides the sizes.
  function fits(box) {
    const style = getComputedStyle(box);
    const columns = style.gridTemplateColumns.split(" ").filter(Boolean).length || 1;
    const rowH = parseFloat(style.gridAutoRows) || 50;
    const gap = parseFloat(style.rowGap) || 0;
    return Math.max(1, Math.floor((box.clientHeight + gap) / (rowH + gap))) * columns;
  }
  const counterPager = new window.LoketPager($("counters"), $("counters-page"), counterTile,
    () => fits($("counters")));
  const waitingPager = new window.LoketPager($("waiting"), $("waiting-page"), waitingRow,
    () => fits($("waiting")));
  state.pagers = { counters: counterPager, waiting: waitingPager };

  // Open counters first, then those on a break; closed ones are only counted, so a lobby
  // with 39 counters pages through the ones a visitor can walk to.
  function renderCounters() {
    const shown = state.counters.filter((c) => c.state in RANK)
      .sort((a, b) => RANK[a.state] - RANK[b.state] || a.number - b.number);
    const closed = state.counters.length - shown.length;
    counterPager.set(shown);
    $("counters-note").textContent = !shown.length ? "Belum ada loket yang buka" :
      closed ? closed + " loket lain tutup" : "";
  }
  function renderWaiting() { waitingPager.set(state.waiting); }
  setInterval(() => { counterPager.next(); waitingPager.next(); }, PAGE_MS);
  window.addEventListener("resize", () => { counterPager.draw(); waitingPager.draw(); });

  function callCard(call, box) {
    box.classList.toggle("recall", !!call.recall);
    box.querySelector(".recall-mark").hidden = !call.recall;
  }
  function smallCall(call) {
    const card = el("div", "call small-call" + (call.recall ? " recall" : ""));
    const mark = el("div", "recall-mark", "Panggilan ulang");
    mark.hidden = !call.recall;
    card.append(mark, el("div", "num", call.number),
      el("div", "to", "menuju " + (call.counter_name || "")));
    return card;
  }
  function renderRecent() {
    const main = state.recent[0] || null;
    $("now-number").textContent = main ? main.number : "—";
    $("now-counter").textContent = main ? (main.counter_name || "") : "—";
    $("now-service").textContent = main ? (main.service_name || "") : "\u00a0";
    callCard(main || {}, $("now-main"));
    $("now-more").replaceChildren(...state.recent.slice(1, BIG).map(smallCall));
    $("recent-empty").hidden = state.recent.length > BIG;
    $("recent").replaceChildren(...state.recent.slice(BIG, RECENT).map((t) => {
      const li = el("li", t.recall ? "recall" : "");
      li.append(el("span", "num", t.number));
      if (t.recall) li.append(el("span", "tag", "ulang"));
      li.append(el("span", "to", t.counter_name || ""));
      return li;
    }));
  }
  function flash() {
    const box = $("now-main");
    box.classList.remove("flash");
    void box.offsetWidth;
    box.classList.add("flash");
  }
  function applyDisplay(display, withRecent) {
    state.counters = display.counters || [];
    state.waiting = display.waiting || [];
    // A recall comes after the call, so a ticket recalled at all was last said as a recall.
    if (withRecent) {
      state.recent = (display.recent_calls || []).slice(0, RECENT)
        .map((t) => ({ ...t, recall: (t.recall_count || 0) > 0 }));
    }
    renderCounters(); renderWaiting(); renderRecent();
  }

  // --- opening hours --------------------------------------------------------------------
  // Closed or a holiday: the calls make way for when the office opens again and its hours.
  function applyStatus(status) {
    state.open = status.open;
    $("grid").hidden = !status.open;
    $("closed").hidden = status.open;
    if (!status.open) {
      $("closed-title").textContent = status.headline;
      $("closed-message").textContent = status.message ? status.message + "." : "";
      $("closed-message").hidden = !status.message;
    } else {
      counterPager.draw(); waitingPager.draw();
    }
  }
  function checkStatus() {
    fetch("/display/status").then((r) => r.json()).then(applyStatus).catch(() => {});
  }
  checkStatus();
  setInterval(checkStatus, 30000);

  // --- events ---------------------------------------------------------------------------
  function counterOf(code) { return state.counters.find((c) => c.code === code); }
  function waitingOf(code) { return state.waiting.find((w) => w.agency === code); }
  let refreshTimer = null;
  function refreshSoon() {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(() => send({ type: "refresh" }), 800);
  }

  function onEvent(m) {
    const t = m.ticket;
    switch (m.type) {
      case "ticket.issued": {
        const w = t && waitingOf(t.agency);
        if (w) { w.waiting += 1; renderWaiting(); }
        break;
      }
      case "ticket.called":
      case "ticket.recalled": {
        if (m.type === "ticket.called") {
          const w = waitingOf(t.agency);
          if (w && w.waiting > 0) { w.waiting -= 1; renderWaiting(); }
        }
        const c = counterOf(m.counter);
        if (c) { c.ticket = t; c.state = "open"; renderCounters(); }
        const call = { ...t, recall: m.type === "ticket.recalled" };
        state.recent = [call, ...state.recent.filter((r) => r.id !== t.id)].slice(0, RECENT);
        renderRecent();
        flash();
        if (m.announcement) offer(m);
        break;
      }
      case "ticket.started": {
        const c = counterOf(m.counter);
        if (c) { c.ticket = t; renderCounters(); }
        break;
      }
      case "ticket.finished": case "ticket.no_show": case "ticket.transferred":
      case "ticket.returned": {
        const c = counterOf(m.counter);
        if (c && c.ticket && t && c.ticket.id === t.id) { c.ticket = null; renderCounters(); }
        refreshSoon();
        break;
      }
      case "counter.opened": case "counter.closed": case "counter.break":
      case "counter.resumed": {
        const c = counterOf(m.counter);
        if (c && m.state) { c.state = m.state; renderCounters(); }
        refreshSoon();
        break;
      }
      case "config.changed":
        // An administrator changed the site: counters come with the refresh, the running
        // text from the services list.
        refreshSoon();
        refreshTicker();
        break;
      default:
        if (m.type && m.type.startsWith("queue.")) refreshSoon();
    }
  }

  function refreshTicker() {
    const ticker = document.getElementById("ticker-text");
    if (!ticker) return;
    fetch("/api/v1/services", { credentials: "same-origin" })
      .then((r) => (r.ok ? r.json() : null))
      .then((data) => {
        if (!data || !data.site) return;
        const parts = [data.site.maklumat, ...(data.site.notices || [])].filter(Boolean);
        ticker.textContent = parts.join("\u00a0\u00a0•\u00a0\u00a0");
      })
      .catch(() => {});
  }

  // --- announcements --------------------------------------------------------------------
  // The server keeps one mark per zone (the last call claimed there). A call is queued only
  // above that mark, claimed before playing (so two screens or a reload never say it
  // twice), and played to the end before the next one starts.
  function offer(m) {
    if (m.seq <= state.announcedThrough) return;
    if (state.queue.some((a) => a.seq === m.seq)) return;
    if (state.playing && state.playing.seq === m.seq) return;
    state.queue.push({ seq: m.seq, number: m.ticket.number, counter: m.counter_name,
      clips: m.announcement.clips, phrases: m.announcement.phrases || [m.announcement.clips],
      text: m.announcement.text, recall: m.announcement.recall });
    state.queue.sort((a, b) => a.seq - b.seq);
    while (state.queue.length > MAX_QUEUE) state.queue.shift();
    pump();
  }

  const claims = new Map();
  function claim(seq) {
    return new Promise((resolve) => {
      if (!send({ type: "announce", zone: zone, seq: seq })) { resolve(null); return; }
      const timer = setTimeout(() => { claims.delete(seq); resolve(null); }, 5000);
      claims.set(seq, (granted) => { clearTimeout(timer); resolve(granted); });
    });
  }

  // One AudioContext for the page; browsers start it suspended until a tap (or until the
  // kiosk-mode flag --autoplay-policy=no-user-gesture-required lets it run at once).
  let audioCtx = null;
  function audioContext() {
    if (!audioCtx) audioCtx = new AudioContext();
    return audioCtx;
  }
  function speak(text) {
    return new Promise((resolve) => {
      if (!("speechSynthesis" in window)) { resolve(); return; }
      const u = new SpeechSynthesisUtterance(text);
      u.lang = "id-ID";
      u.rate = 0.9;
      const timer = setTimeout(resolve, 15000);
      u.onend = u.onerror = () => { clearTimeout(timer); resolve(); };
      speechSynthesis.speak(u);
    });
  }
  async function say(next) {
    if (voiceMode === "browser") {
      for (let i = 0; i < voice.repeat; i++) await speak(next.text);
      return;
    }
    await state.voiceLoaded;
    await voice.play(audioContext(), next.phrases);
  }

  let pumping = false;
  async function pump() {
    if (pumping || !state.soundOn) return;
    pumping = true;
    try {
      while (state.soundOn && state.queue.length && state.connected) {
        const next = state.queue.shift();
        if (next.seq <= state.announcedThrough) continue;
        const granted = await claim(next.seq);
        if (granted === null) { state.queue.unshift(next); break; }  // offline: try later
        state.announcedThrough = Math.max(state.announcedThrough, next.seq);
        if (!granted) continue;  // another screen in this zone said it
        state.playing = next;
        await say(next);
        state.played.push(next.seq);
        state.playing = null;
      }
    } finally {
      pumping = false;
    }
  }

  function soundIsOn() {
    state.soundOn = true;
    $("sound").classList.add("on");
    $("sound-text").textContent = "Suara menyala";
    send({ type: "health", client_id: clientId, kind: "display", zone: zone,
           last_seq: state.lastSeq });
    pump();
  }
  function enableSound() {
    // Resume inside the tap itself: browsers allow sound only after a gesture.
    const ctx = audioContext();
    const resumed = ctx.resume();
    if (voiceMode === "browser" && "speechSynthesis" in window) {
      speechSynthesis.speak(new SpeechSynthesisUtterance(""));
    }
    soundIsOn();
    return resumed;
  }
  document.addEventListener("click", () => { if (!state.soundOn) enableSound(); });
  document.addEventListener("keydown", () => { if (!state.soundOn) enableSound(); });
  // ?sound=on: a TV has no finger. With the autoplay flag the context runs without a tap;
  // without it the button stays, so the screen never pretends to speak.
  if (body.dataset.sound === "on") {
    const ctx = audioContext();
    ctx.resume().catch(() => {});
    const check = () => { if (ctx.state === "running" && !state.soundOn) soundIsOn(); };
    ctx.onstatechange = check;
    setTimeout(check, 300);
  }

  // --- connection -----------------------------------------------------------------------
  let ws = null;
  let backoff = 500;
  let lastMessageAt = 0;
  function send(message) {
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(JSON.stringify(message));
    return true;
  }
  function setOnline(online) {
    state.connected = online;
    $("offline").hidden = online;
    if (online) pump();
  }
  function connect() {
    const topics = agency ? "agency:" + agency : "display";
    let url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host +
      "/ws?topics=" + encodeURIComponent(topics) + "&zone=" + encodeURIComponent(zone);
    if (agency) url += "&agency=" + encodeURIComponent(agency);
    if (state.lastSeq !== null) url += "&since=" + state.lastSeq;
    ws = new WebSocket(url);
    ws.onopen = () => {
      lastMessageAt = Date.now();
      send({ type: "hello", client_id: clientId, kind: "display", zone: zone });
    };
    ws.onmessage = (e) => {
      lastMessageAt = Date.now();
      const m = JSON.parse(e.data);
      if (m.type === "snapshot") {
        if (m.since_reset) { state.queue = []; state.announcedThrough = 0; }
        syncClock(m.at);
        checkStatus();
        if (m.display) {
          state.announcedThrough = Math.max(
            m.since_reset ? 0 : state.announcedThrough, m.display.announced_through || 0);
          applyDisplay(m.display, true);
        }
        if (state.lastSeq === null || m.since_reset) state.lastSeq = m.seq;
        backoff = 500;
        setOnline(true);
        return;
      }
      if (m.type === "heartbeat") { syncClock(m.at); return; }
      if (m.type === "state") { if (m.display) applyDisplay(m.display, false); return; }
      if (m.type === "announce.claim") {
        const resolve = claims.get(m.seq);
        if (resolve) { claims.delete(m.seq); resolve(m.granted); }
        return;
      }
      if (m.type === "error") { console.warn("loket:", m.error); return; }
      if (typeof m.seq === "number") {
        if (state.lastSeq !== null && m.seq <= state.lastSeq) return;
        state.lastSeq = m.seq;
        onEvent(m);
      }
    };
    ws.onclose = (e) => {
      setOnline(false);
      state.reconnects += 1;
      $("offline-detail").textContent = e.code === 1013 ? " (terlambat, mengejar)" : "";
      for (const resolve of claims.values()) resolve(null);
      claims.clear();
      const wait = Math.min(backoff, 15000) * (0.75 + Math.random() * 0.5);
      backoff = Math.min(backoff * 2, 15000);
      setTimeout(connect, wait);
    };
  }
  // A silent connection (no heartbeat for 40 s) is dead even if the browser has not noticed.
  setInterval(() => {
    if (ws && ws.readyState === WebSocket.OPEN && Date.now() - lastMessageAt > 40000) ws.close();
  }, 5000);
  setInterval(() => send({ type: "health", client_id: clientId, kind: "display", zone: zone,
                           last_seq: state.lastSeq }), 30000);
  connect();
})();
