// This counter's queues and the tickets waiting next, with their call buttons.
import { $ } from "../../common/dom.js";
import { act, callNumber } from "./actions.js";
import { api } from "./server.js";
import { canCall, duration, learnServerTime, priorityName, state, t } from "./state.js";

export function renderQueues() {
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

export function renderNext(elapsed) {
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

export function loadQueues() {
  return api("GET", "/api/v1/counters/" + encodeURIComponent(state.counter) + "/queues")
    .then(function (data) {
      learnServerTime(data.at);
      state.queues = data;
      state.queuesAt = Date.now();
      renderQueues();
    });
}
