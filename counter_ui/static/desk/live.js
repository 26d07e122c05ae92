// Live updates: the shared live socket (resuming from the last seq), polling until it answers.
import { LiveSocket } from "../../common/live.js";
import { takeBreak } from "./breaks.js";
import { loadCurrent, setTicket } from "./current.js";
import { loadQueues, renderQueues } from "./queues.js";
import { setOffline } from "./server.js";
import { POLL_MS, counterInfo, learnServerTime, state } from "./state.js";

let socket = null;

export function startLive() {
  stopLive();
  state.pollTimer = setInterval(() => {
    if (!socket || !socket.open) { refresh(); return; }
    renderQueues();
  }, POLL_MS);
  socket = new LiveSocket({
    path: function () { return "/ws?topics=" + encodeURIComponent(topics()); },
    since: state.lastSeq,
    onOpen: function () {
      setOffline(false);
      document.body.dataset.live = "ws";
    },
    onSnapshot: function (event) {
      if (event.counters && event.counters[state.counter]) {
        applySnapshot(event.counters[state.counter]);
        return;
      }
      refreshSoon();
    },
    onEvent: refreshSoon,
    onMessage: function (event) { if (event.type === "state") { refreshSoon(); } },
    onClose: function (event, wasOpen) {
      document.body.dataset.live = "poll";
      // A drop after a working connection is worth checking at once; a server without /ws
      // simply keeps the polling.
      if (wasOpen) { refresh(); }
    }
  });
  if (state.user) { socket.start(); }
}

export function stopLive() {
  clearInterval(state.pollTimer);
  state.pollTimer = null;
  if (socket) {
    state.lastSeq = socket.lastSeq;  // a later sign-in resumes from here
    socket.stop();
    socket = null;
  }
}

export function topics() {
  const list = ["counter:" + state.counter];
  const info = counterInfo(state.counter);
  (info ? info.services : []).forEach((s) => { if (s !== "*") { list.push("service:" + s); } });
  return list.join(",");
}

export function refresh() {
  if (!state.user) { return Promise.resolve(); }
  return Promise.all([loadCurrent(), loadQueues()]).catch(() => {});
}

export function refreshSoon() {
  clearTimeout(state.refreshTimer);
  state.refreshTimer = setTimeout(refresh, 100);
}

export function applySnapshot(mine) {
  if (state.busy) { refreshSoon(); return; }
  if (mine.queues) {
    learnServerTime(mine.at);
    state.queues = mine;
    state.queuesAt = Date.now();
  }
  if (mine.state) {
    takeBreak(mine["break"]);
    state.counterState = mine.state;
    state.counterSince = mine.since;
  }
  setTicket(mine.ticket || null);
}
