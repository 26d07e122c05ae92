// Live tab: the server renders the panel (/supervisor/live); we swap it in when something
// changes. Events arrive over the shared live socket (topic supervisor, resuming from the
// last seq seen); while it is unavailable we refresh every 5 seconds.
import { url } from "../common/api.js";
import { pageLang, translator } from "../common/i18n.js";
import { LiveSocket } from "../common/live.js";

const TEXT = {
  id: { ws: "Langsung (WebSocket)", poll: "Diperbarui tiap 5 detik", off: "Terputus, mencoba lagi…" },
  en: { ws: "Live (WebSocket)", poll: "Refreshed every 5 seconds", off: "Disconnected, retrying…" },
};
const POLL_MS = 5000;

const panel = document.getElementById("live");
const dot = document.getElementById("live-state");
const label = document.getElementById("live-label");
const lang = pageLang();
const t = translator(TEXT, lang);
let pollTimer = null;
let refreshing = false;
let again = false;

// The one live connection; it starts at the end, once polling is set up.
const live = new LiveSocket({
  path: () => "/ws?topics=supervisor",
  since: Number(panel.dataset.seq || 0),
  onOpen: () => { stopPolling(); show("ws"); },
  // Anything the server says (an event, a snapshot, a heartbeat) is a cue to redraw.
  onSnapshot: refresh,
  onEvent: refresh,
  onMessage: refresh,
  onClose: (event, wasOpen) => {
    if (wasOpen) show("off");
    // Without a WebSocket (not deployed yet, or a proxy blocks it) the 5 s refresh carries on.
    startPolling();
    if (dot.dataset.state !== "off") show("poll");
  },
});

function show(state) {
  dot.dataset.state = state;
  label.textContent = t(state === "ws" ? "ws" : state === "off" ? "off" : "poll");
}

async function refresh() {
  if (refreshing) { again = true; return; }
  refreshing = true;
  try {
    const answer = await fetch(url("/supervisor/live" + (lang === "en" ? "?lang=en" : "")),
                               { credentials: "same-origin", cache: "no-store" });
    if (answer.status === 401 || answer.status === 403) { location.reload(); return; }
    if (answer.ok) {
      panel.innerHTML = await answer.text();
      const marker = panel.querySelector("[data-seq]");
      if (marker) live.advance(Number(marker.dataset.seq || 0));
    }
  } catch { /* keep the last picture; the next round tries again */ }
  refreshing = false;
  if (again) { again = false; setTimeout(refresh, 250); }
}

function startPolling() {
  if (pollTimer === null) pollTimer = setInterval(refresh, POLL_MS);
}
function stopPolling() {
  if (pollTimer !== null) { clearInterval(pollTimer); pollTimer = null; }
}

show("poll");
startPolling();
live.start();
