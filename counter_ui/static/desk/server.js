// Talking to the server: the shared API client, with this screen's session (CSRF token),
// its connection badge, and a lost session sending the officer back to sign in.
import { ApiError, request } from "../../common/api.js";
import { $ } from "../../common/dom.js";
import { sessionLost } from "./signin.js";
import { state, t } from "./state.js";

export { ApiError };

export function api(method, path, body) {
  return request(method, path, { body: body, csrf: state.csrf, lang: state.lang }).then((data) => {
    setOffline(false);
    return data;
  }, (error) => {
    if (!(error instanceof ApiError)) {
      setOffline(true);
      throw error;
    }
    setOffline(false);
    if (!error.sentence) { error.message = t("error"); }
    if (error.status === 401 && path !== "/api/v1/session") { sessionLost(error); }
    throw error;
  });
}

export function setOffline(offline) {
  if (state.offline === offline) { return; }
  state.offline = offline;
  $("offline").hidden = !offline;
  updateConn();
}

export function updateConn() {
  const conn = $("conn");
  conn.hidden = !state.user;
  conn.className = "conn " + (state.offline ? "down" : "up");
  conn.textContent = state.offline ? "Offline" : t("online");
}

export function loadServices() {
  return api("GET", "/api/v1/services").then((data) => { state.services = data; });
}
