// Live tab: the server renders the panel (/supervisor/live); we swap it in when something
// changes. Events arrive over /ws?topics=supervisor&since=SEQ (reconnecting with the last
// seq seen); while the WebSocket is unavailable we refresh every 5 seconds.
(function () {
  "use strict";
  const panel = document.getElementById("live");
  const dot = document.getElementById("live-state");
  const label = document.getElementById("live-label");
  const lang = document.documentElement.lang === "en" ? "en" : "id";
  const text = {
    id: {ws: "Langsung (WebSocket)", poll: "Diperbarui tiap 5 detik", off: "Terputus, mencoba lagi…"},
    en: {ws: "Live (WebSocket)", poll: "Refreshed every 5 seconds", off: "Disconnected, retrying…"},
  }[lang];
  const POLL_MS = 5000;
  const MAX_BACKOFF_MS = 30000;
  let seq = Number(panel.dataset.seq || 0);
  let pollTimer = null;
  let refreshing = false;
  let again = false;
  let failures = 0;

  function show(state) {
    dot.dataset.state = state;
    label.textContent = text[state === "ws" ? "ws" : state === "off" ? "off" : "poll"];
  }

  async function refresh() {
    if (refreshing) { again = true; return; }
    refreshing = true;
    try {
      const answer = await fetch("/supervisor/live" + (lang === "en" ? "?lang=en" : ""),
                                 {credentials: "same-origin", cache: "no-store"});
      if (answer.status === 401 || answer.status === 403) { location.reload(); return; }
      if (answer.ok) {
        panel.innerHTML = await answer.text();
        const marker = panel.querySelector("[data-seq]");
        if (marker) seq = Math.max(seq, Number(marker.dataset.seq || 0));
      }
    } catch (e) { /* keep the last picture; the next round tries again */ }
    refreshing = false;
    if (again) { again = false; setTimeout(refresh, 250); }
  }

  function startPolling() {
    if (pollTimer === null) pollTimer = setInterval(refresh, POLL_MS);
  }
  function stopPolling() {
    if (pollTimer !== null) { clearInterval(pollTimer); pollTimer = null; }
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    let socket;
    try {
      socket = new WebSocket(`${scheme}//${location.host}/ws?topics=supervisor&since=${seq}`);
    } catch (e) { retry(); return; }
    let opened = false;
    socket.onopen = () => { opened = true; failures = 0; stopPolling(); show("ws"); };
    socket.onmessage = (message) => {
      let event;
      try { event = JSON.parse(message.data); } catch (e) { return; }
      if (typeof event.seq === "number") seq = Math.max(seq, event.seq);
      refresh();
    };
    socket.onclose = () => {
      if (opened) show("off");
      retry();
    };
  }

  function retry() {
    // Without a WebSocket (not deployed yet, or a proxy blocks it) the 5 s refresh carries on.
    startPolling();
    if (dot.dataset.state !== "off") show("poll");
    failures = Math.min(failures + 1, 10);
    setTimeout(connect, Math.min(MAX_BACKOFF_MS, 1000 * 2 ** failures));
  }

  show("poll");
  startPolling();
  connect();
})();
