// The agent's token: pasted at sign-in, kept in sessionStorage only (gone when the tab
// closes, never put in a URL), and its claims read to know who the agent is and what it
// may do (the services verify the signature; the desk only reads the payload).

const KEY = "switchboard.desk.token";

export function loadToken() {
  return sessionStorage.getItem(KEY);
}

export function saveToken(token) {
  sessionStorage.setItem(KEY, token);
}

export function clearToken() {
  sessionStorage.removeItem(KEY);
}

/** The claims of a JWT, or throws an Error whose message the sign-in form shows. */
export function readClaims(token) {
  const parts = token.split(".");
  if (parts.length !== 3) throw new Error("That is not a token: a token has three parts separated by dots.");
  let claims;
  try {
    const base64 = parts[1].replace(/-/g, "+").replace(/_/g, "/");
    const padded = base64 + "=".repeat((4 - (base64.length % 4)) % 4);
    const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
    claims = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new Error("That token cannot be read.");
  }
  if (typeof claims.sub !== "string" || claims.sub === "") throw new Error("The token names no agent (claim sub).");
  if (typeof claims.exp === "number" && claims.exp * 1000 <= Date.now()) throw new Error("That token has expired; mint a new one.");
  const roles = Array.isArray(claims.roles) ? claims.roles : [];
  if (!roles.some((role) => ["agent", "supervisor", "admin"].includes(role))) {
    throw new Error("The desk needs a token with the role agent, supervisor or admin.");
  }
  return {
    sub: claims.sub,
    name: typeof claims.name === "string" && claims.name ? claims.name : claims.sub,
    roles,
    perms: Array.isArray(claims.perms) ? claims.perms : [],
    exp: claims.exp ?? null,
  };
}

export function hasPerm(claims, perm) {
  return claims.perms.includes(perm);
}
