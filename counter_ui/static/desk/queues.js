// This counter's queues and the tickets waiting next, with their call buttons.
import { $, el } from "../../common/dom.js";
import { callNumber } from "./actions.js";
import { api } from "./server.js";
import { canCall, duration, learnServerTime, priorityName, state, t } from "./state.js";

function localName(en, id) { return state.lang === "en" && en ? en : id; }

export function renderQueues() {
  const body = $("queue-rows");
  body.textContent = "";
  const data = state.queues;
  if (!data) { return; }
  const elapsed = (Date.now() - state.queuesAt) / 1000;
  data.queues.forEach((q) => {
    const row = el("tr");
    row.dataset.service = q.service;
    const count = el("td", "count", String(q.waiting));
    if (q.priority_waiting) {
      count.appendChild(el("span", "badge priority small", "P " + q.priority_waiting));
    }
    row.append(el("td", null, localName(q.name_en, q.name)), count,
               el("td", null, q.waiting ? duration(q.longest_wait_s + elapsed) : "—"));
    body.appendChild(row);
  });
  $("total").textContent = t("total", { n: data.total_waiting });
  $("total").dataset.count = String(data.total_waiting);
  renderNext(elapsed);
}

export function renderNext(elapsed) {
  const body = $("next-rows");
  body.textContent = "";
  const data = state.queues;
  const list = (data && data.next) || [];
  const blocked = !canCall();
  list.forEach((item) => {
    const row = el("tr");
    row.dataset.ticket = item.id;
    row.dataset.number = item.number;
    const number = el("td", "next-number", item.number);
    if (item.priority) {
      const mark = el("span", "badge priority small", "P");
      mark.title = t("priority") + ": " + priorityName(item.priority);
      number.appendChild(mark);
    }
    const button = el("button", "btn row-call", t("call_this"));
    button.type = "button";
    button.setAttribute("aria-label", t("call_row", { n: item.number }));
    button.disabled = blocked;
    button.addEventListener("click", () => { callNumber(item.number); });
    const action = el("td");
    action.appendChild(button);
    row.append(number, el("td", null, localName(item.service_name_en, item.service_name)),
               el("td", null, duration(item.waited_s + elapsed)), action);
    body.appendChild(row);
  });
  if (!list.length) {
    const cell = el("td", "none", t("nobody"));
    cell.colSpan = 4;
    const none = el("tr");
    none.appendChild(cell);
    body.appendChild(none);
  }
  const total = data ? data.total_waiting : 0;
  $("next-count").textContent = data ? t("total", { n: total }) : "";
  const more = total - list.length;
  $("next-more").hidden = more <= 0;
  $("next-more").textContent = more > 0 ? t("more", { n: more }) : "";
}

export function loadQueues() {
  return api("GET", "/api/v1/counters/" + encodeURIComponent(state.counter) + "/queues")
    .then((data) => {
      learnServerTime(data.at);
      state.queues = data;
      state.queuesAt = Date.now();
      renderQueues();
    });
}
