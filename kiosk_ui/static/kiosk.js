// Touch kiosk: agency -> service (standard) -> optional priority -> ticket.
// One Idempotency-Key per confirmation, so a double tap or a retry never makes two tickets.
import { ApiError, get, post } from "../common/api.js";
import { $, el } from "../common/dom.js";
import { translatePage, translator } from "../common/i18n.js";

const T = {
  id: {
    choose_agency: "Pilih instansi", choose_service: "Pilih layanan", back: "Kembali",
    start_over: "Kembali ke awal", waiting: "{n} orang menunggu", closed: "Tutup",
    persyaratan: "Persyaratan", biaya: "Biaya", jangka_waktu: "Jangka waktu",
    produk: "Produk", take_number: "Ambil nomor antrean",
    priority_button: "Layanan prioritas",
    priority_title: "Pilih kategori prioritas",
    priority_hint: "Kelompok rentan dilayani lebih dahulu (UU 25/2009 pasal 29). Petugas dapat meminta bukti.",
    your_number: "Nomor antrean Anda", ahead: "Di depan Anda: {n} orang",
    wait: "Perkiraan tunggu: \u00b1 {m} menit", wait_short: "Perkiraan tunggu: kurang dari 1 menit",
    priority: "Prioritas: {c}",
    printing: "Tiket sedang dicetak\u2026", printed: "Silakan ambil tiket Anda di bawah layar.",
    print_failed: "Printer bermasalah \u2014 silakan foto layar ini. Nomor antrean Anda tetap berlaku.",
    scan: "Pindai untuk memantau antrean dari ponsel", done: "Selesai",
    back_in: "Kembali ke awal dalam {s} detik", idle: "Kembali ke awal dalam {s} detik \u2014 sentuh layar untuk melanjutkan",
    closed_title: "Layanan tutup", holiday_title: "Hari libur", quota_title: "Kuota habis",
    error_title: "Terjadi gangguan", next_open: "Buka kembali: {t}",
    network: "Tidak dapat terhubung ke server. Silakan coba lagi atau hubungi petugas.",
    all_closed: "Saat ini pengambilan nomor antrean tutup.", busy: "Memproses\u2026",
    qr_alt: "Kode QR menuju halaman tiket {n}", lang_other: "English",
    loading: "Memuat layanan\u2026", served_at: "Silakan menuju {c} saat nomor Anda dipanggil",
    remind: "Siapkan dokumen persyaratan sebelum dipanggil.",
    more_below: "\u25bc Geser ke bawah untuk pilihan lainnya",
    upcoming: "Pengumuman:",
    checkin_button: "Sudah pesan online? Check-in di sini", checkin_title: "Check-in antrean online",
    checkin_label: "Kode pesanan (6 karakter)", checkin_go: "Check-in dan cetak tiket",
    checkin_hint: "Ketik kode dari pesan Anda, atau pindai kode QR-nya di pemindai."
  },
  en: {
    choose_agency: "Choose an agency", choose_service: "Choose a service", back: "Back",
    start_over: "Back to start", waiting: "{n} waiting", closed: "Closed",
    persyaratan: "Requirements", biaya: "Fee", jangka_waktu: "Processing time",
    produk: "Product", take_number: "Take a queue number",
    priority_button: "Priority service",
    priority_title: "Choose a priority category",
    priority_hint: "Vulnerable visitors are served first (Law 25/2009 art. 29). Staff may ask for proof.",
    your_number: "Your queue number", ahead: "Ahead of you: {n} people",
    wait: "Estimated wait: about {m} minutes", wait_short: "Estimated wait: under 1 minute",
    priority: "Priority: {c}",
    printing: "Printing your ticket\u2026", printed: "Please take your ticket below the screen.",
    print_failed: "Printer problem \u2014 please take a photo of this screen. Your queue number is still valid.",
    scan: "Scan to follow the queue on your phone", done: "Done",
    back_in: "Back to start in {s} seconds", idle: "Back to start in {s} seconds \u2014 touch the screen to continue",
    closed_title: "Service closed", holiday_title: "Holiday", quota_title: "Quota used up",
    error_title: "Something went wrong", next_open: "Opens again: {t}",
    network: "Cannot reach the server. Please try again or ask the staff.",
    all_closed: "Queue numbers cannot be taken right now.", busy: "Working\u2026",
    qr_alt: "QR code to the ticket page of {n}", lang_other: "Bahasa Indonesia",
    loading: "Loading services\u2026", served_at: "Please go to {c} when your number is called",
    remind: "Have the required documents ready before you are called.",
    more_below: "\u25bc Scroll down for more",
    upcoming: "Notice:",
    checkin_button: "Booked online? Check in here", checkin_title: "Online booking check-in",
    checkin_label: "Booking code (6 characters)", checkin_go: "Check in and print the ticket",
    checkin_hint: "Type the code from your booking, or scan its QR code at the scanner."
  }
};

