// Choosing the counter, signing in and out, and starting the screen.
import { $, el } from "../../common/dom.js";
import { translatePage } from "../../common/i18n.js";
import { renderAll } from "./actions.js";
import { refresh, startLive, stopLive } from "./live.js";
import { ApiError, api, loadServices, updateConn } from "./server.js";
import { COUNTER_KEY, agencyName, counterInfo, counterLabel, state, t } from "./state.js";

export function show(section) {
  ["pick", "signin", "desk"].forEach((id) => { $(id).hidden = id !== section; });
  $("who").hidden = section !== "desk";
  $("sign-out").hidden = section !== "desk";
  updateConn();
  if (section === "signin") {
    setTimeout(() => { ($("username").value ? $("password") : $("username")).focus(); }, 0);
  }
}

export function showPick() {
  const list = $("pick-list");
  list.textContent = "";
  state.counters.forEach((c) => {
    const button = el("button", "btn pick");
    button.type = "button";
    button.dataset.counter = c.code;
    button.append(el("strong", null, c.name), el("span", null,
      (c.agency ? agencyName(c.agency) + " · " : "") +
      (c.priority_only ? t("priority") + " · " : "") + c.services.join(", ")));
    button.addEventListener("click", () => {
      localStorage.setItem(COUNTER_KEY, c.code);
      state.counter = c.code;
      showSignIn(null);
    });
    list.appendChild(button);
  });
  show("pick");
}

export function showSignIn(message) {
  $("signin-counter").textContent = counterLabel(state.counter);
  const box = $("signin-message");
  box.hidden = !message;
  box.textContent = message || "";
  show("signin");
}

export function sessionLost(error) {
  if (!state.user) { return; }
  stopLive();
  state.user = null;
  state.csrf = null;
  state.ticket = null;
  // An expired session says so itself; an unknown one was most likely ended by a sign-in
  // at another counter.
  showSignIn(error && error.code === "session_expired" ? error.message : t("signed_out_elsewhere"));
}

export function enterDesk(session) {
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

export function applyLanguage() {
  translatePage(t, state.lang);
  $("lang-toggle").textContent = state.lang === "id" ? "EN" : "ID";
  // The server answers errors in the language of this cookie.
  document.cookie = "lang=" + state.lang + "; path=/; SameSite=Strict";
  if (state.user) { renderAll(); }
}

export function boot() {
  applyLanguage();
  api("GET", "/api/v1/counters").then((data) => {
    state.counters = data.counters || [];
    return loadServices().catch(() => {});
  }).then(() => {
    return api("GET", "/api/v1/session").then((session) => {
      if (session.counter) { enterDesk(session); return; }
      throw new ApiError(401, null);
    }).catch(() => {
      state.counter = localStorage.getItem(COUNTER_KEY);
      if (state.counter && counterInfo(state.counter)) { showSignIn(null); } else { showPick(); }
    });
  }).catch(() => {
    setTimeout(boot, 3000);
  });
}
