/**
 * The one rule for credentials inside URLs (user:password, `?token=`, `?api_key=`, signed URLs):
 * settings records drop them, and every text that leaves the process (an error, a run record, a
 * `--json` line, an export, a trace) masks them. Here, at the bottom of the layers, so that every
 * layer applies the same rule; it imports nothing.
 */

/** Query parameter names that carry a credential. */
export const SECRET_PARAM = /token|key|secret|pass|auth|sig|credential/i;

/**
 * The URL as it may be stored: without user:password and without query parameters that look like
 * credentials. Settings live as long as the thread; a secret written there would outlive its
 * rotation and travel with every copy of the database.
 */
export function urlWithoutSecrets(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return value.replace(/\/\/[^/@]*@/, "//");
  }
  url.username = "";
  url.password = "";
  for (const name of [...url.searchParams.keys()]) if (SECRET_PARAM.test(name)) url.searchParams.delete(name);
  return url.toString();
}

export const MASK = "***";

/** `scheme://userinfo@`: the userinfo ends at the first `/`, `?`, `#` or space (or a JSON escape). */
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#@'"<>\\]+)@/gi;
/**
 * `?name=value` or `&name=value` anywhere in a text; the value ends where a URL or a sentence would,
 * or at a backslash (a JSON or Python escape, which must survive). Names are URL parameter names only,
 * so `data:image/png;base64,…=` (a `;` then base64) is never taken for one.
 */
const PARAM = /([?&;])([\w.%[\]-]+)=([^\s&#'"<>)\]\\]*)/g;

/**
 * The text with every credential inside a URL masked: `user:pass@` becomes `user:***@` (the user
 * names whose account, as Postgres messages need), a lone `token@` becomes `***@`, and a
 * credential-like query parameter keeps its name (`?token=***`). A text without one is returned as it is.
 */
export function redactSecrets(text: string): string {
  if (!text.includes("@") && !text.includes("=")) return text;
  return text
    .replace(USERINFO, (_all, scheme: string, info: string) => {
      const colon = info.indexOf(":");
      return `${scheme}${colon < 0 ? MASK : `${info.slice(0, colon)}:${MASK}`}@`;
    })
    .replace(PARAM, (all, sep: string, name: string, value: string) => (value && value !== MASK && SECRET_PARAM.test(safeDecode(name)) ? `${sep}${name}=${MASK}` : all));
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * Every string inside a JSON-like value redacted (exports, traces): the same shape back, objects
 * and arrays copied only where something changed.
 */
export function redactDeep<T>(value: T): T {
  if (typeof value === "string") return redactSecrets(value) as T;
  if (Array.isArray(value)) {
    const out = value.map((v) => redactDeep(v));
    return (out.some((v, i) => v !== value[i]) ? out : value) as T;
  }
  // A class instance that serializes itself (a LangChain message in a trace) is redacted as it will
  // be sent: its JSON form, kept only where something changed.
  if (value && typeof value === "object" && typeof (value as { toJSON?: unknown }).toJSON === "function") {
    const json = (value as unknown as { toJSON: () => unknown }).toJSON();
    const redacted = redactDeep(json);
    return (redacted !== json ? redacted : value) as T;
  }
  if (value && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    let changed = false;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = redactDeep(v);
      changed ||= out[k] !== v;
    }
    return (changed ? out : value) as T;
  }
  return value;
}