const body = document.body;
const logos = JSON.parse(body.dataset.logos || "{}");
const state = {
  // Indonesian first, always: English is the visitor's choice, undone when they leave.
  lang: "id", status: null,
  printer: body.dataset.printer || "",
  idleS: parseInt(body.dataset.idle, 10) || 45,
  data: null, agency: null, service: null, key: null, busy: false,
  // The server's clock (a demo or test clock may differ from this machine's).
  skewMs: (Date.parse(body.dataset.now) || Date.now()) - Date.now(),
  screen: "agency", lastTouch: Date.now(), ticket: null, printPoll: null
};

const t = translator(T, () => state.lang);

function newKey() {
  const bytes = new Uint8Array(16);
  window.crypto.getRandomValues(bytes);
  return "kiosk-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
function q(path) {
  const sep = path.indexOf("?") < 0 ? "?" : "&";
  return path + sep + "lang=" + state.lang;
}

// --- screens -------------------------------------------------------------------------------

function show(name) {
  state.screen = name;
  ["agency", "service", "detail", "priority", "ticket", "error", "checkin"].forEach((s) => {
    if ($("screen-" + s)) $("screen-" + s).hidden = s !== name;
  });
  $("main").scrollTop = 0;
  const heading = $("screen-" + name).querySelector("h1");
  if (heading) heading.focus({ preventScroll: true });
  $("screen-" + name).querySelectorAll(".fit").forEach((grid) => fit(grid));
  touch();
}

// A grid of choices gets as many columns as it needs for its rows to fit the screen; if
// there are still too many (a big site), its pane scrolls and a cue says there is more.
function fit(grid) {
  const n = grid.children.length;
  if (!n) return;
  const landscape = window.innerWidth > window.innerHeight;
  const wide = grid.classList.contains("services") ? 2 : 3;
  // Service names are long: at most four columns of them, three for agencies' cards.
  let cols = landscape ? Math.min(n > 15 ? 5 : n > 8 ? 4 : n > 4 ? 3 : 2, wide + 2)
    : (n > 12 ? wide : n > 3 ? 2 : 1);
  if (grid.classList.contains("priorities")) cols = landscape ? 2 : 1;
  if (window.innerWidth < 600) cols = Math.min(cols, 2);
  cols = Math.min(cols, n);
  grid.style.setProperty("--cols", String(cols));
  grid.style.setProperty("--rows", String(Math.ceil(n / cols)));
  names(grid);
  cue(grid);
}
// Every name whole, never an ellipsis: an agency's full name where it fits its card, else the
// site's short name (as the lobby display does); a service's name, which has no short one, a
// size smaller. Every read first, then the writes (one layout, not one per card).
function names(grid) {
  const titles = [...grid.querySelectorAll(".card-title")];
  titles.forEach((title) => {
    title.closest(".card").classList.remove("tight");
    if (title.dataset.full) title.textContent = title.dataset.full;
  });
  const cut = (e) => e.scrollHeight > e.clientHeight + 1 || e.scrollWidth > e.clientWidth + 1;
  const over = titles.filter((title) => cut(title.closest(".card")));
  for (const title of over) {
    if (title.dataset.short) title.textContent = title.dataset.short;
    else title.closest(".card").classList.add("tight");
  }
}
function cue(box) {
  const id = box.dataset.cue;
  if (!id) return;
  const more = box.scrollHeight - box.clientHeight - box.scrollTop > 4;
  $(id).hidden = !more;
}
document.addEventListener("scroll", (e) => {
  if (e.target && e.target.dataset && e.target.dataset.cue) cue(e.target);
}, true);
window.addEventListener("resize", () => {
  document.querySelectorAll(".screen:not([hidden]) .fit").forEach((grid) => fit(grid));
});

function translateStatic() {
  translatePage(t, state.lang);
  const toggle = $("lang-toggle");
  toggle.textContent = t("lang_other");
  toggle.lang = state.lang === "id" ? "en" : "id";
}

function serviceName(s) { return state.lang === "en" && s.name_en ? s.name_en : s.name; }

// What a card is drawn from once; an administrator renaming an agency gets a new card.
const drawnFrom = new WeakMap();
function cardKey(agency) { return [agency.code, agency.name, agency.short_name].join("\n"); }

function renderAgencies() {
  const list = $("agency-list");
  if (!state.data) {
    list.textContent = "";
    list.appendChild(el("p", "hint", t("loading")));
    return;
  }
  const agencies = state.data.agencies;
  // The same agencies as on screen are updated in place: fresh data arriving (every return
  // to the start, every minute) must not replace a card under a finger, or the tap is lost.
  const cards = [...list.children];
  const same = cards.length === agencies.length
    && cards.every((card, i) => drawnFrom.get(card) === cardKey(agencies[i]));
  if (!same) list.replaceChildren(...agencies.map(agencyCard));
  let anyOpen = false;
  agencies.forEach((agency, i) => { anyOpen = showAgency(list.children[i], agency) || anyOpen; });
  const banner = $("closed-banner");
  const closed = state.status && !state.status.open;
  banner.hidden = !closed && (anyOpen || !state.data.agencies.length);
  banner.textContent = t("all_closed") +
    (closed && state.status.message ? " " + state.status.message[state.lang] : "");
  // Tomorrow's closure or next week's special hours, so nobody makes the trip for nothing.
  const upcoming = (state.status && state.status.upcoming && state.status.upcoming[state.lang]) || [];
  const notice = $("upcoming-banner");
  notice.hidden = !upcoming.length;
  notice.textContent = upcoming.length ? t("upcoming") + " " + upcoming.join(" \u00b7 ") : "";
  fit(list);
}

function agencyCard(agency) {
  const button = el("button", "card");
  button.type = "button";
  button.dataset.agency = agency.code;
  drawnFrom.set(button, cardKey(agency));
  const head = el("span", "card-head");
  if (logos[agency.code]) {
    const logo = el("img", "logo");
    logo.src = logos[agency.code];
    logo.alt = "";
    head.appendChild(logo);
  }
  const title = el("span", "card-title", agency.name);
  title.dataset.full = agency.name;
  if (agency.short_name && agency.short_name !== agency.name) title.dataset.short = agency.short_name;
  head.appendChild(title);
  button.append(head, el("span", "card-sub card-count"));
  button.addEventListener("click", () => {
    state.agency = state.data.agencies.find((a) => a.code === agency.code) || agency;
    renderServices();
    show("service");
  });
  return button;
}

// A card's changing part: how many wait, and whether the agency serves now. True when open.
function showAgency(button, agency) {
  let waiting = 0;
  let open = false;
  agency.services.forEach((s) => { waiting += s.waiting; open = open || s.open_now; });
  button.classList.toggle("closed", !open);
  button.querySelector(".card-count").textContent = t("waiting", { n: waiting });
  const badge = button.querySelector(".badge");
  if (open) {
    if (badge) badge.remove();
  } else if (badge) {
    badge.textContent = t("closed");
  } else {
    button.appendChild(el("span", "badge", t("closed")));
  }
  return open;
}

function renderServices() {
  const agency = state.agency;
  $("service-title").textContent = agency.name;
  const list = $("service-list");
  list.textContent = "";
  agency.services.forEach((s) => {
    const button = el("button", "card" + (s.open_now ? "" : " closed"));
    button.type = "button";
    button.appendChild(el("span", "card-title", serviceName(s)));
    button.appendChild(el("span", "card-sub card-count", s.prefix + " \u00b7 " + t("waiting", { n: s.waiting })));
    if (!s.open_now) button.appendChild(el("span", "badge", t("closed")));
    button.addEventListener("click", () => { state.service = s; renderDetail(); show("detail"); });
    list.appendChild(button);
  });
  fit(list);
}

function renderDetail() {
  const s = state.service;
  const std = s.standard || {};
  state.key = newKey();
  $("detail-agency").textContent = state.agency.short_name || state.agency.name;
  $("detail-title").textContent = serviceName(s);
  const box = $("detail-standard");
  box.textContent = "";
  ["persyaratan", "biaya", "jangka_waktu", "produk"].forEach((field) => {
    let value = std[field];
    if (field === "jangka_waktu" && value === undefined) value = std.waktu;
    if (value === undefined || value === null || value === "") return;
    box.appendChild(el("h2", null, t(field)));
    if (Array.isArray(value)) {
      const ul = el("ul");
      value.forEach((item) => ul.appendChild(el("li", null, String(item))));
      box.appendChild(ul);
    } else {
      box.appendChild(el("p", null, String(value)));
    }
  });
  box.hidden = !box.childNodes.length;
  box.scrollTop = 0;
  setTimeout(() => cue(box), 0);
  const categories = state.data.priority_categories || [];
  $("take-priority").hidden = !categories.length;
  $("take-priority").textContent = t("priority_button") + ": " + categories.map((c) => (
    state.lang === "en" ? c.name_en : c.name)).join(", ");
  setBusy(false);
}

function renderPriorities() {
  state.key = newKey();
  const list = $("priority-list");
  list.textContent = "";
  state.data.priority_categories.forEach((c) => {
    const button = el("button", "card");
    button.type = "button";
    button.appendChild(el("span", "card-title", state.lang === "en" ? c.name_en : c.name));
    button.addEventListener("click", () => take(c.code));
    list.appendChild(button);
  });
  fit(list);
  setBusy(false);
}

function setBusy(busy) {
  state.busy = busy;
  document.querySelectorAll("#screen-detail button, #screen-priority button").forEach((b) => {
    b.disabled = busy;
  });
}

// --- issuing -------------------------------------------------------------------------------

const MAX_ATTEMPTS = 5;
const RETRY_STATUS = { 502: true, 503: true, 504: true };

function take(priority) {
  if (state.busy) return;  // the second tap of a double tap
  setBusy(true);
  const url = "/kiosk/api/tickets" + (state.printer ? "?printer=" + encodeURIComponent(state.printer) : "");
  const payload = { service: state.service.code, priority: priority || null };
  const headers = { "Idempotency-Key": state.key };
  let attempts = 0;
  function again(delayMs) {
    // The same key again: if an earlier request did reach the server, this returns it.
    if (attempts < MAX_ATTEMPTS) { setTimeout(attempt, delayMs); return true; }
    return false;
  }
  function attempt() {
    attempts += 1;
    post(q(url), payload, { headers: headers, lang: state.lang }).then(showTicket, (error) => {
      if (!(error instanceof ApiError)) {
        if (!again(800)) showProblem(null);
        return;
      }
      // 503 = the database is unavailable or busy for a moment; the server says when to
      // come back. Nothing was issued, so the same key is safe to send again.
      if (RETRY_STATUS[error.status] && again(retryDelay(error.retryAfterS))) return;
      showProblem(error.error);
    });
  }
  attempt();
}

function retryDelay(seconds) {
  if (typeof seconds !== "number" || !isFinite(seconds) || seconds <= 0) seconds = 1;
  return Math.min(seconds, 5) * 1000;  // a visitor is standing there: never long
}

function showProblem(error) {
  const code = error && error.code;
  const titles = { closed: "closed_title", holiday: "holiday_title", quota_exhausted: "quota_title" };
  $("error-title").textContent = t(titles[code] || "error_title");
  $("error-text").textContent = (error && error.message) || t("network");
  const next = $("error-next");
  // The server's sentence usually names the opening time already; say it only once.
  next.hidden = !(error && error.next_open && !error.message);
  if (error && error.next_open) next.textContent = t("next_open", { t: formatMoment(error.next_open) });
  state.key = null;
  show("error");
  refresh();
}

function formatMoment(iso) {
  const moment = new Date(iso);
  if (isNaN(moment.getTime())) return String(iso);
  return moment.toLocaleString(state.lang === "en" ? "en-GB" : "id-ID", {
    weekday: "long", day: "numeric", month: "long", hour: "2-digit", minute: "2-digit",
    timeZone: "Asia/Jakarta"
  });
}

function showTicket(answer) {
  const ticket = answer.ticket;
  state.ticket = ticket;
  state.key = null;
  $("ticket-number").textContent = ticket.number;
  $("ticket-service").textContent = (state.lang === "en" ? ticket.service_name_en : ticket.service_name) +
    " \u2014 " + ticket.agency_name;
  const prio = $("ticket-priority");
  const category = (state.data.priority_categories || []).find((c) => c.code === ticket.priority);
  prio.hidden = !category;
  if (category) prio.textContent = t("priority", { c: state.lang === "en" ? category.name_en : category.name });
  $("ticket-counters").textContent = answer.counters ? t("served_at", { c: answer.counters }) : "";
  $("ticket-ahead").textContent = t("ahead", { n: ticket.ahead || 0 });
  const wait = ticket.estimated_wait_s;
  $("ticket-wait").textContent = wait === null || wait === undefined ? "" :
    (wait < 60 ? t("wait_short") : t("wait", { m: Math.ceil(wait / 60) }));
  $("ticket-qr").src = answer.qr_url;
  $("ticket-qr").alt = t("qr_alt", { n: ticket.number });
  $("fallback").hidden = true;
  show("ticket");
  followPrint(ticket.id, answer.print);
}

function followPrint(ticketId, job) {
  stopPrintPoll();
  const started = Date.now();
  function apply(print) {
    if (!print || print.state === "failed") { fallback(); return true; }
    if (print.state === "printed") { $("print-state").textContent = t("printed"); return true; }
    $("print-state").textContent = t("printing");
    if (Date.now() - started > 15000) { fallback(); return true; }  // a stuck printer
    return false;
  }
  if (apply(job)) return;
  function poll() {
    get(q("/kiosk/api/tickets/" + encodeURIComponent(ticketId) + "/print-status"))
      // A refusal still answers: it has no print job to show, so the photo fallback.
      .catch((error) => { if (error instanceof ApiError) return error.body || {}; throw error; })
      .then((body) => {
        if (state.screen !== "ticket" || !state.ticket || state.ticket.id !== ticketId) return;
        if (!apply(body.print)) state.printPoll = setTimeout(poll, 600);
      })
      .catch(() => {
        if (state.screen === "ticket" && !apply({ state: "printing" })) state.printPoll = setTimeout(poll, 1000);
      });
  }
  state.printPoll = setTimeout(poll, 400);
}

function stopPrintPoll() { if (state.printPoll) { clearTimeout(state.printPoll); state.printPoll = null; } }

function fallback() {
  $("print-state").textContent = "";
  $("fallback-text").textContent = t("print_failed");
  $("fallback").hidden = false;
  touch();  // a full countdown to take the photo
}

// --- data, idle, clock ---------------------------------------------------------------------

function refresh() {
  const status = get("/kiosk/api/status").then((s) => { state.status = s; }).catch(() => {});
  return get(q("/api/v1/services")).then((data) => {
    state.data = data;
    return status;
  }).then(() => {
    if (state.screen === "agency") renderAgencies();
  }).catch(() => { /* keep what we have; the next return to start tries again */ });
}

function setLang(lang) {
  if (state.lang === lang) return;
  state.lang = lang;
  translateStatic();
  if (state.screen === "agency" && state.data) renderAgencies();  // banners follow the language
  tick();
}

function toStart(reset) {
  if (reset) setLang("id");
  stopPrintPoll();
  state.agency = state.service = state.ticket = state.key = null;
  setBusy(false);
  renderAgencies();
  show("agency");
  refresh();
}

function touch() { state.lastTouch = Date.now(); $("idle-warning").hidden = true; }

function tick() {
  const now = new Date(Date.now() + state.skewMs);
  $("clock").textContent = now.toLocaleString(state.lang === "en" ? "en-GB" : "id-ID", {
    weekday: "long", day: "numeric", month: "long", year: "numeric",
    hour: "2-digit", minute: "2-digit", timeZone: "Asia/Jakarta"
  });
  const left = Math.max(0, Math.ceil(state.idleS - (Date.now() - state.lastTouch) / 1000));
  if (state.screen === "agency") {
    $("idle-warning").hidden = true;
    // An English visitor walked away from the start screen: the next one gets Indonesian.
    if (left <= 0 && state.lang !== "id") { setLang("id"); renderAgencies(); }
    return;
  }
  if (left <= 0) { toStart(true); return; }
  if (state.screen === "ticket") {
    $("countdown").textContent = t("back_in", { s: left });
  } else if (left <= 15) {
    const warning = $("idle-warning");
    warning.textContent = t("idle", { s: left });
    warning.hidden = false;
  }
}

document.addEventListener("pointerdown", touch, { passive: true });
document.addEventListener("keydown", touch);
document.addEventListener("contextmenu", (e) => e.preventDefault());
document.addEventListener("click", (event) => {
  const target = event.target.closest("[data-action]");
  if (!target) return;
  const action = target.dataset.action;
  if (action === "to-agency") toStart(state.screen === "ticket");
  else if (action === "to-service") show("service");
  else if (action === "to-detail") { renderDetail(); show("detail"); }
  else if (action === "to-checkin") openCheckin("");
});

// --- check-in of an online booking ---------------------------------------------------------
// A USB scanner is a keyboard: it types the code and Enter. On the start screen the first
// typed character opens the check-in screen, so a visitor can simply scan.

function openCheckin(typed) {
  $("checkin-code").value = typed;
  $("checkin-error").hidden = true;
  show("checkin");
  $("checkin-code").focus();
}

function checkIn() {
  const code = $("checkin-code").value.trim();
  if (!code || state.busy) return;
  state.busy = true;
  $("checkin-go").disabled = true;
  const url = "/kiosk/api/check-in" + (state.printer ? "?printer=" + encodeURIComponent(state.printer) : "");
  // Through the shared client like every other request, so a kiosk under /s/{site} checks
  // in at its own site.
  post(q(url), { code: code }, { lang: state.lang }).then(showTicket).catch((error) => {
    const refused = error instanceof ApiError;
    $("checkin-error").textContent = (refused && error.sentence) || t("network");
    $("checkin-error").hidden = false;
    if (refused) $("checkin-code").select();
  }).then(() => {
    state.busy = false;
    $("checkin-go").disabled = false;
  });
}

if ($("checkin-form")) {
  $("checkin-form").addEventListener("submit", (event) => { event.preventDefault(); checkIn(); });
  document.addEventListener("keydown", (event) => {
    if (state.screen !== "agency" || event.ctrlKey || event.altKey || event.metaKey) return;
    if (/^[A-Za-z0-9]$/.test(event.key)) { event.preventDefault(); openCheckin(event.key.toUpperCase()); }
  });
}
$("take-normal").addEventListener("click", () => take(null));
$("take-priority").addEventListener("click", () => {
  if (state.busy) return;
  renderPriorities();
  show("priority");
});
$("lang-toggle").addEventListener("click", () => {
  setLang(state.lang === "id" ? "en" : "id");
  if (state.screen === "agency") renderAgencies();
  else if (state.screen === "service") renderServices();
  else if (state.screen === "detail") { const key = state.key; renderDetail(); state.key = key; }
  else if (state.screen === "priority") { const key = state.key; renderPriorities(); state.key = key; }
});

translateStatic();
renderAgencies();
refresh();
tick();
setInterval(tick, 1000);
setInterval(() => { if (state.screen === "agency") refresh(); }, 60000);
