// The holder's view of a booking. The manage token is in the URL's fragment (browsers never
// send it to the server as part of the address) and goes in the Authorization header.
import { request, url } from "../common/api.js";
import { $ } from "../common/dom.js";
import { pageLang, translator } from "../common/i18n.js";

const t = translator({ [pageLang()]: JSON.parse($("texts").textContent) }, pageLang());
const code = document.body.dataset.code;
const token = window.location.hash.slice(1);

function fail(message) { $("error").textContent = message; $("error").hidden = !message; }
function clock(iso) { return iso ? iso.slice(11, 16).replace(":", ".") : ""; }

async function call(method) {
  try {
    const data = await request(method, "/api/v1/bookings/" + encodeURIComponent(code),
      { headers: { Authorization: "Booking " + token } });
    return data.booking;
  } catch (e) {
    throw new Error(e.sentence || t("network"));
  }
}

function render(b) {
  const booked = b.status === "booked";
  $("m-code").textContent = b.code;
  $("qr").src = url("/booking/qr/" + b.code + ".svg");
  // A cancelled or expired booking's QR would only mislead at the kiosk.
  $("qr").hidden = !booked;
  $("m-service").textContent = b.service_name || b.service;
  $("m-when").textContent = b.date.split("-").reverse().join("-") + " "
    + b.start.replace(":", ".") + "–" + b.end.replace(":", ".");
  $("m-status").textContent = t("st_" + b.status);
  $("m-reason").textContent = booked ? "" : (b.reason || "");
  $("m-reason").hidden = !$("m-reason").textContent;
  $("m-window").textContent = booked
    ? t("window", { from: clock(b.checkin_from), to: clock(b.checkin_until) }) : "";
  $("cancel").hidden = !booked;
  $("booking").hidden = false;
}

$("cancel").addEventListener("click", async () => {
  if (!window.confirm(t("cancel_sure"))) return;
  try { render(await call("DELETE")); fail(""); } catch (e) { fail(e.message); }
});

if (!token) fail(t("no_token"));
else call("GET").then(render, (e) => fail(e.message));
