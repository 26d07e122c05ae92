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

boot();
