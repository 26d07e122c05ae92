// Supervisor (and administrator) sign-in: POST /api/v1/session (no counter), then reload.
import { ApiError, post } from "../common/api.js";

const form = document.getElementById("signin");
const error = document.getElementById("signin-error");
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  error.hidden = true;
  const data = new FormData(form);
  try {
    await post("/api/v1/session", { username: data.get("username"),
                                    password: data.get("password"), counter: null });
    location.reload();
    return;
  } catch (e) {
    error.textContent = e instanceof ApiError ? e.message : String(e);
  }
  error.hidden = false;
});
