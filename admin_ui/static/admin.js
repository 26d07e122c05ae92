// Admin pages: every form is sent as JSON to the admin API with the session's CSRF token and
// the configuration version the page was drawn from (If-Match), so two administrators never
// overwrite each other silently. On success the page is drawn again from the new version;
// on refusal the findings of the site check are listed next to the form.
import { ApiError, request } from "../common/api.js";
import { el } from "../common/dom.js";

const body = document.body;
const csrf = body.dataset.csrf;
const version = body.dataset.version;
const en = document.documentElement.lang === "en";

function value(field) {
  const kind = field.dataset.kind || "text";
  if (kind === "bool") return field.checked;
  const raw = field.value.trim();
  if (kind === "int") return raw === "" ? null : Number(raw);
  if (kind === "lines") return raw === "" ? [] : raw.split("\n").map((s) => s.trim()).filter(Boolean);
  if (kind === "nullable") return raw === "" ? null : raw;
  if (kind === "optional" && raw === "") return undefined;
  return raw;
}

function collect(form) {
  const data = {};
  form.querySelectorAll("[data-field]").forEach((field) => {
    const name = field.dataset.field;
    if (field.dataset.kind === "check") {
      data[name] = data[name] || [];
      if (field.checked) data[name].push(field.value);
      return;
    }
    const v = value(field);
    if (v !== undefined) data[name] = v;
  });
  return data;
}

// error: the server's error object (sentence, findings, conflicting changes) or null.
function showError(box, sentence, error) {
  box.replaceChildren(el("p", null, sentence));
  const list = (error && error.findings) || [];
  if (list.length) {
    const ul = el("ul");
    list.forEach((f) => {
      const li = el("li");
      li.append(el("code", null, f.path), " " + (en ? f.message.en : f.message.id));
      ul.append(li);
    });
    box.append(ul);
  }
  ((error && error.changes) || []).forEach((c) => {
    box.append(el("p", null, `${c.at} · ${c.user || "CLI"} · ${c.action} ${c.target}`));
  });
  box.hidden = false;
}

async function send(method, url, data, box) {
  const options = {csrf, headers: {"If-Match": `"${version}"`}};
  if (data !== null) options.body = data;
  try {
    await request(method, url, options);
    location.reload();
  } catch (e) {
    if (e instanceof ApiError) showError(box, e.sentence || e.message, e.error);
    else showError(box, String(e), null);
  }
}

document.querySelectorAll("form[data-api]").forEach((form) => {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    let url = form.dataset.api;
    const codeField = form.querySelector("[data-code]");
    if (codeField) url += encodeURIComponent(codeField.value.trim());
    send(form.dataset.method || "PUT", url, collect(form), form.querySelector(".errors"));
  });
});

document.querySelectorAll("button[data-delete]").forEach((button) => {
  button.addEventListener("click", () => {
    if (!window.confirm(button.dataset.confirm)) return;
    send("DELETE", button.dataset.delete, null, document.getElementById("page-errors"));
  });
});
