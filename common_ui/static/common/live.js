// One live connection to /ws for every screen: snapshot on connect, replay from the last
// event seen (since=<seq>), then live events. It reconnects on its own with one backoff
// policy, and drops a link that has gone silent (the server sends a heartbeat every 15 s,
// so a minute of nothing is a pulled cable that TCP has not noticed yet).
import { wsUrl } from "./api.js";

export const BACKOFF_FIRST_MS = 500;
export const BACKOFF_CAP_MS = 15000;
export const SILENCE_MS = 45000;
const WATCH_MS = 5000;

// The wait before reconnect attempt `failures` (1, 2, …): doubling from half a second,
// capped at 15 s, each spread by ±25 % so a hundred screens cut off together by a restart
// do not all come back in the same instant.
export function backoffDelay(failures, random) {
  const draw = random || Math.random;
  const exact = Math.min(BACKOFF_CAP_MS, BACKOFF_FIRST_MS * 2 ** Math.max(0, failures - 1));
  return exact * (0.75 + draw() * 0.5);
}

// Messages about the connection itself, not events of the site.
const CONTROL = new Set(["snapshot", "heartbeat", "pong", "error", "state", "announce.claim"]);

export class LiveSocket {
  // options: path() → "/ws?topics=…" (asked again at each connect, so topics may change);
  // since: the seq the page already reflects (e.g. rendered by the server), or null;
  // onOpen(), onSnapshot(m), onEvent(m) (new site events only, each once, in seq order),
  // onMessage(m) (control messages: heartbeat, state, announce.claim, error, pong),
  // onClose(closeEvent, wasOpen).
  constructor(options) {
    this.options = options;
    this.lastSeq = options.since === undefined ? null : options.since;
    this.socket = null;
    this.open = false;
    this.failures = 0;
    this.stopped = true;
    this.retryTimer = null;
    this.watchTimer = null;
    this.lastMessageAt = 0;
  }

  start() {
    this.stopped = false;
    clearInterval(this.watchTimer);
    this.watchTimer = setInterval(() => this.watch(), WATCH_MS);
    this.connect();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.watchTimer);
    this.watchTimer = null;
    this.drop();
  }

  // Connect again now with fresh topics (the page follows something else).
  restart() {
    this.drop();
    if (!this.stopped) this.connect();
  }

  // Try at once if the link is down (a phone back from the pocket, the network back).
  wake() {
    if (!this.stopped && !this.socket) this.connect();
  }

  // A seq learned another way (a page refreshed over HTTP): resume from there.
  advance(seq) {
    if (typeof seq === "number" && (this.lastSeq === null || seq > this.lastSeq)) {
      this.lastSeq = seq;
    }
  }

  send(message) {
    if (!this.socket || !this.open) return false;
    this.socket.send(JSON.stringify(message));
    return true;
  }

  connect() {
    clearTimeout(this.retryTimer);
    // No WebSocket at all (an old browser, or a proxy that lets none through): the screen's
    // own polling carries on, and there is nothing to retry.
    if (this.stopped || !window.WebSocket) return;
    let path = this.options.path();
    if (this.lastSeq !== null) path += (path.indexOf("?") < 0 ? "?" : "&") + "since=" + this.lastSeq;
    let ws;
    try {
      ws = new window.WebSocket(wsUrl(path));
    } catch {
      this.retry();
      return;
    }
    this.socket = ws;
    ws.onopen = () => {
      this.open = true;
      this.lastMessageAt = Date.now();
      if (this.options.onOpen) this.options.onOpen();
    };
    ws.onmessage = (message) => {
      this.lastMessageAt = Date.now();
      this.failures = 0;  // the server talks to us: the next drop starts the backoff afresh
      let m;
      try { m = JSON.parse(message.data); } catch { return; }
      this.receive(m);
    };
    ws.onclose = (event) => {
      if (this.socket !== ws) return;
      const wasOpen = this.open;
      this.socket = null;
      this.open = false;
      if (this.options.onClose) this.options.onClose(event, wasOpen);
      this.retry();
    };
  }

  receive(m) {
    if (m.type === "snapshot") {
      // Without a seq of our own (or told the server's history was replaced), the snapshot
      // is where we stand; otherwise the replay that follows it brings us up to date.
      if ((this.lastSeq === null || m.since_reset) && typeof m.seq === "number") {
        this.lastSeq = m.seq;
      }
      if (this.options.onSnapshot) this.options.onSnapshot(m);
      return;
    }
    if (CONTROL.has(m.type) || typeof m.seq !== "number") {
      if (this.options.onMessage) this.options.onMessage(m);
      return;
    }
    if (this.lastSeq !== null && m.seq <= this.lastSeq) return;  // already seen
    this.lastSeq = m.seq;
    if (this.options.onEvent) this.options.onEvent(m);
  }

  retry() {
    if (this.stopped) return;
    this.failures += 1;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.connect(), backoffDelay(this.failures));
  }

  watch() {
    if (this.socket && this.open && Date.now() - this.lastMessageAt > SILENCE_MS) {
      this.socket.close();
    }
  }

  drop() {
    const old = this.socket;
    this.socket = null;
    this.open = false;
    if (!old) return;
    old.onclose = null;
    try { old.close(); } catch { /* already closed */ }
  }
}
