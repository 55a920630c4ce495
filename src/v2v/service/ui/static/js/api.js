// The only way the UI talks to the server: the public HTTP API under /api/v1.
// Every request carries the API key (when one was given) and, when it changes state, the CSRF
// token. 401 asks the person for a key once (kept in sessionStorage for this tab), a stale CSRF
// token is renewed once, and 429 waits the Retry-After the server names.

const KEY_STORE = "v2v.apiKey";
const MAX_WAIT_S = 30;

export class ApiError extends Error {
  constructor(status, code, detail, correlationId) {
    super(detail);
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.correlationId = correlationId;
  }
}

const hooks = {
  // replaced by the app: resolve with a key, or null when the person cancels
  askForKey: async () => null,
  onWait: () => {},
};

let csrfToken = null;

export function setHooks(values) {
  Object.assign(hooks, values);
}

export function apiKey() {
  return sessionStorage.getItem(KEY_STORE);
}

export function setApiKey(key) {
  if (key) sessionStorage.setItem(KEY_STORE, key.trim());
  else sessionStorage.removeItem(KEY_STORE);
  document.dispatchEvent(new CustomEvent("v2v:key"));
}

async function csrf(renew = false) {
  if (csrfToken && !renew) return csrfToken;
  const response = await fetch("/api/v1/csrf-token", { credentials: "same-origin" });
  if (!response.ok) throw await problem(response);
  csrfToken = (await response.json()).token;
  return csrfToken;
}

async function problem(response) {
  let body = {};
  try {
    body = await response.json();
  } catch {
    body = {};
  }
  const detail = body.detail || `the server answered ${response.status} ${response.statusText}`;
  return new ApiError(response.status, body.code || `http_${response.status}`, detail, body.correlation_id);
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Send one request. `body` is FormData, a plain object (sent as JSON) or undefined.
 * Returns the fetch Response (2xx only); throws ApiError with the server's detail otherwise.
 */
export async function request(method, url, body) {
  const unsafe = method !== "GET" && method !== "HEAD";
  let renewedCsrf = false;
  let askedForKey = 0;
  for (let attempt = 0; attempt < 8; attempt += 1) {
    const headers = {};
    const key = apiKey();
    if (key) headers["X-API-Key"] = key;
    let payload = body;
    if (unsafe) {
      const token = await csrf();
      headers["X-CSRF-Token"] = token;
      if (body instanceof FormData) {
        payload = new FormData();
        for (const [name, value] of body.entries()) payload.append(name, value);
        payload.set("csrf_token", token);
      }
    }
    if (payload && !(payload instanceof FormData)) {
      headers["Content-Type"] = "application/json";
      payload = JSON.stringify(payload);
    }
    const response = await fetch(url, { method, headers, body: payload, credentials: "same-origin" });
    if (response.ok) return response;
    const error = await problem(response);
    if (response.status === 401 && askedForKey < 3) {
      askedForKey += 1;
      const given = await hooks.askForKey(error);
      if (!given) throw error;
      setApiKey(given);
      continue;
    }
    if (error.code === "csrf_failed" && !renewedCsrf) {
      renewedCsrf = true;
      await csrf(true);
      continue;
    }
    if (response.status === 429) {
      const wait = Math.min(MAX_WAIT_S, Number(response.headers.get("Retry-After")) || 2);
      hooks.onWait(wait);
      await sleep(wait * 1000);
      continue;
    }
    throw error;
  }
  throw new ApiError(0, "gave_up", "the server kept refusing the request; try again later");
}

/** Today's status names for a job document (or a list of them) that a server running with
 * STATUS_NAMES=original sent in the original's vocabulary (docs/compatibility.md). */
const TODAY = { pending: "queued", processing: "running", completed: "succeeded" };
function todaysNames(body) {
  if (body && Array.isArray(body.items)) body.items.forEach(todaysNames);
  if (body && typeof body === "object" && "job_id" in body && body.status in TODAY) body.status = TODAY[body.status];
  return body;
}

export async function getJSON(url) {
  return todaysNames(await (await request("GET", url)).json());
}

export async function getBlob(url) {
  return (await request("GET", url)).blob();
}

export async function getText(url) {
  return (await request("GET", url)).text();
}

export async function post(url, body) {
  const response = await request("POST", url, body);
  return response.status === 204 ? null : todaysNames(await response.json());
}

export async function del(url) {
  await request("DELETE", url);
}

/** Public, never behind a key: liveness and readiness. */
export async function ready() {
  const response = await fetch("/ready");
  return response.json();
}

let capabilitiesPromise = null;

/** What the server can do (backends, options, limits); fetched once per page load. */
export function capabilities(refresh = false) {
  if (!capabilitiesPromise || refresh) {
    capabilitiesPromise = getJSON("/api/v1/capabilities").catch((err) => {
      capabilitiesPromise = null;
      throw err;
    });
  }
  return capabilitiesPromise;
}

let palettesPromise = null;

export function palettes() {
  if (!palettesPromise) {
    palettesPromise = getJSON("/api/v1/palettes").catch((err) => {
      palettesPromise = null;
      throw err;
    });
  }
  return palettesPromise;
}

/** Plain words for the error codes a job or request can end with. */
export const ERROR_TITLES = {
  input_error: "The photo could not be used",
  config_error: "An option has a value the pipeline does not accept",
  backend_unavailable: "A backend this run needs is not available on the server",
  weights_missing: "Model weights are missing on the server",
  stage_failed: "A phase of the pipeline failed",
  quality_check_failed: "The result failed the quality checks",
  cancelled: "The job was cancelled",
  timeout: "The job took too long and was stopped",
  worker_lost: "The worker running this job stopped unexpectedly",
  input_missing: "The uploaded photo is gone",
  internal_error: "Something went wrong on the server",
  out_of_memory: "The server ran out of memory",
};

export function errorTitle(code) {
  return ERROR_TITLES[code] || "The job did not finish";
}
