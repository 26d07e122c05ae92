// The counter screen's state, its words, and the small lookups every part of it uses.
import { $ } from "../../common/dom.js";
import { translator } from "../../common/i18n.js";
import { TEXT } from "./strings.js";

export const POLL_MS = 5000;
export const COUNTER_KEY = "loket.counter";
export const LANG_KEY = "loket.lang";

export const state = {
  lang: localStorage.getItem(LANG_KEY) || document.body.dataset.lang || "id",
  counters: [], counter: null, csrf: null, user: null,
  ticket: null, counterState: "closed", counterSince: null,
  queues: null, queuesAt: 0, services: null, busy: false, lastSeq: null,
  pollTimer: null, refreshTimer: null, offline: false, breakInfo: null, pending: null, version: 0,
  skewMs: 0
};

export const t = translator(TEXT, () => state.lang);

export function counterInfo(code) {
  return state.counters.find((c) => c.code === code) || null;
}

export function agencyName(code) {
  const agencies = (state.services && state.services.agencies) || [];
  const agency = agencies.find((a) => a.code === code);
  if (agency) { return agency.short_name || agency.name; }
  return code || "";
}

export function counterLabel(code) {
  const info = counterInfo(code);
  if (!info) { return code || ""; }
  return info.agency ? info.name + " · " + agencyName(info.agency) : info.name;
}

export function counterName(code) {
  const info = counterInfo(code);
  return info ? info.name : code;
}

export function priorityName(code) {
  const list = (state.services && state.services.priority_categories) || [];
  const category = list.find((c) => c.code === code);
  if (category) { return state.lang === "en" ? category.name_en : category.name; }
  return code;
}

export function clock(iso) { return iso ? iso.substring(11, 16).replace(":", ".") : ""; }

// Times from the server (its clock may differ from this PC's, and in a demo it is set to
// a working morning), so elapsed times are measured against the server's "now".
export function parseTime(iso) { return iso ? Date.parse(String(iso).replace(/(\.\d{3})\d+/, "$1")) : NaN; }

export function learnServerTime(iso) {
  const at = parseTime(iso);
  if (!isNaN(at)) { state.skewMs = at - Date.now(); }
}

export function serverNow() { return Date.now() + state.skewMs; }

export function clockFigure(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  const two = (n) => (n < 10 ? "0" : "") + n;
  return h ? h + ":" + two(m) + ":" + two(r) : m + ":" + two(r);
}

export function duration(seconds) {
  const m = Math.max(0, Math.floor(seconds / 60));
  if (m >= 60) { return t("hours", { h: Math.floor(m / 60), m: m % 60 }); }
  return t("minutes", { m: m });
}

export function serviceName(code) {
  const service = allServices().find((s) => s.code === code);
  if (service) { return state.lang === "en" && service.name_en ? service.name_en : service.name; }
  return code;
}

export function allServices() {
  const out = [];
  ((state.services && state.services.agencies) || []).forEach((agency) => {
    agency.services.forEach((s) => {
      out.push({ code: s.code, name: s.name, name_en: s.name_en, agency: agency.short_name || agency.name,
        waiting: s.waiting });
    });
  });
  return out;
}

export function say(text, kind) {
  const box = $("message");
  box.hidden = !text;
  box.textContent = text || "";
  box.className = "message " + (kind || "");
}

export function canCall() {
  return !!state.user && !state.ticket && state.counterState === "open" && !state.busy;
}
