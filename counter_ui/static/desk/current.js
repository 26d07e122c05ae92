// The ticket at this counter: its card, its timer, and loading it.
import { $, el } from "../../common/dom.js";
import { renderAll } from "./actions.js";
import { takeBreak } from "./breaks.js";
import { api } from "./server.js";
import { clock, clockFigure, counterName, duration, parseTime, priorityName, serverNow, serviceName, state, t } from "./state.js";

export function renderTimer() {
  const ticket = state.ticket;
  const box = $("cur-timer-box");
  if (!ticket) { box.hidden = true; return; }
  const serving = ticket.status === "serving" && ticket.started_at;
  const from = parseTime(serving ? ticket.started_at : ticket.called_at);
  box.hidden = isNaN(from);
  if (isNaN(from)) { return; }
  $("cur-timer-label").textContent = t(serving ? "timer_serving" : "timer_called");
  $("cur-timer").textContent = clockFigure((serverNow() - from) / 1000);
  box.className = "timer " + (serving ? "serving" : "called");
}

export function renderTicket() {
  const ticket = state.ticket;
  $("cur-number").textContent = ticket ? ticket.number : "";
  $("cur-number").hidden = !ticket;
  $("cur-empty").hidden = !!ticket;
  const onBreak = state.counterState === "break";
  $("cur-empty").textContent = onBreak ? t("on_break_card") : t("no_ticket");
  $("cur-empty").className = "empty" + (onBreak ? " resting" : "");
  $("cur-details").hidden = !ticket;
  if (!ticket) { renderTimer(); }
  const status = $("cur-status");
  status.textContent = ticket ? t("st_" + ticket.status) : "";
  status.className = "status " + (ticket ? ticket.status : "");
  if (!ticket) { return; }
  const visitor = $("cur-visitor");
  visitor.hidden = !ticket.visitor;
  visitor.textContent = ticket.visitor ? t("booked_visitor", {
    name: ticket.visitor.name || "—", code: ticket.visitor.booking,
    slot: String(ticket.visitor.slot).replace(":", ".") }) : "";
  $("cur-service").textContent = (state.lang === "en" && ticket.service_name_en
    ? ticket.service_name_en : ticket.service_name) + " · " + ticket.agency_name;
  const priority = $("cur-priority");
  priority.hidden = !ticket.priority;
  priority.textContent = ticket.priority ? t("priority") + ": " + priorityName(ticket.priority) : "";
  let since = t("issued", { t: clock(ticket.issued_at) });
  if (ticket.called_at) {
    since += " · " + t("waited", {
      d: duration((Date.parse(ticket.called_at) - Date.parse(ticket.issued_at)) / 1000) });
  }
  $("cur-since").textContent = since;
  $("cur-recalls").textContent = ticket.recall_count ? t("recalled", { n: ticket.recall_count }) : "";
  renderTimer();
  const history = ticket.transfers || [];
  $("cur-transfers").hidden = history.length === 0;
  const list = $("cur-transfer-list");
  list.textContent = "";
  history.forEach((step) => {
    list.appendChild(el("li", null, clock(step.at) + "  " + t("from_to", {
      a: serviceName(step.from), b: serviceName(step.to) }) +
      (step.counter ? " · " + counterName(step.counter) : "")));
  });
}

export function setTicket(ticket) {
  if (!ticket) { state.ticket = null; renderAll(); return Promise.resolve(); }
  const keep = state.ticket && state.ticket.id === ticket.id ? state.ticket.transfers : null;
  // Only the call and /current name a booked visitor; the actions after keep it.
  if (ticket.visitor === undefined && state.ticket && state.ticket.id === ticket.id) {
    ticket.visitor = state.ticket.visitor;
  }
  state.ticket = ticket;
  ticket.transfers = keep || [];
  renderAll();
  if (!ticket.transfer_count) { return Promise.resolve(); }
  return api("GET", "/api/v1/tickets/" + encodeURIComponent(ticket.id) + "/transfers")
    .then((data) => {
      if (state.ticket && state.ticket.id === ticket.id) {
        state.ticket.transfers = data.transfers || [];
        renderTicket();
      }
    }).catch(() => { /* the history is a nicety; the ticket still shows */ });
}

export function loadCurrent() {
  // An answer that started before one of our own actions is older than what the action
  // returned, so it is dropped.
  const version = state.version;
  return api("GET", "/api/v1/counters/" + encodeURIComponent(state.counter) + "/current")
    .then((data) => {
      if (version !== state.version || state.busy) { return; }
      takeBreak(data["break"]);
      state.counterState = data.state;
      state.counterSince = data.since;
      return setTicket(data.ticket);
    });
}
