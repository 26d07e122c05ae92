// Lobby display: follows the live socket (snapshot, replay with since, live), shows what is
// called and says it aloud, one announcement at a time, each once per zone.
import { get, url } from "../common/api.js";
import { $, el } from "../common/dom.js";
import { translator } from "../common/i18n.js";
import { LiveSocket } from "../common/live.js";
import { AnnouncementQueue } from "./announcements.js";
import { Pager } from "./pager.js";
import { Voice } from "./voice.js";

// The lobby speaks Indonesian (the voice does too): one language in the table.
const TEXT = {
  id: {
    open: "Buka", "break": "Istirahat", closed: "Tutup", priority: "Prioritas",
    recall: "Panggilan ulang", recall_short: "ulang", to: "menuju {c}",
    none_open: "Belum ada loket yang buka", others_closed: "{n} loket lain tutup",
    sound_on: "Suara menyala", catching_up: " (terlambat, mengejar)",
  },
};
const t = translator(TEXT, "id");

const body = document.body;
const zone = body.dataset.zone;
const agency = body.dataset.agency || null;
const voiceMode = body.dataset.voice;
const tz = body.dataset.timezone || "Asia/Jakarta";
const BIG = 3;       // the newest calls shown large: several counters call within seconds
const RECENT = 9;    // the newest calls kept in all (large ones plus the list)
const PAGE_MS = (parseInt(body.dataset.pageS, 10) || 8) * 1000;

const voice = new Voice({
  repeat: parseInt(body.dataset.repeat, 10) || 2,
  pauseMs: parseInt(body.dataset.pauseMs, 10) || 400,
});
const announcements = new AnnouncementQueue();
// The one connection to the server; its handlers are under "connection" below, and it starts
// at the end, once everything it feeds exists.
const live = new LiveSocket({
  path: topicsPath, onOpen: hello, onSnapshot: onSnapshot, onEvent: onEvent,
  onMessage: onMessage, onClose: onClose,
});
const state = {
  connected: false, soundOn: false, announcements: announcements,
  played: [], counters: [], recent: [], waiting: [],
  clockOffsetMs: 0, reconnects: 0, open: true, pageMs: PAGE_MS, voice: voice,
  voiceLoaded: voice.load(url("/display/voice/manifest.json")).catch(() => voice),
  // What tests and people at a console look at: the calls waiting and the zone's mark.
  get queue() { return announcements.waiting; },
  get playing() { return announcements.playing; },
  get announcedThrough() { return announcements.doneThrough; },
  get lastSeq() { return live.lastSeq; },
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
  const ms = Date.parse(String(at).replace(/(\.\d{3})\d+/, "$1"));
  if (!isNaN(ms)) state.clockOffsetMs = ms - Date.now();
  tick();
}
setInterval(tick, 1000);
tick();

// --- rendering ------------------------------------------------------------------------
const RANK = { open: 0, break: 1 };

