// SKM questionnaire: POST /api/v1/tickets/{id}/survey; on the counter tablet, wait for the
// counter's next finished ticket afterwards.
import { ApiError, get, post } from "../common/api.js";
import { translator } from "../common/i18n.js";

const TEXT = {
  id: { error: "Mohon jawab semua pertanyaan (belum: ",
        failed: "Penilaian belum terkirim. Periksa koneksi lalu coba lagi." },
  en: { error: "Please answer every question (missing: ",
        failed: "The rating was not sent. Check the connection and try again." },
};

const root = document.querySelector("main.survey");
const form = document.getElementById("survey");
const thanks = document.getElementById("thanks");
const lang = root.dataset.lang === "en" ? "en" : "id";
const t = translator(TEXT, lang);
const TABLET_POLL_MS = 5000;
const TABLET_RESET_MS = 20000;

function tabletWatch(currentId) {
  // Reload when the counter finishes another ticket (bounded: one check every 5 s).
  if (root.dataset.mode !== "tablet") return;
  const code = encodeURIComponent(root.dataset.counter);
  setInterval(async () => {
    try {
      const body = await get(`/api/v1/counters/${code}/survey-ticket`, {cache: "no-store"});
      const next = body.ticket ? body.ticket.id : null;
      if (next && next !== currentId) location.reload();
    } catch { /* try again next round */ }
  }, TABLET_POLL_MS);
}

// The tablet signs in without a counter, so the officer's own counter session stays.
function wireTabletSignIn(signin) {
  signin.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(signin);
    const failed = document.getElementById("signin-error");
    try {
      await post(`/api/v1/session?lang=${lang}`, {username: data.get("username"),
                 password: data.get("password"), counter: null}, {lang: lang});
      location.reload();
      return;
    } catch (e) {
      failed.textContent = (e instanceof ApiError && e.sentence) || t("failed");
    }
    failed.hidden = false;
  });
}

function wireForm() {
  form.addEventListener("change", (event) => {
    const fieldset = event.target.closest("fieldset.question");
    if (fieldset) fieldset.classList.remove("missing");
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const error = document.getElementById("survey-error");
    error.hidden = true;
    const data = new FormData(form);
    const missing = [];
    // The visitor key proves this is the ticket's holder (from the slip's QR, or handed to
    // the signed-in counter tablet); the ticket id alone is public.
    const body = {channel: root.dataset.mode === "tablet" ? "tablet" : "phone",
                  key: form.dataset.key};
    form.querySelectorAll("fieldset.question").forEach((fieldset) => {
      const name = fieldset.dataset.field;
      const value = data.get(name);
      fieldset.classList.toggle("missing", !value);
      if (value) body[name] = Number(value); else missing.push(name.toUpperCase());
    });
    if (missing.length) {
      error.textContent = t("error") + missing.join(", ") + ").";
      error.hidden = false;
      // Visitors who asked their phone for less motion get a jump, not a glide.
      const still = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
      form.querySelector("fieldset.missing").scrollIntoView({behavior: still ? "auto" : "smooth",
                                                             block: "center"});
      return;
    }
    for (const name of ["gender", "age", "education", "occupation", "suggestion"]) {
      const value = (data.get(name) || "").trim();
      if (value) body[name] = value;
    }
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      let result;
      try {
        result = await post(`/api/v1/tickets/${encodeURIComponent(form.dataset.ticket)}/survey?lang=${lang}`,
                            body, {lang: lang});
      } catch (e) {
        // 409: this ticket was rated already; the visitor gets thanks all the same.
        if (!(e instanceof ApiError)) throw e;
        if (e.status !== 409) {
          error.textContent = e.sentence || t("failed");
          error.hidden = false;
          button.disabled = false;
          return;
        }
        result = e.body || {};
      }
      form.hidden = true;
      thanks.hidden = false;
      const response = result.response;
      // The visitor gets thanks, not a grade: a score of their own answers reads like a
      // verdict on them, and the office's index is the supervisor's business.
      if (response) {
        if (response.google_review_url) {
          document.getElementById("review-link").href = response.google_review_url;
          document.getElementById("review").hidden = false;
        }
      }
      window.scrollTo(0, 0);
      document.getElementById("thanks-title").focus();
      // The watch started with the page keeps running: the next finished ticket, or the
      // reset below, brings the tablet back to a fresh questionnaire.
      if (root.dataset.mode === "tablet") setTimeout(() => location.reload(), TABLET_RESET_MS);
    } catch {
      error.textContent = t("failed");
      error.hidden = false;
      button.disabled = false;
    }
  });
}

// One page, three uses: the tablet's sign-in, a tablet waiting for the next finished
// ticket, or the questionnaire itself (whose tablet then waits for the next one).
const signin = document.getElementById("tablet-signin");
if (signin) {
  wireTabletSignIn(signin);
} else if (!form) {
  tabletWatch(null);
} else {
  wireForm();
  tabletWatch(form.dataset.ticket);
}
