// Sign out of the supervisor pages, then back to their sign-in.
import { ApiError, request, url } from "../common/api.js";

const button = document.getElementById("signout");
if (button) {
  button.addEventListener("click", async () => {
    try {
      await request("DELETE", "/api/v1/session", { csrf: button.dataset.csrf });
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;  // unreachable server: stay, nothing happened
    }
    location.href = url("/supervisor");
  });
}
