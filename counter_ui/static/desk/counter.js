// The officer's counter screen: sign in, pick the counter, call and serve tickets.
// Everything goes through the JSON API; writes carry the session's CSRF token. The parts:
// state.js (state, words, lookups), server.js (API), signin.js (counter choice, sign-in,
// start), current.js (the ticket at the counter), queues.js (who waits), actions.js (what
// the officer does), breaks.js, transfer.js, live.js (live socket and polling).
import { $ } from "../../common/dom.js";
import { act, callNumber } from "./actions.js";
import { loadPlan, requestBreak } from "./breaks.js";
import { renderTimer } from "./current.js";
import { ApiError, api } from "./server.js";
import { applyLanguage, boot, enterDesk, showPick, showSignIn } from "./signin.js";
import { stopLive } from "./live.js";
import { LANG_KEY, state, t } from "./state.js";
import { renderTransferList } from "./transfer.js";

// --- keyboard -------------------------------------------------------------------------

const KEYS = { " ": "call", "F1": "call", "r": "recall", "s": "start", "f": "finish",
  "n": "no-show", "k": "return", "a": "transfer", "i": "break" };

document.addEventListener("keydown", (event) => {
  if ($("desk").hidden || event.ctrlKey || event.altKey || event.metaKey) { return; }
  if ($("transfer-dialog").open || $("break-dialog").open) { return; }
  const target = event.target;
  if (target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" ||
                 target.tagName === "SELECT")) { return; }
  const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
  const action = KEYS[key];
  if (!action) { return; }
  // Space on a focused button would click it as well; the shortcut alone must act.
  event.preventDefault();
  act(action);
});

// --- wiring ---------------------------------------------------------------------------

document.querySelectorAll("#actions [data-action]").forEach((button) => {
  button.addEventListener("click", () => { act(button.dataset.action); });
});

$("call-number-form").addEventListener("submit", (event) => {
  event.preventDefault();
  callNumber($("call-number-input").value.trim());
});
setInterval(renderTimer, 1000);

$("transfer-search").addEventListener("input", renderTransferList);
$("transfer-search").addEventListener("keydown", (event) => {
  if (event.key === "Enter") {
    event.preventDefault();
    const first = document.querySelector("#transfer-list button.choice");
    if (first) { first.click(); }
  }
});
$("transfer-cancel").addEventListener("click", () => { $("transfer-dialog").close(); });
$("break-cancel").addEventListener("click", () => { $("break-dialog").close(); });
document.querySelectorAll("#break-dialog [data-minutes]").forEach((button) => {
  button.addEventListener("click", () => { requestBreak(Number(button.dataset.minutes)); });
});
$("plan").addEventListener("toggle", () => { if ($("plan").open) { loadPlan(); } });

$("change-counter").addEventListener("click", showPick);
$("lang-toggle").addEventListener("click", () => {
  state.lang = state.lang === "id" ? "en" : "id";
  localStorage.setItem(LANG_KEY, state.lang);
  applyLanguage();
});

$("signin-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const submit = $("signin-submit");
  submit.disabled = true;
  api("POST", "/api/v1/session", {
    username: $("username").value.trim(), password: $("password").value, counter: state.counter
  }).then((data) => {
    $("password").value = "";
    enterDesk(data);
  }).catch((error) => {
    showSignIn(error instanceof ApiError ? error.message : t("offline"));
  }).then(() => { submit.disabled = false; });
});

$("sign-out").addEventListener("click", () => {
  api("DELETE", "/api/v1/session").catch(() => {}).then(() => {
    stopLive();
    state.user = null;
    state.csrf = null;
    state.ticket = null;
    showSignIn(null);
  });
});

boot();
