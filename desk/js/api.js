// The API client: every request of the desk goes through here, to the gateway's own
// origin, with the bearer token. Errors come back as ApiError carrying the problem's
// stable `code` (RFC 9457), which the panels branch on; a 401 anywhere signs the agent out.

export class ApiError extends Error {
  constructor(status, code, detail, problem = null) {
    super(detail || `Request failed (${status})`);
    this.status = status;
    this.code = code || "error";
    this.detail = detail || "";
    this.problem = problem;
  }
}

function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params || {})) {
    if (value !== undefined && value !== null && value !== "") search.set(key, value);
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

/**
 * createApi({getToken, onUnauthorized}) → {get, post, put, patch, del, blob}.
 * onUnauthorized(message) is called once per 401 (the token expired or was refused).
 */
export function createApi({ getToken, onUnauthorized }) {
  async function send(method, path, { params, body, raw = false } = {}) {
    const headers = { Accept: raw ? "*/*" : "application/json" };
    const token = getToken();
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch(path + query(params), {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: "no-store",
        credentials: "omit",
      });
    } catch {
      throw new ApiError(0, "network", "The gateway cannot be reached. Check your connection and try again.");
    }
    if (response.status === 401) {
      onUnauthorized("Your token was refused or has expired. Sign in again with a fresh token.");
      throw new ApiError(401, "unauthorized", "Signed out: the token was refused.");
    }
    if (!response.ok) throw await problemOf(response);
    if (raw) return response.blob();
    if (response.status === 204) return null;
    const text = await response.text();
    return text ? JSON.parse(text) : null;
  }

  return {
    get: (path, params) => send("GET", path, { params }),
    post: (path, body, params) => send("POST", path, { body, params }),
    put: (path, body) => send("PUT", path, { body }),
    patch: (path, body) => send("PATCH", path, { body }),
    del: (path) => send("DELETE", path),
    blob: (path, params) => send("GET", path, { params, raw: true }),
  };
}

async function problemOf(response) {
  let problem = null;
  try {
    problem = await response.json();
  } catch {
    /* not JSON: a proxy's page */
  }
  const detail = problem?.detail || problem?.title || `The server answered ${response.status}.`;
  return new ApiError(response.status, problem?.code, detail, problem);
}

/** Path segment escaping for ids and E.164 numbers (`+` must travel as %2B). */
export function seg(value) {
  return encodeURIComponent(value);
}
