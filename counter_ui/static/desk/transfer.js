// Transferring the current ticket to another service.
import { $, el } from "../../common/dom.js";
import { run } from "./actions.js";
import { setTicket } from "./current.js";
import { loadQueues } from "./queues.js";
import { api, loadServices } from "./server.js";
import { allServices, say, state, t } from "./state.js";

export function openTransfer() {
  const dialog = $("transfer-dialog");
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
  const list = $("transfer-list");
  list.textContent = "";
  const words = normalise($("transfer-search").value).split(/\s+/).filter(Boolean);
  const current = state.ticket ? state.ticket.service : null;
  let shown = 0;
  allServices().forEach((s) => {
    if (s.code === current) { return; }
    const hay = normalise(s.code + " " + s.name + " " + s.name_en + " " + s.agency);
    if (!words.every((w) => hay.indexOf(w) >= 0)) { return; }
    if (shown >= 50) { return; }
    shown += 1;
    const button = el("button", "choice");
    button.type = "button";
    button.dataset.service = s.code;
    button.append(el("strong", null, state.lang === "en" && s.name_en ? s.name_en : s.name),
                  el("span", null, s.agency + " · " + s.code + " · " + t("total", { n: s.waiting })));
    button.addEventListener("click", () => { doTransfer(s); });
    const item = el("li");
    item.appendChild(button);
    list.appendChild(item);
  });
  if (!shown) {
    list.appendChild(el("li", "none", state.services ? t("no_match") : "…"));
  }
}

export function doTransfer(service) {
  const ticket = state.ticket;
  $("transfer-dialog").close();
  if (!ticket) { return; }
  run(api("POST", "/api/v1/tickets/" + encodeURIComponent(ticket.id) + "/transfer",
    { service: service.code }).then(() => {
    say(t("transferred_msg", { n: ticket.number, s: service.name }), "ok");
    loadQueues().catch(() => {});
    setTicket(null);
  }));
}
