// The officer's counter screen: sign in, pick the counter, call and serve tickets.
// Everything goes through the JSON API; writes carry the session's CSRF token.
(function () {
  "use strict";

  var TEXT = {
    id: {
      online: "Terhubung", offline: "Koneksi terputus — mencoba menyambung kembali…",
      sign_out: "Keluar", pick_title: "Pilih loket",
      pick_hint: "Pilihan ini diingat di komputer ini.", signin_title: "Masuk petugas",
      at_counter: "Di loket", change: "ganti", username: "Nama pengguna",
      password: "Kata sandi", sign_in: "Masuk", current_title: "Tiket saat ini",
      no_ticket: "Belum ada tiket. Tekan Panggil berikutnya.",
      on_break_card: "Loket sedang istirahat. Tekan Selesai istirahat untuk membuka lagi.",
      transfers: "Riwayat alih layanan", call: "Panggil berikutnya", recall: "Panggil ulang",
      start: "Mulai layani", finish: "Selesai", no_show: "Tidak hadir",
      "return": "Kembalikan ke antrean", transfer: "Alihkan", "break": "Istirahat",
      resume: "Selesai istirahat", cancel_break: "Batal istirahat", queues: "Antrean loket ini", service: "Layanan",
      waiting: "Menunggu", longest: "Terlama", break_title: "Istirahat",
      break_none: "Tidak sedang istirahat.", plan: "Jadwal rotasi istirahat hari ini",
      transfer_title: "Alihkan ke layanan lain", search: "Cari layanan atau instansi…",
      cancel: "Batal", break_ask: "Istirahat berapa lama?", min: "menit",
      st_called: "Dipanggil", st_serving: "Sedang dilayani",
      issued: "Ambil tiket {t}", waited: "menunggu {d}", recalled: "dipanggil ulang {n}×",
      nobody: "Tidak ada yang menunggu.", total: "{n} menunggu",
      called_msg: "Memanggil {n}.", recalled_msg: "{n} dipanggil ulang.",
      started_msg: "Melayani {n}.", finished_msg: "{n} selesai.",
      no_show_msg: "{n} ditandai tidak hadir.", returned_msg: "{n} dikembalikan ke antrean.",
      transferred_msg: "{n} dialihkan ke {s}.",
      break_granted: "Istirahat disetujui sampai pukul {u}.",
      break_queued: "Menunggu giliran istirahat.",
      break_refused: "Istirahat belum bisa disetujui.", break_on: "Sedang istirahat sejak pukul {t}",
      break_until: " sampai pukul {u}.", resumed: "Istirahat selesai. Loket kembali buka.",
      break_cancelled: "Permintaan istirahat dibatalkan.",
      next_title: "Yang menunggu di loket ini", number: "Nomor", waited_col: "Menunggu",
      action: "Tindakan", call_this: "Panggil",
      call_number_label: "Panggil nomor (pengunjung di depan loket)",
      call_number_placeholder: "mis. A-012", call_row: "Panggil {n}",
      called_number_msg: "Memanggil {n} (di luar urutan).", more: "dan {n} lainnya",
      timer_called: "Dipanggil sejak", timer_serving: "Lama dilayani", break_missing: "Fitur istirahat belum tersedia di server.",
      no_match: "Tidak ada layanan yang cocok.", plan_empty: "Belum ada jadwal rotasi.",
      plan_missing: "Jadwal rotasi belum tersedia.", priority: "Prioritas",
      signed_out_elsewhere: "Sesi Anda berakhir — mungkin akun ini masuk di tempat lain. Silakan masuk kembali.",
      counter_state_closed: "Loket tertutup.", error: "Terjadi kesalahan. Coba lagi.",
      counter_word: "Loket", from_to: "{a} → {b}", hours: "{h} j {m} mnt", minutes: "{m} mnt"
    },
    en: {
      online: "Connected", offline: "Connection lost — trying to reconnect…",
      sign_out: "Sign out", pick_title: "Choose the counter",
      pick_hint: "This choice is remembered on this computer.", signin_title: "Officer sign-in",
      at_counter: "At counter", change: "change", username: "Username",
      password: "Password", sign_in: "Sign in", current_title: "Current ticket",
      no_ticket: "No ticket yet. Press Call next.",
      on_break_card: "The counter is on a break. Press End break to open again.",
      transfers: "Transfer history", call: "Call next", recall: "Recall",
      start: "Start serving", finish: "Finish", no_show: "No-show",
      "return": "Return to queue", transfer: "Transfer", "break": "Break",
      resume: "End break", cancel_break: "Cancel break", queues: "This counter's queues", service: "Service",
      waiting: "Waiting", longest: "Longest", break_title: "Break",
      break_none: "Not on a break.", plan: "Today's break rotation",
      transfer_title: "Transfer to another service", search: "Search service or agency…",
      cancel: "Cancel", break_ask: "How long a break?", min: "min",
      st_called: "Called", st_serving: "Serving",
      issued: "Ticket taken {t}", waited: "waited {d}", recalled: "recalled {n}×",
      nobody: "Nobody is waiting.", total: "{n} waiting",
      called_msg: "Calling {n}.", recalled_msg: "{n} recalled.",
      started_msg: "Serving {n}.", finished_msg: "{n} finished.",
      no_show_msg: "{n} marked as no-show.", returned_msg: "{n} returned to the queue.",
      transferred_msg: "{n} transferred to {s}.",
      break_granted: "Break granted until {u}.",
      break_queued: "Waiting for a break.",
      break_refused: "The break cannot be granted yet.", break_on: "On a break since {t}",
      break_until: " until {u}.", resumed: "Break over. The counter is open again.",
      break_cancelled: "Break request withdrawn.",
      next_title: "Waiting at this counter", number: "Number", waited_col: "Waiting",
      action: "Action", call_this: "Call",
      call_number_label: "Call a number (visitor at the counter)",
      call_number_placeholder: "e.g. A-012", call_row: "Call {n}",
      called_number_msg: "Calling {n} (out of turn).", more: "and {n} more",
      timer_called: "Called", timer_serving: "Serving for", break_missing: "Breaks are not available on the server yet.",
      no_match: "No matching service.", plan_empty: "No rotation plan yet.",
      plan_missing: "The rotation plan is not available yet.", priority: "Priority",
      signed_out_elsewhere: "Your session has ended — this account may have signed in elsewhere. Please sign in again.",
      counter_state_closed: "Counter closed.", error: "Something went wrong. Try again.",
      counter_word: "Counter", from_to: "{a} → {b}", hours: "{h} h {m} min", minutes: "{m} min"
    }
  };

  var POLL_MS = 5000;
  var WS_RETRY_MAX_MS = 10000;
  var WS_SILENCE_MS = 40000;
  var COUNTER_KEY = "loket.counter";
  var LANG_KEY = "loket.lang";

  var state = {
    lang: localStorage.getItem(LANG_KEY) || document.body.dataset.lang || "id",
    counters: [], counter: null, csrf: null, user: null,
    ticket: null, counterState: "closed", counterSince: null,
    queues: null, queuesAt: 0, services: null, busy: false,
    ws: null, wsOpen: false, wsFailures: 0, lastSeq: null, wsTimer: null,
    pollTimer: null, refreshTimer: null, offline: false, breakInfo: null, pending: null, version: 0, wsLastMessage: 0,
    skewMs: 0
  };

  var $ = function (id) { return document.getElementById(id); };

  function t(key, params) {
    var text = (TEXT[state.lang] || TEXT.id)[key] || TEXT.id[key] || key;
    Object.keys(params || {}).forEach(function (k) {
      text = text.split("{" + k + "}").join(String(params[k]));
    });
    return text;
  }

  function applyLanguage() {
    document.documentElement.lang = state.lang;
    document.querySelectorAll("[data-i18n]").forEach(function (el) {
      el.textContent = t(el.dataset.i18n);
    });
    document.querySelectorAll("[data-i18n-placeholder]").forEach(function (el) {
      el.placeholder = t(el.dataset.i18nPlaceholder);
    });
    $("lang-toggle").textContent = state.lang === "id" ? "EN" : "ID";
    // The server answers errors in the language of this cookie.
    document.cookie = "lang=" + state.lang + "; path=/; SameSite=Strict";
    if (state.user) { renderAll(); }
  }

  // --- talking to the server ------------------------------------------------------------

  function ApiError(status, body) {
    var error = (body && body.error) || {};
    this.status = status;
    this.code = error.code || "error";
    this.message = error.message || t("error");
    this.body = body;
  }

  function setOffline(offline) {
    if (state.offline === offline) { return; }
    state.offline = offline;
    $("offline").hidden = !offline;
    updateConn();
  }

  function updateConn() {
    var conn = $("conn");
    conn.hidden = !state.user;
    conn.className = "conn " + (state.offline ? "down" : "up");
    conn.textContent = state.offline ? "Offline" : t("online");
  }

  function api(method, path, body) {
    var headers = { "Accept": "application/json" };
    if (body !== undefined) { headers["Content-Type"] = "application/json"; }
    if (method !== "GET" && state.csrf) { headers["X-CSRF-Token"] = state.csrf; }
    return fetch(path, {
      method: method, headers: headers, credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (response) {
      setOffline(false);
      if (response.status === 204) { return null; }
      return response.json().catch(function () { return null; }).then(function (data) {
        if (!response.ok) {
          var error = new ApiError(response.status, data);
          if (response.status === 401 && path !== "/api/v1/session") { sessionLost(error); }
          throw error;
        }
        return data;
      });
    }, function (networkError) {
      setOffline(true);
      throw networkError;
    });
  }

  // --- screens --------------------------------------------------------------------------

  function show(section) {
    ["pick", "signin", "desk"].forEach(function (id) { $(id).hidden = id !== section; });
    $("who").hidden = section !== "desk";
    $("sign-out").hidden = section !== "desk";
    updateConn();
    if (section === "signin") {
      setTimeout(function () { ($("username").value ? $("password") : $("username")).focus(); }, 0);
    }
  }

  function counterInfo(code) {
    for (var i = 0; i < state.counters.length; i++) {
      if (state.counters[i].code === code) { return state.counters[i]; }
    }
    return null;
  }

  function agencyName(code) {
    var agencies = (state.services && state.services.agencies) || [];
    for (var i = 0; i < agencies.length; i++) {
      if (agencies[i].code === code) { return agencies[i].short_name || agencies[i].name; }
    }
    return code || "";
  }

  function counterLabel(code) {
    var info = counterInfo(code);
    if (!info) { return code || ""; }
    return info.agency ? info.name + " · " + agencyName(info.agency) : info.name;
  }

  function counterName(code) {
    var info = counterInfo(code);
    return info ? info.name : code;
  }

  function priorityName(code) {
    var list = (state.services && state.services.priority_categories) || [];
    for (var i = 0; i < list.length; i++) {
      if (list[i].code === code) { return state.lang === "en" ? list[i].name_en : list[i].name; }
    }
    return code;
  }

  function showPick() {
    var list = $("pick-list");
    list.textContent = "";
    state.counters.forEach(function (c) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "btn pick";
      button.dataset.counter = c.code;
      var name = document.createElement("strong");
      name.textContent = c.name;
      var sub = document.createElement("span");
      sub.textContent = (c.agency ? agencyName(c.agency) + " · " : "") +
        (c.priority_only ? t("priority") + " · " : "") + c.services.join(", ");
      button.appendChild(name);
      button.appendChild(sub);
      button.addEventListener("click", function () {
        localStorage.setItem(COUNTER_KEY, c.code);
        state.counter = c.code;
        showSignIn(null);
      });
      list.appendChild(button);
    });
    show("pick");
  }

  function showSignIn(message) {
    $("signin-counter").textContent = counterLabel(state.counter);
    var box = $("signin-message");
    box.hidden = !message;
    box.textContent = message || "";
    show("signin");
  }

  function sessionLost(error) {
    if (!state.user) { return; }
    stopLive();
    state.user = null;
    state.csrf = null;
    state.ticket = null;
    // An expired session says so itself; an unknown one was most likely ended by a sign-in
    // at another counter.
    showSignIn(error && error.code === "session_expired" ? error.message : t("signed_out_elsewhere"));
  }

  function enterDesk(session) {
    state.user = session.user;
    state.csrf = session.csrf_token;
    state.counter = session.counter;
    localStorage.setItem(COUNTER_KEY, session.counter);
    $("who-counter").textContent = counterLabel(session.counter);
    $("who-user").textContent = session.user.username;
    show("desk");
    renderAll();
    refresh();
    startLive();
  }

  // --- rendering ------------------------------------------------------------------------

  function clock(iso) { return iso ? iso.substring(11, 16).replace(":", ".") : ""; }

  // Times from the server (its clock may differ from this PC's, and in a demo it is set to
  // a working morning), so elapsed times are measured against the server's "now".
  function parseTime(iso) { return iso ? Date.parse(String(iso).replace(/(\.\d{3})\d+/, "$1")) : NaN; }

  function learnServerTime(iso) {
    var at = parseTime(iso);
    if (!isNaN(at)) { state.skewMs = at - Date.now(); }
  }

  function serverNow() { return Date.now() + state.skewMs; }

  function clockFigure(seconds) {
    var s = Math.max(0, Math.floor(seconds));
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    var two = function (n) { return (n < 10 ? "0" : "") + n; };
    return h ? h + ":" + two(m) + ":" + two(r) : m + ":" + two(r);
  }

  function renderTimer() {
    var ticket = state.ticket;
    var box = $("cur-timer-box");
    if (!ticket) { box.hidden = true; return; }
    var serving = ticket.status === "serving" && ticket.started_at;
    var from = parseTime(serving ? ticket.started_at : ticket.called_at);
    box.hidden = isNaN(from);
    if (isNaN(from)) { return; }
    $("cur-timer-label").textContent = t(serving ? "timer_serving" : "timer_called");
    $("cur-timer").textContent = clockFigure((serverNow() - from) / 1000);
    box.className = "timer " + (serving ? "serving" : "called");
  }

  function duration(seconds) {
    var m = Math.max(0, Math.floor(seconds / 60));
    if (m >= 60) { return t("hours", { h: Math.floor(m / 60), m: m % 60 }); }
    return t("minutes", { m: m });
  }

  function serviceName(code) {
    var all = allServices();
    for (var i = 0; i < all.length; i++) {
      if (all[i].code === code) { return state.lang === "en" && all[i].name_en ? all[i].name_en : all[i].name; }
    }
    return code;
  }

  function renderTicket() {
    var ticket = state.ticket;
    $("cur-number").textContent = ticket ? ticket.number : "";
    $("cur-number").hidden = !ticket;
    $("cur-empty").hidden = !!ticket;
    var onBreak = state.counterState === "break";
    $("cur-empty").textContent = onBreak ? t("on_break_card") : t("no_ticket");
    $("cur-empty").className = "empty" + (onBreak ? " resting" : "");
    $("cur-details").hidden = !ticket;
    if (!ticket) { renderTimer(); }
    var status = $("cur-status");
    status.textContent = ticket ? t("st_" + ticket.status) : "";
    status.className = "status " + (ticket ? ticket.status : "");
    if (!ticket) { return; }
    $("cur-service").textContent = (state.lang === "en" && ticket.service_name_en
      ? ticket.service_name_en : ticket.service_name) + " · " + ticket.agency_name;
    var priority = $("cur-priority");
    priority.hidden = !ticket.priority;
    priority.textContent = ticket.priority ? t("priority") + ": " + priorityName(ticket.priority) : "";
    var since = t("issued", { t: clock(ticket.issued_at) });
    if (ticket.called_at) {
      since += " · " + t("waited", {
        d: duration((Date.parse(ticket.called_at) - Date.parse(ticket.issued_at)) / 1000) });
    }
    $("cur-since").textContent = since;
    $("cur-recalls").textContent = ticket.recall_count ? t("recalled", { n: ticket.recall_count }) : "";
    renderTimer();
    var history = ticket.transfers || [];
    $("cur-transfers").hidden = history.length === 0;
    var list = $("cur-transfer-list");
    list.textContent = "";
    history.forEach(function (step) {
      var item = document.createElement("li");
      item.textContent = clock(step.at) + "  " + t("from_to", {
        a: serviceName(step.from), b: serviceName(step.to) }) +
        (step.counter ? " · " + counterName(step.counter) : "");
      list.appendChild(item);
    });
  }

  function renderQueues() {
    var body = $("queue-rows");
    body.textContent = "";
    var data = state.queues;
    if (!data) { return; }
    var elapsed = (Date.now() - state.queuesAt) / 1000;
    data.queues.forEach(function (q) {
      var row = document.createElement("tr");
      row.dataset.service = q.service;
      var name = document.createElement("td");
      name.textContent = (state.lang === "en" && q.name_en ? q.name_en : q.name);
      var count = document.createElement("td");
      count.className = "count";
      count.textContent = String(q.waiting);
      if (q.priority_waiting) {
        var p = document.createElement("span");
        p.className = "badge priority small";
        p.textContent = "P " + q.priority_waiting;
        count.appendChild(p);
      }
      var longest = document.createElement("td");
      longest.textContent = q.waiting ? duration(q.longest_wait_s + elapsed) : "—";
      row.appendChild(name);
      row.appendChild(count);
      row.appendChild(longest);
      body.appendChild(row);
    });
    $("total").textContent = t("total", { n: data.total_waiting });
    $("total").dataset.count = String(data.total_waiting);
    renderNext(elapsed);
  }

  function renderNext(elapsed) {
    var body = $("next-rows");
    body.textContent = "";
    var data = state.queues;
    var list = (data && data.next) || [];
    var blocked = !canCall();
    list.forEach(function (item) {
      var row = document.createElement("tr");
      row.dataset.ticket = item.id;
      row.dataset.number = item.number;
      var number = document.createElement("td");
      number.className = "next-number";
      number.textContent = item.number;
      if (item.priority) {
        var p = document.createElement("span");
        p.className = "badge priority small";
        p.textContent = "P";
        p.title = t("priority") + ": " + priorityName(item.priority);
        number.appendChild(p);
      }
      var service = document.createElement("td");
      service.textContent = state.lang === "en" && item.service_name_en ? item.service_name_en : item.service_name;
      var waited = document.createElement("td");
      waited.textContent = duration(item.waited_s + elapsed);
      var act = document.createElement("td");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "btn row-call";
      button.textContent = t("call_this");
      button.setAttribute("aria-label", t("call_row", { n: item.number }));
      button.disabled = blocked;
      button.addEventListener("click", function () { callNumber(item.number); });
      act.appendChild(button);
      row.appendChild(number);
      row.appendChild(service);
      row.appendChild(waited);
      row.appendChild(act);
      body.appendChild(row);
    });
    if (!list.length) {
      var none = document.createElement("tr");
      var cell = document.createElement("td");
      cell.colSpan = 4;
      cell.className = "none";
      cell.textContent = t("nobody");
      none.appendChild(cell);
      body.appendChild(none);
    }
    var total = data ? data.total_waiting : 0;
    $("next-count").textContent = data ? t("total", { n: total }) : "";
    var more = total - list.length;
    $("next-more").hidden = more <= 0;
    $("next-more").textContent = more > 0 ? t("more", { n: more }) : "";
  }

  function canCall() {
    return !!state.user && !state.ticket && state.counterState === "open" && !state.busy;
  }

  function breakMessage(info) {
    if (!info) { return ""; }
    return (state.lang === "en" ? info.message_en : info.message_id) || info.message || "";
  }

  function renderBreak() {
    var onBreak = state.counterState === "break";
    var info = state.breakInfo;
    var queued = !onBreak && info && info.state === "queued";
    $("break-label").textContent = onBreak ? t("resume") : queued ? t("cancel_break") : t("break");
    $("break-button").classList.toggle("on", onBreak);
    $("break-button").classList.toggle("queued", !!queued);
    var box = $("break-state");
    box.dataset.state = onBreak ? "on" : queued ? "queued" : (info && info.state) || "none";
    if (onBreak) {
      var until = info && info.until;
      box.textContent = t("break_on", { t: clock(state.counterSince) }) +
        (until ? t("break_until", { u: clock(until) }) : ".");
      box.className = "break-state on";
    } else if (queued) {
      box.textContent = breakMessage(info) || t("break_queued");
      box.className = "break-state queued";
    } else if (info && info.state === "refused") {
      box.textContent = breakMessage(info) || t("break_refused");
      box.className = "break-state refused";
    } else {
      box.textContent = state.counterState === "closed" ? t("counter_state_closed") : t("break_none");
      box.className = "break-state";
    }
  }

  // The counter's break as the server knows it (``break`` of /current and the snapshot); a
  // refusal is only ever known to this screen, so it stays until the next request.
  function takeBreak(fromServer) {
    if (fromServer) { state.breakInfo = fromServer; return; }
    if (!state.breakInfo || state.breakInfo.state !== "refused") { state.breakInfo = null; }
  }

  function renderButtons() {
    var ticket = state.ticket;
    var status = ticket ? ticket.status : null;
    var onBreak = state.counterState === "break";
    var allowed = {
      call: !ticket && !onBreak,
      recall: status === "called",
      start: status === "called",
      finish: status === "called" || status === "serving",
      "no-show": status === "called",
      "return": !!ticket,
      transfer: !!ticket,
      "break": !ticket
    };
    document.querySelectorAll("#actions [data-action]").forEach(function (button) {
      button.disabled = state.busy || !allowed[button.dataset.action];
    });
    var blocked = !canCall();
    $("call-number-submit").disabled = blocked;
    document.querySelectorAll("#next-rows button.row-call").forEach(function (button) {
      button.disabled = blocked;
    });
  }

  function renderAll() {
    renderTicket();
    renderQueues();
    renderBreak();
    renderButtons();
  }

  function say(text, kind) {
    var box = $("message");
    box.hidden = !text;
    box.textContent = text || "";
    box.className = "message " + (kind || "");
  }

  // --- data -----------------------------------------------------------------------------

  function loadCurrent() {
    // An answer that started before one of our own actions is older than what the action
    // returned, so it is dropped.
    var version = state.version;
    return api("GET", "/api/v1/counters/" + encodeURIComponent(state.counter) + "/current")
      .then(function (data) {
        if (version !== state.version || state.busy) { return; }
        takeBreak(data["break"]);
        state.counterState = data.state;
        state.counterSince = data.since;
        return setTicket(data.ticket);
      });
  }

  function setTicket(ticket) {
    if (!ticket) { state.ticket = null; renderAll(); return Promise.resolve(); }
    var keep = state.ticket && state.ticket.id === ticket.id ? state.ticket.transfers : null;
    state.ticket = ticket;
    ticket.transfers = keep || [];
    renderAll();
    if (!ticket.transfer_count) { return Promise.resolve(); }
    return api("GET", "/api/v1/tickets/" + encodeURIComponent(ticket.id) + "/transfers")
      .then(function (data) {
        if (state.ticket && state.ticket.id === ticket.id) {
          state.ticket.transfers = data.transfers || [];
          renderTicket();
        }
      }).catch(function () { /* the history is a nicety; the ticket still shows */ });
  }

  function loadQueues() {
    return api("GET", "/api/v1/counters/" + encodeURIComponent(state.counter) + "/queues")
      .then(function (data) {
        learnServerTime(data.at);
        state.queues = data;
        state.queuesAt = Date.now();
        renderQueues();
      });
  }

  function refresh() {
    if (!state.user) { return Promise.resolve(); }
    return Promise.all([loadCurrent(), loadQueues()]).catch(function () {});
  }

  function applySnapshot(mine) {
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

  function refreshSoon() {
    clearTimeout(state.refreshTimer);
    state.refreshTimer = setTimeout(refresh, 100);
  }

  function loadPlan() {
    var body = $("plan-body");
    api("GET", "/api/v1/rotation-plan").then(function (data) {
      body.textContent = "";
      var plan = (data && data.rotation_plan) || {};
      var rows = plan.entries || [];
      if (!rows.length) {
        var why = (plan.problem && plan.problem.reason) || plan.note || t("plan_empty");
        body.textContent = why;
        return;
      }
      var list = document.createElement("ol");
      rows.forEach(function (entry) {
        var item = document.createElement("li");
        item.textContent = clock(entry.start) + "–" + clock(entry.end) + "  " +
          counterLabel(entry.counter);
        if (entry.counter === state.counter) { item.className = "mine"; }
        list.appendChild(item);
      });
      body.appendChild(list);
    }).catch(function (error) {
      body.textContent = error && error.status === 404 ? t("plan_missing") :
        (error && error.message) || t("error");
    });
  }

  // --- live updates: WebSocket with resume, polling until it answers ----------------------

  function topics() {
    var list = ["counter:" + state.counter];
    var info = counterInfo(state.counter);
    (info ? info.services : []).forEach(function (s) { if (s !== "*") { list.push("service:" + s); } });
    return list.join(",");
  }

  function startLive() {
    stopLive();
    state.pollTimer = setInterval(function () {
      if (!state.wsOpen) { refresh(); return; }
      renderQueues();
      // The server sends a heartbeat every 15 s; silence means a dead link that TCP has not
      // noticed yet (a pulled cable), so drop it and reconnect.
      if (Date.now() - state.wsLastMessage > WS_SILENCE_MS && state.ws) { state.ws.close(); }
    }, POLL_MS);
    connectWs();
  }

  function stopLive() {
    clearInterval(state.pollTimer);
    clearTimeout(state.wsTimer);
    state.pollTimer = null;
    if (state.ws) {
      var ws = state.ws;
      state.ws = null;
      ws.onclose = null;
      try { ws.close(); } catch (e) { /* already closed */ }
    }
    state.wsOpen = false;
  }

  function connectWs() {
    if (!state.user || !("WebSocket" in window)) { return; }
    var url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host +
      "/ws?topics=" + encodeURIComponent(topics()) +
      (state.lastSeq !== null ? "&since=" + state.lastSeq : "");
    var ws;
    try { ws = new WebSocket(url); } catch (e) { scheduleWs(); return; }
    state.ws = ws;
    ws.onopen = function () {
      state.wsLastMessage = Date.now();
      state.wsOpen = true;
      state.wsFailures = 0;
      setOffline(false);
      document.body.dataset.live = "ws";
    };
    ws.onmessage = function (message) {
      var event;
      state.wsLastMessage = Date.now();
      try { event = JSON.parse(message.data); } catch (e) { return; }
      if (event.type === "heartbeat" || event.type === "pong") { return; }
      if (event.type === "snapshot" && event.since_reset) { state.lastSeq = null; }
      if (typeof event.seq === "number" && (state.lastSeq === null || event.seq > state.lastSeq)) {
        state.lastSeq = event.seq;
      }
      if (event.type === "error") { return; }
      if (event.type === "snapshot" && event.counters && event.counters[state.counter]) {
        applySnapshot(event.counters[state.counter]);
        return;
      }
      refreshSoon();
    };
    ws.onclose = function () {
      var wasOpen = state.wsOpen;
      state.wsOpen = false;
      state.ws = null;
      document.body.dataset.live = "poll";
      state.wsFailures += 1;
      // A drop after a working connection is worth checking at once; a server without /ws
      // simply keeps the polling.
      if (wasOpen) { refresh(); }
      scheduleWs();
    };
  }

  function scheduleWs() {
    if (!state.user) { return; }
    var delay = Math.min(WS_RETRY_MAX_MS, 500 * Math.pow(2, Math.min(state.wsFailures, 5)));
    if (state.wsFailures > 8) { delay = 30000; }
    clearTimeout(state.wsTimer);
    state.wsTimer = setTimeout(connectWs, delay);
  }

  // --- actions --------------------------------------------------------------------------

  function run(promise) {
    state.version += 1;
    state.busy = true;
    renderButtons();
    return promise.catch(function (error) {
      if (error instanceof ApiError) {
        if (error.status !== 401) { say(error.message, "error"); }
      } else {
        say(t("offline"), "error");
      }
    }).then(function () {
      state.busy = false;
      renderButtons();
      // A key pressed while the previous action was under way is done now, not lost.
      var next = state.pending;
      state.pending = null;
      if (next) { act(next); }
    });
  }

  function act(action) {
    if (!state.user) { return; }
    if (state.busy) { state.pending = action; return; }
    var buttons = document.querySelector('#actions [data-action="' + action + '"]');
    if (buttons && buttons.disabled) { return; }
    if (action === "transfer") { openTransfer(); return; }
    if (action === "break") { toggleBreak(); return; }
    if (action === "call") {
      run(api("POST", "/api/v1/counters/" + encodeURIComponent(state.counter) + "/call")
        .then(function (data) {
          if (!data) { say(t("nobody"), "info"); return loadQueues(); }
          say(t("called_msg", { n: data.ticket.number }), "ok");
          loadQueues().catch(function () {});
          setTicket(data.ticket);
        }));
      return;
    }
    var ticket = state.ticket;
    if (!ticket) { return; }
    var messages = { recall: "recalled_msg", start: "started_msg", finish: "finished_msg",
      "no-show": "no_show_msg", "return": "returned_msg" };
    run(api("POST", "/api/v1/tickets/" + encodeURIComponent(ticket.id) + "/" + action)
      .then(function (data) {
        say(t(messages[action], { n: ticket.number }), "ok");
        var held = data.ticket.status === "called" || data.ticket.status === "serving";
        loadQueues().catch(function () {});
        setTicket(held ? data.ticket : null);
      }));
  }

  function callNumber(number) {
    if (!state.user || !number) { return; }
    if (state.busy) { return; }
    run(api("POST", "/api/v1/counters/" + encodeURIComponent(state.counter) + "/call-number",
      { number: number }).then(function (data) {
      $("call-number-input").value = "";
      // Back to the keyboard shortcuts (S, F, …), which an input field would swallow.
      if (document.activeElement === $("call-number-input")) { $("call-number-input").blur(); }
      say(t("called_number_msg", { n: data.ticket.number }), "ok");
      loadQueues().catch(function () {});
      setTicket(data.ticket);
    }));
  }

  function allServices() {
    var out = [];
    ((state.services && state.services.agencies) || []).forEach(function (agency) {
      agency.services.forEach(function (s) {
        out.push({ code: s.code, name: s.name, name_en: s.name_en, agency: agency.short_name || agency.name,
          waiting: s.waiting });
      });
    });
    return out;
  }

  function loadServices() {
    return api("GET", "/api/v1/services").then(function (data) { state.services = data; });
  }

  function openTransfer() {
    var dialog = $("transfer-dialog");
    $("transfer-search").value = "";
    loadServices().then(renderTransferList, renderTransferList);
    renderTransferList();
    dialog.showModal();
    $("transfer-search").focus();
  }

  function normalise(text) {
    return (text || "").toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  }

  function renderTransferList() {
    var list = $("transfer-list");
    list.textContent = "";
    var words = normalise($("transfer-search").value).split(/\s+/).filter(Boolean);
    var current = state.ticket ? state.ticket.service : null;
    var shown = 0;
    allServices().forEach(function (s) {
      if (s.code === current) { return; }
      var hay = normalise(s.code + " " + s.name + " " + s.name_en + " " + s.agency);
      if (!words.every(function (w) { return hay.indexOf(w) >= 0; })) { return; }
      if (shown >= 50) { return; }
      shown += 1;
      var item = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "choice";
      button.dataset.service = s.code;
      var name = document.createElement("strong");
      name.textContent = state.lang === "en" && s.name_en ? s.name_en : s.name;
      var sub = document.createElement("span");
      sub.textContent = s.agency + " · " + s.code + " · " + t("total", { n: s.waiting });
      button.appendChild(name);
      button.appendChild(sub);
      button.addEventListener("click", function () { doTransfer(s); });
      item.appendChild(button);
      list.appendChild(item);
    });
    if (!shown) {
      var none = document.createElement("li");
      none.className = "none";
      none.textContent = state.services ? t("no_match") : "…";
      list.appendChild(none);
    }
  }

  function doTransfer(service) {
    var ticket = state.ticket;
    $("transfer-dialog").close();
    if (!ticket) { return; }
    run(api("POST", "/api/v1/tickets/" + encodeURIComponent(ticket.id) + "/transfer",
      { service: service.code }).then(function () {
      say(t("transferred_msg", { n: ticket.number, s: service.name }), "ok");
      loadQueues().catch(function () {});
      setTicket(null);
    }));
  }

  function toggleBreak() {
    var path = "/api/v1/counters/" + encodeURIComponent(state.counter);
    var queued = state.breakInfo && state.breakInfo.state === "queued";
    if (state.counterState === "break" || queued) {
      run(api("POST", path + "/resume", {}).then(function (data) {
        var info = (data && data["break"]) || {};
        state.breakInfo = null;
        say(breakMessage(info) || t(info.state === "cancelled" ? "break_cancelled" : "resumed"), "ok");
        return refresh();
      }).then(loadPlan));
      return;
    }
    $("break-dialog").showModal();
  }

  function requestBreak(minutes) {
    $("break-dialog").close();
    var path = "/api/v1/counters/" + encodeURIComponent(state.counter) + "/break";
    run(api("POST", path, { minutes: minutes }).then(function (data) {
      var info = (data && data["break"]) || {};
      state.breakInfo = info;
      var key = { granted: "break_granted", queued: "break_queued", refused: "break_refused" }[info.state];
      say(breakMessage(info) || (key ? t(key, { u: clock(info.until) }) : ""),
        info.state === "refused" ? "error" : info.state === "queued" ? "warn" : "ok");
      return refresh();
    }, function (error) {
      if (error instanceof ApiError && (error.status === 404 || error.status === 405)) {
        say(t("break_missing"), "error");
        return;
      }
      throw error;
    }).then(function () { renderBreak(); loadPlan(); }));
  }

  // --- keyboard -------------------------------------------------------------------------

  var KEYS = { " ": "call", "F1": "call", "r": "recall", "s": "start", "f": "finish",
    "n": "no-show", "k": "return", "a": "transfer", "i": "break" };

  document.addEventListener("keydown", function (event) {
    if ($("desk").hidden || event.ctrlKey || event.altKey || event.metaKey) { return; }
    if ($("transfer-dialog").open || $("break-dialog").open) { return; }
    var target = event.target;
    if (target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" ||
                   target.tagName === "SELECT")) { return; }
    var key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    var action = KEYS[key];
    if (!action) { return; }
    // Space on a focused button would click it as well; the shortcut alone must act.
    event.preventDefault();
    act(action);
  });

  // --- wiring ---------------------------------------------------------------------------

  document.querySelectorAll("#actions [data-action]").forEach(function (button) {
    button.addEventListener("click", function () { act(button.dataset.action); });
  });

  $("call-number-form").addEventListener("submit", function (event) {
    event.preventDefault();
    callNumber($("call-number-input").value.trim());
  });
  setInterval(renderTimer, 1000);

  $("transfer-search").addEventListener("input", renderTransferList);
  $("transfer-search").addEventListener("keydown", function (event) {
    if (event.key === "Enter") {
      event.preventDefault();
      var first = document.querySelector("#transfer-list button.choice");
      if (first) { first.click(); }
    }
  });
  $("transfer-cancel").addEventListener("click", function () { $("transfer-dialog").close(); });
  $("break-cancel").addEventListener("click", function () { $("break-dialog").close(); });
  document.querySelectorAll("#break-dialog [data-minutes]").forEach(function (button) {
    button.addEventListener("click", function () { requestBreak(Number(button.dataset.minutes)); });
  });
  $("plan").addEventListener("toggle", function () { if ($("plan").open) { loadPlan(); } });

  $("change-counter").addEventListener("click", showPick);
  $("lang-toggle").addEventListener("click", function () {
    state.lang = state.lang === "id" ? "en" : "id";
    localStorage.setItem(LANG_KEY, state.lang);
    applyLanguage();
  });

  $("signin-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var submit = $("signin-submit");
    submit.disabled = true;
    api("POST", "/api/v1/session", {
      username: $("username").value.trim(), password: $("password").value, counter: state.counter
    }).then(function (data) {
      $("password").value = "";
      enterDesk(data);
    }).catch(function (error) {
      showSignIn(error instanceof ApiError ? error.message : t("offline"));
    }).then(function () { submit.disabled = false; });
  });

  $("sign-out").addEventListener("click", function () {
    api("DELETE", "/api/v1/session").catch(function () {}).then(function () {
      stopLive();
      state.user = null;
      state.csrf = null;
      state.ticket = null;
      showSignIn(null);
    });
  });

  function boot() {
    applyLanguage();
    api("GET", "/api/v1/counters").then(function (data) {
      state.counters = data.counters || [];
      return loadServices().catch(function () {});
    }).then(function () {
      return api("GET", "/api/v1/session").then(function (session) {
        if (session.counter) { enterDesk(session); return; }
        throw new ApiError(401, null);
      }).catch(function () {
        state.counter = localStorage.getItem(COUNTER_KEY);
        if (state.counter && counterInfo(state.counter)) { showSignIn(null); } else { showPick(); }
      });
    }).catch(function () {
      setTimeout(boot, 3000);
    });
  }

  boot();
}());
