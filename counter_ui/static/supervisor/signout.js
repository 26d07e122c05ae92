(function () {
  "use strict";
  const button = document.getElementById("signout");
  if (!button) return;
  button.addEventListener("click", async () => {
    await fetch("/api/v1/session", {method: "DELETE", credentials: "same-origin",
                                    headers: {"X-CSRF-Token": button.dataset.csrf}});
    location.href = "/supervisor";
  });
})();
