// Keeps the visitor's ticket page current. The shared live socket on ticket:ID and
// service:CODE brings changes at once (and reconnects on its own); phones drop sockets, so a
// poll of the ticket runs as well: often while the socket is down, rarely while it is up.
// Answers of the poll that started before a newer event are dropped, so an old "Sedang
// dilayani" never overwrites "Selesai".
import { get } from "../common/api.js";
import { $ } from "../common/dom.js";
import { translator } from "../common/i18n.js";
import { LiveSocket } from "../common/live.js";

// The page always has its <main id="ticket">: this script is loaded by ticket.html only.
const main = $("ticket");
const id = main.dataset.id;
let service = main.dataset.service;
// The page's words come with the page (the server drew it in them first): pairs
// [Indonesian, English] by key, statuses as "st_<status>".
const strings = JSON.parse(main.dataset.strings);
const TABLE = { id: {}, en: {} };
Object.keys(strings.words).forEach((k) => {
  TABLE.id[k] = strings.words[k][0]; TABLE.en[k] = strings.words[k][1];
});
Object.keys(strings.status).forEach((k) => {
  TABLE.id["st_" + k] = strings.status[k][0]; TABLE.en["st_" + k] = strings.status[k][1];
});
const en = strings.en;
const word = translator(TABLE, en ? "en" : "id");
const FINAL = { done: 1, cancelled: 1, expired: 1 };
const POLL_DOWN_MS = 5000;      // no live socket: ask the server this often
const POLL_UP_MS = 30000;       // live socket: a safety net only
const SERVICE_DEBOUNCE_MS = 800;
let status = main.dataset.status || null;
let live = false;
let pollTimer = null;
let serviceTimer = null;
let fetching = false;
let again = false;
let generation = 0;

// The one live connection; started at the end, once the page knows it still has to follow.
const socket = new LiveSocket({
  path: () => "/ws?topics=" + encodeURIComponent("ticket:" + id + (service ? ",service:" + service : "")),
  since: parseInt(main.dataset.seq, 10) || 0,
  onOpen: () => setLive(true),
  onSnapshot: onEvent,
  onEvent: onEvent,
  onClose: (event, wasOpen) => {
    setLive(false);
    if (wasOpen) refresh();  // what happened while the link was down
  },
});

function finished() { return !!(status && FINAL[status]); }

function waitText(seconds, ahead) {
  if (!ahead) return word("next");
  return "\u00b1 " + Math.max(1, Math.ceil(seconds / 60)) + " " + word("minutes");
}

function render(ticket) {
  if (!ticket || ticket.id !== id) return;
  const moved = ticket.service && ticket.service !== service;
  status = ticket.status;
  main.dataset.status = status;
  const label = strings.status[ticket.status];
  $("status").textContent = label ? word("st_" + ticket.status) : ticket.status;
  $("status-box").className = "status status-" + ticket.status;
  const atCounter = (ticket.status === "called" || ticket.status === "serving") && ticket.counter_name;
  $("counter").hidden = !atCounter;
  if (atCounter) $("counter-name").textContent = ticket.counter_name;
  const waiting = ticket.status === "waiting";
  $("facts").hidden = !waiting;
  // Once called, asking to be told when it is your turn comes too late.
  if ($("whatsapp")) $("whatsapp").hidden = !waiting;
  if (waiting) {
    if (ticket.ahead !== null && ticket.ahead !== undefined) {
      $("ahead").textContent = ticket.ahead + " " + word("people");
      const s = ticket.estimated_wait_s;
      if (s !== null && s !== undefined) $("wait").textContent = waitText(s, ticket.ahead);
    }
    if (ticket.now_serving !== undefined) {
      $("serving-now").textContent = ticket.now_serving ? ticket.now_serving.number : "\u2013";
    }
  }
  if (ticket.service_name) {
    $("service-name").textContent = (en && ticket.service_name_en) || ticket.service_name;
  }
  $("after").hidden = ticket.status !== "done";
  $("note").textContent = finished() ? "" : word("live");
  if (ticket.status === "called" && navigator.vibrate) { try { navigator.vibrate([300, 150, 300]); } catch { /* optional */ } }
  if (moved) {
    // Transferred: follow the new service's queue from now on.
    service = ticket.service;
    main.dataset.service = service;
    setLive(false);
    socket.restart();
  }
  if (finished()) stop();
}

function refresh() {
  if (fetching) { again = true; return; }
  fetching = true;
  main.dataset.busy = "1";
  again = false;
  const started = generation;
  get("/api/v1/tickets/" + encodeURIComponent(id), { cache: "no-store", lang: en ? "en" : "id" })
    .catch((error) => { if (error.status) return null; throw error; })
    .then((body) => {
      // An event that arrived meanwhile is newer than this answer: ask again instead.
      if (started !== generation) { again = true; return; }
      $("offline").hidden = true;
      if (body) render(body.ticket);
    })
    .catch(() => {
      // Neither the socket nor the server answers: say so; the next poll tries again.
      if (!live && !finished()) $("offline").hidden = false;
    })
    .then(() => {
      fetching = false;
      delete main.dataset.busy;
      if (again && !finished()) refresh();
    });
}

function schedulePoll() {
  clearTimeout(pollTimer);
  if (finished()) return;
  pollTimer = setTimeout(() => {
    if (!document.hidden) refresh();
    schedulePoll();
  }, live ? POLL_UP_MS : POLL_DOWN_MS);
}

function setLive(on) {
  live = on;
  document.body.dataset.live = on ? "ws" : "poll";
  if (on) $("offline").hidden = true;
  schedulePoll();
}

function onEvent(event) {
  generation += 1;
  if (event.type === "snapshot") {
    const mine = event.tickets && event.tickets[id];
    if (mine) render(mine);
    return;
  }
  if (event.ticket && event.ticket.id === id) {
    render(event.ticket);
    if (finished()) return;
    refresh();  // events carry the ticket without the people ahead
    return;
  }
  if (event.type === "ticket.called" || event.type === "ticket.recalled") {
    if (event.ticket && event.ticket.service === service && status === "waiting") {
      $("serving-now").textContent = event.ticket.number;
    }
  }
  // A newcomer without priority queues behind everyone: nothing changes for this page.
  if (event.type === "ticket.issued" && !(event.ticket && event.ticket.priority)) return;
  // Someone else's ticket at this service moved: the people ahead may have changed. Many
  // phones follow one service, so they ask once after a short quiet spell, not per event.
  clearTimeout(serviceTimer);
  serviceTimer = setTimeout(refresh, SERVICE_DEBOUNCE_MS + Math.random() * 700);
}

function stop() {
  clearTimeout(pollTimer);
  clearTimeout(serviceTimer);
  $("offline").hidden = true;
  socket.stop();
}

document.addEventListener("visibilitychange", () => {
  if (document.hidden || finished()) return;
  // A phone coming back from the pocket: check at once and revive the socket if it died.
  refresh();
  socket.wake();
});
window.addEventListener("online", () => { if (!finished()) { refresh(); socket.wake(); } });
document.body.dataset.live = "poll";
if (!finished()) {
  schedulePoll();
  socket.start();
}