// A tile: the counter's number large (what the voice says), its agency, and the ticket
// it serves, or "Istirahat" while on a break. The agency's full name first; shortNames
// puts the site's short name where the full one does not fit.
function counterTile(c) {
  const tile = el("div", "counter " + c.state);
  tile.dataset.counter = c.code;
  tile.setAttribute("aria-label", c.name + ", " + (c.state in TEXT.id ? t(c.state) : c.state));
  const owner = state.waiting.find((w) => w.agency === c.agency);
  const name = el("div", "agency",
    owner ? owner.full_name || owner.name : (c.priority_only ? t("priority") : c.name));
  if (owner) name.dataset.short = owner.name;
  tile.append(el("div", "no", String(c.number)), name);
  tile.append(el("div", "serving",
    c.state === "break" ? t("break") : (c.ticket ? c.ticket.number : "—")));
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
// Measured once the tiles are placed: every read first, then the writes (one layout, not one
// per tile).
function shortNames(box) {
  const cut = [...box.querySelectorAll(".agency[data-short]")]
    .filter((name) => name.scrollHeight > name.clientHeight + 1);
  for (const name of cut) name.textContent = name.dataset.short;
}
const counterPager = new Pager($("counters"), $("counters-page"), counterTile,
  () => fits($("counters")), shortNames);
const waitingPager = new Pager($("waiting"), $("waiting-page"), waitingRow,
  () => fits($("waiting")));
state.pagers = { counters: counterPager, waiting: waitingPager };

// Open counters first, then those on a break; closed ones are only counted, so a lobby
// with 39 counters pages through the ones a visitor can walk to.
function renderCounters() {
  const shown = state.counters.filter((c) => c.state in RANK)
    .sort((a, b) => RANK[a.state] - RANK[b.state] || a.number - b.number);
  const closed = state.counters.length - shown.length;
  counterPager.set(shown);
  $("counters-note").textContent = !shown.length ? t("none_open") :
    closed ? t("others_closed", { n: closed }) : "";
}
function renderWaiting() { waitingPager.set(state.waiting); }
setInterval(() => { counterPager.next(); waitingPager.next(); }, PAGE_MS);
// A box changes size with the window, and also when the page's layout settles (a web font
// arriving, the header wrapping): a page drawn before that held the wrong number of items.
for (const pager of [counterPager, waitingPager]) {
  new ResizeObserver(() => pager.draw()).observe(pager.box);
}

function callCard(call, box) {
  box.classList.toggle("recall", !!call.recall);
  box.querySelector(".recall-mark").hidden = !call.recall;
}
function smallCall(call) {
  const card = el("div", "call small-call" + (call.recall ? " recall" : ""));
  const mark = el("div", "recall-mark", t("recall"));
  mark.hidden = !call.recall;
  card.append(mark, el("div", "num", call.number),
    el("div", "to", t("to", { c: call.counter_name || "" })));
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
  $("recent").replaceChildren(...state.recent.slice(BIG, RECENT).map((call) => {
    const li = el("li", call.recall ? "recall" : "");
    li.append(el("span", "num", call.number));
    if (call.recall) li.append(el("span", "tag", TEXT.id.recall_short));
    li.append(el("span", "to", call.counter_name || ""));
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
      .map((call) => ({ ...call, recall: (call.recall_count || 0) > 0 }));
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
  get("/display/status").then(applyStatus).catch(() => {});
}
checkStatus();
setInterval(checkStatus, 30000);

// --- events ---------------------------------------------------------------------------
function counterOf(code) { return state.counters.find((c) => c.code === code); }
function waitingOf(code) { return state.waiting.find((w) => w.agency === code); }
let refreshTimer = null;
function refreshSoon() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => live.send({ type: "refresh" }), 800);
}

function onEvent(m) {
  const ticket = m.ticket;
  switch (m.type) {
    case "ticket.issued": {
      const w = ticket && waitingOf(ticket.agency);
      if (w) { w.waiting += 1; renderWaiting(); }
      break;
    }
    case "ticket.called":
    case "ticket.recalled": {
      if (m.type === "ticket.called") {
        const w = waitingOf(ticket.agency);
        if (w && w.waiting > 0) { w.waiting -= 1; renderWaiting(); }
      }
      const c = counterOf(m.counter);
      if (c) { c.ticket = ticket; c.state = "open"; renderCounters(); }
      const call = { ...ticket, recall: m.type === "ticket.recalled" };
      state.recent = [call, ...state.recent.filter((r) => r.id !== ticket.id)].slice(0, RECENT);
      renderRecent();
      flash();
      if (m.announcement) offer(m);
      break;
    }
    case "ticket.started": {
      const c = counterOf(m.counter);
      if (c) { c.ticket = ticket; renderCounters(); }
      break;
    }
    case "ticket.finished": case "ticket.no_show": case "ticket.transferred":
    case "ticket.returned": {
      const c = counterOf(m.counter);
      if (c && c.ticket && ticket && c.ticket.id === ticket.id) { c.ticket = null; renderCounters(); }
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
  get("/api/v1/services")
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
  announcements.offer({ seq: m.seq, number: m.ticket.number, counter: m.counter_name,
    clips: m.announcement.clips, phrases: m.announcement.phrases || [m.announcement.clips],
    text: m.announcement.text, recall: m.announcement.recall });
  pump();
}

const claims = new Map();
function claim(seq) {
  return new Promise((resolve) => {
    if (!live.send({ type: "announce", zone: zone, seq: seq })) { resolve(null); return; }
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
    while (state.soundOn && state.connected) {
      const next = announcements.next();
      if (!next) break;
      const granted = await claim(next.seq);
      if (granted === null) { announcements.putBack(); break; }  // offline: try later
      // Granted here, or another screen in this zone said it: either way it is done.
      if (granted) {
        await say(next);
        state.played.push(next.seq);
      }
      announcements.played(next.seq);
    }
  } finally {
    pumping = false;
  }
}

function soundIsOn() {
  state.soundOn = true;
  $("sound").classList.add("on");
  $("sound-text").textContent = t("sound_on");
  live.send({ type: "health", client_id: clientId, kind: "display", zone: zone,
              last_seq: live.lastSeq });
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
function setOnline(online) {
  state.connected = online;
  $("offline").hidden = online;
  if (online) pump();
}
// The socket's handlers: what the server says about this zone.
function topicsPath() {
  let path = "/ws?topics=" + encodeURIComponent(agency ? "agency:" + agency : "display") +
    "&zone=" + encodeURIComponent(zone);
  if (agency) path += "&agency=" + encodeURIComponent(agency);
  return path;
}
function hello() {
  live.send({ type: "hello", client_id: clientId, kind: "display", zone: zone });
}
function onSnapshot(m) {
  if (m.since_reset) announcements.reset();
  syncClock(m.at);
  checkStatus();
  if (m.display) {
    announcements.resume(m.display.announced_through || 0);
    applyDisplay(m.display, true);
  }
  setOnline(true);
}
function onMessage(m) {
  if (m.type === "heartbeat") { syncClock(m.at); return; }
  if (m.type === "state") { if (m.display) applyDisplay(m.display, false); return; }
  if (m.type === "announce.claim") {
    const resolve = claims.get(m.seq);
    if (resolve) { claims.delete(m.seq); resolve(m.granted); }
    return;
  }
  if (m.type === "error") console.warn("loket:", m.error);
}
function onClose(e) {
  setOnline(false);
  state.reconnects += 1;
  $("offline-detail").textContent = e.code === 1013 ? t("catching_up") : "";
  for (const resolve of claims.values()) resolve(null);
  claims.clear();
}
setInterval(() => live.send({ type: "health", client_id: clientId, kind: "display", zone: zone,
                              last_seq: live.lastSeq }), 30000);
live.start();
