// Transferring the current ticket to another service.
import { $ } from "../../common/dom.js";
import { run } from "./actions.js";
import { setTicket } from "./current.js";
import { loadQueues } from "./queues.js";
import { api, loadServices } from "./server.js";
import { allServices, say, state, t } from "./state.js";

export function openTransfer() {
  var dialog = $("transfer-dialog");
  $("transfer-search").value = "";
  loadServices().then(renderTransferList, renderTransferList);
  renderTransferList();
  dialog.showModal();
  $("transfer-search").focus();
}

export function normalise(text) {
  return (text || "").toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "");
}

export function renderTransferList() {
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

export function doTransfer(service) {
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
