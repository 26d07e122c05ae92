// Talking to the server: every URL is the page's base path + a path, so the same screen
// works at "/" and under a site prefix ("/s/{site}"), read once from <html data-base>.
// Answers are JSON; a refusal becomes an ApiError carrying the server's own sentence
// (already in the language the request asked for), so a screen can show it as it is.

export const base = document.documentElement.dataset.base || "";

export function url(path) { return base + path; }

// ws:// or wss:// to the same host, under the same base path.
export function wsUrl(path) {
  const scheme = location.protocol === "https:" ? "wss://" : "ws://";
  return scheme + location.host + base + path;
}

export class ApiError extends Error {
  constructor(status, body, retryAfterS) {
    const error = (body && body.error) || {};
    super(error.message || "HTTP " + status);
    this.name = "ApiError";
    this.status = status;
    this.code = error.code || "error";
    // The server's sentence, or null when it said nothing a person could read.
    this.sentence = error.message || null;
    this.error = body && body.error ? body.error : null;
    this.body = body;
    this.retryAfterS = retryAfterS;
  }
}

// request(method, path, {body, csrf, lang, headers, cache}) → the JSON answer (null for an
// empty one). Throws ApiError for a 4xx/5xx answer and the browser's TypeError when the
// server cannot be reached at all: the two are different troubles for a person.
export async function request(method, path, options) {
  const opts = options || {};
  const headers = { "Accept": "application/json",
                    "Accept-Language": opts.lang || document.documentElement.lang || "id" };
  if (opts.body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && opts.csrf) headers["X-CSRF-Token"] = opts.csrf;
  Object.assign(headers, opts.headers || {});
  const init = { method: method, headers: headers, credentials: "same-origin" };
  if (opts.body !== undefined) init.body = JSON.stringify(opts.body);
  if (opts.cache) init.cache = opts.cache;
  const response = await fetch(url(path), init);
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const retry = parseFloat(response.headers.get("Retry-After"));
    throw new ApiError(response.status, data, isFinite(retry) ? retry : null);
  }
  return data;
}

export const get = (path, options) => request("GET", path, options);
export const post = (path, body, options) => request("POST", path, { ...options, body: body });
