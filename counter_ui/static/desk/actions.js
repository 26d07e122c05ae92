// What the officer does (buttons, keys, a number typed in) and which of it is allowed now.
import { $ } from "../../common/dom.js";
import { renderBreak, toggleBreak } from "./breaks.js";
import { renderTicket, setTicket } from "./current.js";
import { loadQueues, renderQueues } from "./queues.js";
import { ApiError, api } from "./server.js";
import { canCall, say, state, t } from "./state.js";
import { openTransfer } from "./transfer.js";

export function run(promise) {
  state.version += 1;
  state.busy = true;
  renderButtons();
  return promise.catch((error) => {
    if (error instanceof ApiError) {
      if (error.status !== 401) { say(error.message, "error"); }
    } else {
      say(t("offline"), "error");
    }
  }).then(() => {
    state.busy = false;
    renderButtons();
    // A key pressed while the previous action was under way is done now, not lost.
    const next = state.pending;
    state.pending = null;
    if (next) { act(next); }
  });
}

export function act(action) {
  if (!state.user) { return; }
  if (state.busy) { state.pending = action; return; }
  const buttons = document.querySelector('#actions [data-action="' + action + '"]');
  if (buttons && buttons.disabled) { return; }
  if (action === "transfer") { openTransfer(); return; }
  if (action === "break") { toggleBreak(); return; }
  if (action === "call") {
    run(api("POST", "/api/v1/counters/" + encodeURIComponent(state.counter) + "/call")
      .then((data) => {
        if (!data) { say(t("nobody"), "info"); return loadQueues(); }
        say(t("called_msg", { n: data.ticket.number }), "ok");
        loadQueues().catch(() => {});
        setTicket(data.ticket);
      }));
    return;
  }
  const ticket = state.ticket;
  if (!ticket) { return; }
  const messages = { recall: "recalled_msg", start: "started_msg", finish: "finished_msg",
    "no-show": "no_show_msg", "return": "returned_msg" };
  run(api("POST", "/api/v1/tickets/" + encodeURIComponent(ticket.id) + "/" + action)
    .then((data) => {
      say(t(messages[action], { n: ticket.number }), "ok");
      const held = data.ticket.status === "called" || data.ticket.status === "serving";
      loadQueues().catch(() => {});
      setTicket(held ? data.ticket : null);
    }));
}

export function callNumber(number) {
  if (!state.user || !number) { return; }
  if (state.busy) { return; }
  run(api("POST", "/api/v1/counters/" + encodeURIComponent(state.counter) + "/call-number",
    { number: number }).then((data) => {
    $("call-number-input").value = "";
    // Back to the keyboard shortcuts (S, F, …), which an input field would swallow.
    if (document.activeElement === $("call-number-input")) { $("call-number-input").blur(); }
    say(t("called_number_msg", { n: data.ticket.number }), "ok");
    loadQueues().catch(() => {});
    setTicket(data.ticket);
  }));
}

export function renderButtons() {
  const ticket = state.ticket;
  const status = ticket ? ticket.status : null;
  const onBreak = state.counterState === "break";
  const allowed = {
    call: !ticket && !onBreak,
    recall: status === "called",
    start: status === "called",
    finish: status === "called" || status === "serving",
    "no-show": status === "called",
    "return": !!ticket,
    transfer: !!ticket,
    "break": !ticket
  };
  document.querySelectorAll("#actions [data-action]").forEach((button) => {
    button.disabled = state.busy || !allowed[button.dataset.action];
  });
  const blocked = !canCall();
  $("call-number-submit").disabled = blocked;
  document.querySelectorAll("#next-rows button.row-call").forEach((button) => {
    button.disabled = blocked;
  });
}

export function renderAll() {
  renderTicket();
  renderQueues();
  renderBreak();
  renderButtons();
}
