// Keeps the visitor's ticket page current. A WebSocket on ticket:ID and service:CODE brings
// changes at once; phones drop sockets, so it reconnects with back-off (and when a silent
// socket misses the server's heartbeat), and a poll of the ticket runs as well: often while
// the socket is down, rarely while it is up. Answers of the poll that started before a newer
// event are dropped, so an old "Sedang dilayani" never overwrites "Selesai".
(function () {
  "use strict";
  var main = document.getElementById("ticket");
  if (!main) return;
  var id = main.dataset.id;
  var service = main.dataset.service;
  var seq = parseInt(main.dataset.seq, 10) || 0;
  var strings = JSON.parse(main.dataset.strings);
  var en = strings.en;
  var FINAL = { done: 1, cancelled: 1, expired: 1 };
  var POLL_DOWN_MS = 5000;      // no live socket: ask the server this often
  var POLL_UP_MS = 30000;       // live socket: a safety net only
  var SILENCE_MS = 45000;       // the server sends a heartbeat every 15 s
  var SERVICE_DEBOUNCE_MS = 800;
  var status = main.dataset.status || null;
  var socket = null, live = false, failures = 0, lastMessage = 0;
  var pollTimer = null, retryTimer = null, serviceTimer = null;
  var fetching = false, again = false, generation = 0;

  function word(key) { return strings.words[key][en ? 1 : 0]; }
  function byId(x) { return document.getElementById(x); }
  function finished() { return !!(status && FINAL[status]); }

  function waitText(seconds, ahead) {
    if (!ahead) return word("next");
    return "\u00b1 " + Math.max(1, Math.ceil(seconds / 60)) + " " + word("minutes");
  }

  function render(ticket) {
    if (!ticket || ticket.id !== id) return;
    var moved = ticket.service && ticket.service !== service;
    status = ticket.status;
    main.dataset.status = status;
    var label = strings.status[ticket.status];
    byId("status").textContent = label ? label[en ? 1 : 0] : ticket.status;
    byId("status-box").className = "status status-" + ticket.status;
    var atCounter = (ticket.status === "called" || ticket.status === "serving") && ticket.counter_name;
    byId("counter").hidden = !atCounter;
    if (atCounter) byId("counter-name").textContent = ticket.counter_name;
    var waiting = ticket.status === "waiting";
    byId("facts").hidden = !waiting;
    // Once called, asking to be told when it is your turn comes too late.
    if (byId("whatsapp")) byId("whatsapp").hidden = !waiting;
    if (waiting) {
      if (ticket.ahead !== null && ticket.ahead !== undefined) {
        byId("ahead").textContent = ticket.ahead + " " + word("people");
        var s = ticket.estimated_wait_s;
        if (s !== null && s !== undefined) byId("wait").textContent = waitText(s, ticket.ahead);
      }
      if (ticket.now_serving !== undefined) {
        byId("serving-now").textContent = ticket.now_serving ? ticket.now_serving.number : "\u2013";
      }
    }
    if (ticket.service_name) {
      byId("service-name").textContent = (en && ticket.service_name_en) || ticket.service_name;
    }
    byId("after").hidden = ticket.status !== "done";
    byId("note").textContent = finished() ? "" : word("live");
    if (ticket.status === "called" && navigator.vibrate) { try { navigator.vibrate([300, 150, 300]); } catch (e) { /* optional */ } }
    if (moved) {
      // Transferred: follow the new service's queue from now on.
      service = ticket.service;
      main.dataset.service = service;
      reconnect();
    }
    if (finished()) stop();
  }

  function refresh() {
    if (fetching) { again = true; return; }
    fetching = true;
    main.dataset.busy = "1";
    again = false;
    var started = generation;
    fetch("/api/v1/tickets/" + encodeURIComponent(id), { cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) {
        // An event that arrived meanwhile is newer than this answer: ask again instead.
        if (started !== generation) { again = true; return; }
        byId("offline").hidden = true;
        if (body) render(body.ticket);
      })
      .catch(function () {
        // Neither the socket nor the server answers: say so; the next poll tries again.
        if (!live && !finished()) byId("offline").hidden = false;
      })
      .then(function () {
        fetching = false;
        delete main.dataset.busy;
        if (again && !finished()) refresh();
      });
  }

  function schedulePoll() {
    clearTimeout(pollTimer);
    if (finished()) return;
    pollTimer = setTimeout(function () {
      if (!document.hidden) refresh();
      if (live && Date.now() - lastMessage > SILENCE_MS && socket) socket.close();
      schedulePoll();
    }, live ? POLL_UP_MS : POLL_DOWN_MS);
  }

  function setLive(on) {
    live = on;
    document.body.dataset.live = on ? "ws" : "poll";
    if (on) byId("offline").hidden = true;
    schedulePoll();
  }

  function onEvent(event) {
    if (event.type === "heartbeat" || event.type === "pong" || event.type === "error") return;
    generation += 1;
    if (event.type === "snapshot") {
      if (event.since_reset) seq = 0;
      var mine = event.tickets && event.tickets[id];
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
        byId("serving-now").textContent = event.ticket.number;
      }
    }
    // A newcomer without priority queues behind everyone: nothing changes for this page.
    if (event.type === "ticket.issued" && !(event.ticket && event.ticket.priority)) return;
    // Someone else's ticket at this service moved: the people ahead may have changed. Many
    // phones follow one service, so they ask once after a short quiet spell, not per event.
    clearTimeout(serviceTimer);
    serviceTimer = setTimeout(refresh, SERVICE_DEBOUNCE_MS + Math.random() * 700);
  }

  function connect() {
    clearTimeout(retryTimer);
    if (!window.WebSocket || finished()) return;
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var topics = "ticket:" + id + (service ? ",service:" + service : "");
    var ws;
    try {
      ws = new WebSocket(scheme + location.host + "/ws?topics=" + encodeURIComponent(topics) +
        "&since=" + seq);
    } catch (e) { retry(); return; }
    socket = ws;
    ws.onopen = function () { failures = 0; lastMessage = Date.now(); setLive(true); };
    ws.onmessage = function (message) {
      lastMessage = Date.now();
      var event;
      try { event = JSON.parse(message.data); } catch (e) { return; }
      if (typeof event.seq === "number" && event.seq > seq) seq = event.seq;
      onEvent(event);
    };
    ws.onclose = function () {
      if (socket !== ws) return;
      socket = null;
      var wasLive = live;
      setLive(false);
      if (wasLive) refresh();  // what happened while the link was down
      retry();
    };
  }

  function retry() {
    if (finished()) return;
    failures += 1;
    var delay = Math.min(30000, 1000 * Math.pow(2, Math.min(failures, 5)));
    retryTimer = setTimeout(connect, delay * (0.75 + Math.random() * 0.5));
  }

  function reconnect() {
    if (socket) {
      var old = socket;
      socket = null;
      old.onclose = null;
      try { old.close(); } catch (e) { /* already closed */ }
    }
    setLive(false);
    connect();
  }

  function stop() {
    clearTimeout(pollTimer);
    clearTimeout(retryTimer);
    clearTimeout(serviceTimer);
    byId("offline").hidden = true;
    if (socket) {
      var old = socket;
      socket = null;
      old.onclose = null;
      try { old.close(); } catch (e) { /* already closed */ }
    }
  }

  document.addEventListener("visibilitychange", function () {
    if (document.hidden || finished()) return;
    // A phone coming back from the pocket: check at once and revive the socket if it died.
    refresh();
    if (!socket) connect();
  });
  window.addEventListener("online", function () { if (!finished()) { refresh(); if (!socket) connect(); } });
  document.body.dataset.live = "poll";
  if (!finished()) {
    schedulePoll();
    connect();
  }
})();
