// Kiln's HTTP API as the page uses it: JSON in and out, ProblemDetails turned into errors with a sentence to show,
// and the access token (only when Kiln asks for one) kept in localStorage.

const tokenKey = "kiln.token";

export class ApiError extends Error {
  constructor(status, problem, fallback) {
    super(problem?.detail || problem?.title || fallback);
    this.name = "ApiError";
    this.status = status;
    this.title = problem?.title ?? null;
    this.problem = problem;
  }
}

/** Thrown when Kiln can't be reached at all (stopped, restarting, or the network is down). */
export class UnreachableError extends Error {
  constructor(cause) {
    super("Kiln can't be reached. It may be restarting; the page keeps trying.");
    this.name = "UnreachableError";
    this.cause = cause;
  }
}

export const token = {
  get: () => localStorage.getItem(tokenKey) || "",
  set: (value) => (value ? localStorage.setItem(tokenKey, value) : localStorage.removeItem(tokenKey)),
};

let askForToken = async () => false;

/** Sets how the page asks a person for the token after a 401; resolves true when one was given. */
export function onTokenNeeded(ask) {
  askForToken = ask;
}

let asking = null;

/** Asks for the token once, however many requests are waiting for it. */
export function requestToken(reason) {
  asking ??= askForToken(reason).finally(() => (asking = null));
  return asking;
}

/** Appends ?access_token= for the requests a browser makes without our headers (WebSocket, downloads). */
export function withToken(url) {
  const value = token.get();
  if (!value) return url;
  return `${url}${url.includes("?") ? "&" : "?"}access_token=${encodeURIComponent(value)}`;
}

async function problemOf(response) {
  const type = response.headers.get("content-type") ?? "";
  if (type.includes("json")) {
    try {
      return await response.json();
    } catch {
      return null;
    }
  }
  return null;
}

/**
 * Calls the API. Resolves with the parsed JSON (or the Response when `raw`), rejects with ApiError or
 * UnreachableError. A 401 asks for the token and tries again.
 */
export async function api(path, { method = "GET", body, raw = false, signal, headers: extraHeaders = {} } = {}) {
  for (;;) {
    const headers = { accept: "application/json" };
    // A FormData body sets its own multipart content type, boundary included; a Blob carries its own type.
    const form = body instanceof FormData || body instanceof Blob;
    if (body !== undefined && !form) headers["content-type"] = "application/json";
    Object.assign(headers, extraHeaders);
    const value = token.get();
    if (value) headers.authorization = `Bearer ${value}`;
    let response;
    try {
      response = await fetch(path, { method, headers, body: body === undefined || form ? body : JSON.stringify(body), signal });
    } catch (error) {
      if (error.name === "AbortError") throw error;
      throw new UnreachableError(error);
    }
    if (response.status === 401) {
      const problem = await problemOf(response);
      // A request sent before the person gave a new token (the page sends several at once) is answered 401 after it:
      // it tries again with that token rather than asking once more.
      if (token.get() !== value) continue;
      if (await requestToken(value ? "That token was not accepted." : null)) continue;
      throw new ApiError(401, problem, "Kiln needs its access token.");
    }
    // Kiln's own 502 (a git remote it went to could not be reached) is a ProblemDetails with something to say.
    const kilnProblem = response.status === 502 && (response.headers.get("content-type") ?? "").includes("problem+json");
    if ([502, 503, 504].includes(response.status) && !kilnProblem) {
      // A proxy's answer while Kiln restarts: the same as not reaching it.
      throw new UnreachableError(new Error(`HTTP ${response.status}`));
    }
    if (!response.ok) {
      throw new ApiError(response.status, await problemOf(response), `Kiln answered ${response.status} ${response.statusText}.`);
    }
    if (raw) return response;
    if (response.status === 204) return null;
    return response.json();
  }
}

export const models = {
  list: (signal) => api("/api/models", { signal }),
};

export const projects = {
  list: (signal) => api("/api/projects", { signal }),
  get: (id, signal) => api(`/api/projects/${encodeURIComponent(id)}`, { signal }),
  status: (id, signal) => api(`/api/projects/${encodeURIComponent(id)}/status`, { signal }),
  files: (id, signal) => api(`/api/projects/${encodeURIComponent(id)}/files`, { signal }),
  file: (id, path, signal) => api(fileUrl(id, path), { raw: true, signal }),
  /** Saves a file by hand; with `etag` (from reading it) only if it has not changed since, else a 412 ApiError. */
  writeFile: (id, path, text, etag) =>
    api(fileUrl(id, path), {
      method: "PUT",
      body: new Blob([text], { type: "text/plain; charset=utf-8" }),
      headers: etag ? { "if-match": etag } : {},
      raw: true,
    }),
  generate: (prompt, projectId, files = [], model = null, mode = null) =>
    api("/api/generate", {
      method: "POST",
      body: files.length
        ? formOf(prompt, projectId, files, model, mode)
        : { prompt, ...(projectId ? { projectId } : {}), ...(model ? { model } : {}), ...(mode ? { mode } : {}) },
    }),
  cancel: (id) => api(`/api/projects/${encodeURIComponent(id)}/cancel`, { method: "POST" }),
  remove: (id) => api(`/api/projects/${encodeURIComponent(id)}`, { method: "DELETE" }),
  downloadUrl: (id) => withToken(`/api/projects/${encodeURIComponent(id)}/download`),
};

const fileUrl = (id, path) => `/api/projects/${encodeURIComponent(id)}/files/${path.split("/").map(encodeURIComponent).join("/")}`;

// A prompt with files goes as multipart/form-data: prompt, projectId, and the files in "files".
function formOf(prompt, projectId, files, model, mode) {
  const form = new FormData();
  form.append("prompt", prompt);
  if (projectId) form.append("projectId", projectId);
  if (model) form.append("model", model);
  if (mode) form.append("mode", mode);
  for (const file of files) form.append("files", file, file.name);
  return form;
}
