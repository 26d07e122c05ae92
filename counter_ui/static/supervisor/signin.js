// Supervisor sign-in: POST /api/v1/session (no counter), then reload to the dashboard.
(function () {
  "use strict";
  const form = document.getElementById("signin");
  const error = document.getElementById("signin-error");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.hidden = true;
    const data = new FormData(form);
    try {
      const answer = await fetch("/api/v1/session", {
        method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json"},
        body: JSON.stringify({username: data.get("username"), password: data.get("password"),
                              counter: null}),
      });
      if (answer.ok) { location.reload(); return; }
      const body = await answer.json().catch(() => ({}));
      error.textContent = (body.error && body.error.message) || answer.statusText;
    } catch (e) {
      error.textContent = String(e);
    }
    error.hidden = false;
  });
})();
