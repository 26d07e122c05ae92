// Keeps the ticket page current: a WebSocket on ticket:ID (snapshot, then events) and,
// because phones drop sockets, a plain poll of the ticket every 10 s as well.
(function () {
  "use strict";
  var main = document.getElementById("ticket");
  if (!main) return;
  var id = main.dataset.id;
  var seq = parseInt(main.dataset.seq, 10) || 0;
  var strings = JSON.parse(main.dataset.strings);
  var en = strings.en;
  var FINAL = { done: 1, cancelled: 1, expired: 1 };
  var status = null, socket = null, reconnects = 0, pollTimer = null, fetching = false;

  function word(key) { return strings.words[key][en ? 1 : 0]; }
  function byId(x) { return document.getElementById(x); }

  function render(ticket) {
    if (!ticket || ticket.id !== id) return;
    status = ticket.status;
    var label = strings.status[ticket.status];
    byId("status").textContent = label ? label[en ? 1 : 0] : ticket.status;
    byId("status-box").className = "status status-" + ticket.status;
    var atCounter = (ticket.status === "called" || ticket.status === "serving") && ticket.counter_name;
    byId("counter").hidden = !atCounter;
    if (atCounter) byId("counter-name").textContent = ticket.counter_name;
    var waiting = ticket.status === "waiting";
    byId("facts").hidden = !waiting;
    if (waiting) {
      if (ticket.ahead !== null && ticket.ahead !== undefined) {
        byId("ahead").textContent = ticket.ahead + " " + word("people");
      }
      var s = ticket.estimated_wait_s;
      if (s !== null && s !== undefined) {
        byId("wait").textContent = s < 60 ? word("under") : "\u00b1 " + Math.ceil(s / 60) + " " + word("minutes");
      }
    }
    byId("after").hidden = ticket.status !== "done";
    if (ticket.status === "called" && navigator.vibrate) { try { navigator.vibrate([300, 150, 300]); } catch (e) { /* optional */ } }
  }

  function refresh() {
    if (fetching) return;
    fetching = true;
    fetch("/api/v1/tickets/" + encodeURIComponent(id), { cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) { if (body) render(body.ticket); })
      .catch(function () { /* the next poll tries again */ })
      .then(function () { fetching = false; });
  }

  function poll() {
    clearTimeout(pollTimer);
    if (status && FINAL[status]) return;
    if (!document.hidden) refresh();
    pollTimer = setTimeout(poll, 10000);
  }

  function connect() {
    if (!window.WebSocket || reconnects > 30 || (status && FINAL[status])) return;
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    try {
      socket = new WebSocket(scheme + location.host + "/ws?topics=" +
        encodeURIComponent("ticket:" + id) + "&since=" + seq);
    } catch (e) { return; }
    socket.onopen = function () { reconnects = 0; };
    socket.onmessage = function (message) {
      var event;
      try { event = JSON.parse(message.data); } catch (e) { return; }
      if (typeof event.seq === "number" && event.seq > seq) seq = event.seq;
      if (event.ticket && event.ticket.id === id) render(event.ticket);
      // Events carry the ticket without the people ahead: ask for the whole view.
      refresh();
    };
    socket.onclose = function () {
      socket = null;
      reconnects += 1;
      setTimeout(connect, Math.min(30000, 1000 * Math.pow(2, Math.min(reconnects, 5))));
    };
  }

  document.addEventListener("visibilitychange", function () { if (!document.hidden) poll(); });
  status = (byId("status-box").className.match(/status-(\w+)/) || [])[1] || null;
  pollTimer = setTimeout(poll, 10000);
  connect();
})();
