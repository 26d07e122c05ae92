// Admin pages: every form is sent as JSON to the admin API with the session's CSRF token and
// the configuration version the page was drawn from (If-Match), so two administrators never
// overwrite each other silently. On success the page is drawn again from the new version;
// on refusal the findings of the site check are listed next to the form.
(function () {
  "use strict";
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

  function showError(box, answer, payload) {
    const error = (payload && payload.error) || {};
    box.replaceChildren();
    const head = document.createElement("p");
    head.textContent = error.message || answer.statusText || String(answer);
    box.append(head);
    const list = error.findings || [];
    if (list.length) {
      const ul = document.createElement("ul");
      list.forEach((f) => {
        const li = document.createElement("li");
        const code = document.createElement("code");
        code.textContent = f.path;
        li.append(code, " " + (en ? f.message.en : f.message.id));
        ul.append(li);
      });
      box.append(ul);
    }
    (error.changes || []).forEach((c) => {
      const p = document.createElement("p");
      p.textContent = `${c.at} · ${c.user || "CLI"} · ${c.action} ${c.target}`;
      box.append(p);
    });
    box.hidden = false;
  }

  async function send(method, url, data, box) {
    const headers = {"X-CSRF-Token": csrf, "If-Match": `"${version}"`};
    const init = {method, credentials: "same-origin", headers};
    if (data !== null) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(data);
    }
    try {
      const answer = await fetch(url, init);
      if (answer.ok) { location.reload(); return; }
      showError(box, answer, await answer.json().catch(() => null));
    } catch (e) {
      showError(box, e, null);
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
})();
