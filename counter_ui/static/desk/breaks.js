// Breaks: asking for one, ending or withdrawing it, and the day's rotation plan.
import { $, el } from "../../common/dom.js";
import { run } from "./actions.js";
import { refresh } from "./live.js";
import { ApiError, api } from "./server.js";
import { clock, counterLabel, say, state, t } from "./state.js";

export function breakMessage(info) {
  if (!info) { return ""; }
  return (state.lang === "en" ? info.message_en : info.message_id) || info.message || "";
}

export function renderBreak() {
  const onBreak = state.counterState === "break";
  const info = state.breakInfo;
  const queued = !onBreak && info && info.state === "queued";
  $("break-label").textContent = onBreak ? t("resume") : queued ? t("cancel_break") : t("break");
  $("break-button").classList.toggle("on", onBreak);
  $("break-button").classList.toggle("queued", !!queued);
  const box = $("break-state");
  box.dataset.state = onBreak ? "on" : queued ? "queued" : (info && info.state) || "none";
  if (onBreak) {
    const until = info && info.until;
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
export function takeBreak(fromServer) {
  if (fromServer) { state.breakInfo = fromServer; return; }
  if (!state.breakInfo || state.breakInfo.state !== "refused") { state.breakInfo = null; }
}

export function toggleBreak() {
  const path = "/api/v1/counters/" + encodeURIComponent(state.counter);
  const queued = state.breakInfo && state.breakInfo.state === "queued";
  if (state.counterState === "break" || queued) {
    run(api("POST", path + "/resume", {}).then((data) => {
      const info = (data && data["break"]) || {};
      state.breakInfo = null;
      say(breakMessage(info) || t(info.state === "cancelled" ? "break_cancelled" : "resumed"), "ok");
      return refresh();
    }).then(loadPlan));
    return;
  }
  $("break-dialog").showModal();
}

export function requestBreak(minutes) {
  $("break-dialog").close();
  const path = "/api/v1/counters/" + encodeURIComponent(state.counter) + "/break";
  run(api("POST", path, { minutes: minutes }).then((data) => {
    const info = (data && data["break"]) || {};
    state.breakInfo = info;
    const key = { granted: "break_granted", queued: "break_queued", refused: "break_refused" }[info.state];
    say(breakMessage(info) || (key ? t(key, { u: clock(info.until) }) : ""),
      info.state === "refused" ? "error" : info.state === "queued" ? "warn" : "ok");
    return refresh();
  }, (error) => {
    if (error instanceof ApiError && (error.status === 404 || error.status === 405)) {
      say(t("break_missing"), "error");
      return;
    }
    throw error;
  }).then(() => { renderBreak(); loadPlan(); }));
}

export function loadPlan() {
  const body = $("plan-body");
  api("GET", "/api/v1/rotation-plan").then((data) => {
    body.textContent = "";
    const plan = (data && data.rotation_plan) || {};
    const rows = plan.entries || [];
    if (!rows.length) {
      const why = (plan.problem && plan.problem.reason) || plan.note || t("plan_empty");
      body.textContent = why;
      return;
    }
    const list = el("ol");
    rows.forEach((entry) => {
      list.appendChild(el("li", entry.counter === state.counter ? "mine" : null,
        clock(entry.start) + "–" + clock(entry.end) + "  " + counterLabel(entry.counter)));
    });
    body.appendChild(list);
  }).catch((error) => {
    body.textContent = error && error.status === 404 ? t("plan_missing") :
      (error && error.message) || t("error");
  });
}
