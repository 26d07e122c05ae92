// Online booking on a phone: agency → service → day → time → name and phone → confirmation.
// Every URL is built from <html data-base> (common/api.js), so the page also works under
// /s/{site}/.
import { get, post, url } from "../common/api.js";
import { $, el } from "../common/dom.js";
import { pageLang, translator } from "../common/i18n.js";

const lang = pageLang();
// The words come with the page (web/booking_texts.py renders the same table).
const t = translator({ [lang]: JSON.parse($("texts").textContent) }, lang);
const catalogue = JSON.parse($("catalogue").textContent);
const chosen = { agency: null, service: null, day: null, dayLabel: "", start: null };
// One key per confirmation: a double tap or a retry after a lost answer is one booking.
let bookingKey = null;
let sending = false;

function mark(step) {
  for (const li of document.querySelectorAll(".steps li")) {
    li.classList.toggle("current", li.dataset.step === step);
    if (li.dataset.step === step) li.setAttribute("aria-current", "step");
    else li.removeAttribute("aria-current");
  }
  document.querySelector(".steps").hidden = step === "done";
}

function show(step) {
  for (const section of document.querySelectorAll(".step")) {
    section.hidden = section.id !== "step-" + step;
  }
  mark(step);
  const heading = document.querySelector("#step-" + step + " h2");
  if (heading) { heading.setAttribute("tabindex", "-1"); heading.focus(); }
  window.scrollTo(0, 0);
}

function fail(message) {
  $("error").textContent = message;
  $("error").hidden = !message;
}

// The server's own sentence for a refusal (already in the page's language); a TypeError
// means the phone could not reach the server at all.
async function call(action) {
  try {
    return await action();
  } catch (e) {
    throw new Error(e.sentence || t("network"));
  }
}

function serviceName(s) { return lang === "en" ? s.name_en : s.name; }
function clock(iso) { return iso ? iso.slice(11, 16).replace(":", ".") : ""; }
function hhmm(text) { return text.replace(":", "."); }

function choiceButton(label, small) {
  const button = el("button", "choice", label);
  button.type = "button";
  if (small) button.append(el("small", null, small));
  return button;
}

function pickAgency(agency) {
  chosen.agency = agency;
  $("service-list").replaceChildren(...agency.services.map((s) => {
    const choice = choiceButton(serviceName(s));
    choice.addEventListener("click", () => pickService(s));
    return choice;
  }));
  fail("");
  show("service");
}

function pickService(s) {
  chosen.service = s;
  $("chosen-service").textContent = serviceName(s);
  fail("");
  show("day");
}

document.querySelectorAll("[data-agency]").forEach((button) => {
  button.addEventListener("click", () => {
    pickAgency(catalogue.find((a) => a.code === button.dataset.agency));
  });
});

document.querySelectorAll("[data-day]").forEach((button) => {
  button.addEventListener("click", () => pickDay(button.dataset.day, button.textContent));
});

async function pickDay(day, label) {
  chosen.day = day;
  chosen.dayLabel = label;
  $("chosen-day").textContent = serviceName(chosen.service) + " · " + label;
  $("time-list").replaceChildren();
  fail("");
  try {
    const data = await call(() => get("/api/v1/slots?service="
      + encodeURIComponent(chosen.service.code) + "&date=" + day));
    $("time-list").replaceChildren(...data.slots.map((slot) => {
      const choice = el("button", "choice time");
      choice.type = "button";
      choice.append(el("span", "clock", hhmm(slot.start)),
        el("small", null, slot.left > 0 ? t("left", { n: slot.left }) : t("full")));
      choice.disabled = slot.left <= 0;
      choice.addEventListener("click", () => pickTime(slot));
      return choice;
    }));
    $("no-times").hidden = data.slots.some((s) => s.left > 0);
    show("time");
  } catch (e) {
    fail(e.message);
  }
}

function pickTime(slot) {
  chosen.start = slot.start;
  bookingKey = null;
  $("chosen-all").textContent = serviceName(chosen.service) + " · " + chosen.dayLabel + " · "
    + hhmm(slot.start) + "–" + hhmm(slot.end);
  fail("");
  show("you");
  $("name").focus();
}

document.querySelectorAll("[data-back]").forEach((button) => {
  button.addEventListener("click", () => { fail(""); show(button.dataset.back); });
});

$("you-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  if (sending) return;
  sending = true;
  fail("");
  $("confirm").disabled = true;
  bookingKey = bookingKey || ("bk-" + Date.now().toString(36) + "-"
    + Math.random().toString(36).slice(2, 12));
  try {
    // The WhatsApp box is on the page only when the office has a WhatsApp number.
    const whatsapp = document.getElementById("whatsapp");
    const data = await call(() => post("/api/v1/bookings", {
      service: chosen.service.code, date: chosen.day, start: chosen.start,
      name: $("name").value, phone: $("phone").value,
      ...(whatsapp ? { whatsapp: whatsapp.checked } : {}),
    }, { headers: { "Idempotency-Key": bookingKey } }));
    done(data.booking);
  } catch (e) {
    fail(e.message);
    $(/HP|phone/i.test(e.message) ? "phone" : "name").focus();
  } finally {
    sending = false;
    $("confirm").disabled = false;
  }
});

function done(booking) {
  $("code").textContent = booking.code;
  $("qr").src = url("/booking/qr/" + booking.code + ".svg");
  $("done-when").textContent = (booking.service_name || "") + " · " + chosen.dayLabel + " · "
    + hhmm(booking.start);
  $("done-window").textContent = t("window",
    { from: clock(booking.checkin_from), to: clock(booking.checkin_until) });
  const standard = booking.standard || {};
  $("done-requirements").replaceChildren(
    ...(standard.persyaratan || []).map((item) => el("li", null, item)));
  $("done-cost").textContent = standard.biaya ? t("cost") + ": " + standard.biaya : "";
  if (booking.manage_url) {
    const manage = new URL(booking.manage_url, window.location.href);
    $("manage-link").href = url(manage.pathname.replace(/^.*(\/booking\/manage\/)/, "$1"))
      + manage.hash;
  }
  show("done");
}

mark("agency");
// A link may name the service (/booking?service=KTP, e.g. from the office's WhatsApp).
const wanted = new URLSearchParams(window.location.search).get("service");
const home = catalogue.find((a) => a.services.some((s) => s.code === wanted));
if (home) {
  pickAgency(home);
  pickService(home.services.find((s) => s.code === wanted));
}
