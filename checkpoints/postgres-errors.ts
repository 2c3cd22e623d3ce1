/**
 * A failure to reach or use the Postgres checkpoint store, said as one: node's `getaddrinfo
 * ENOTFOUND db` or `connect ECONNREFUSED` alone does not say that Postgres was being reached, nor
 * with which connection string (shown without its password).
 */
import { CodeActError, redactSecrets } from "../errors";

const HINT = "Check the connection string (CODEACT_POSTGRES_URL, DATABASE_URL or the one given) and that the server runs and is reachable from here.";

function where(connectionString: string): string {
  try {
    const u = new URL(connectionString);
    return `${u.hostname || "localhost"}:${u.port || "5432"}`;
  } catch {
    return "the given address";
  }
}

/** Why, in words, for the errors people meet: a wrong host, nothing listening, a login or database refused. */
function why(err: { code?: string; message?: string }, connectionString: string): string {
  const at = where(connectionString);
  switch (err.code) {
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `its host is not known (${at})`;
    case "ECONNREFUSED":
      return `nothing accepts connections at ${at}`;
    case "ETIMEDOUT":
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return `${at} cannot be reached (${err.code})`;
    case "28P01":
    case "28000":
      return `the server refused the login (${err.message})`;
    case "3D000":
      return `the server has no such database (${err.message})`;
    default:
      return err.message ?? String(err);
  }
}

/** The error as a CodeActError naming Postgres; a CodeActError already is one and passes unchanged. */
export function postgresError(err: unknown, connectionString: string): unknown {
  if (err instanceof CodeActError) return err;
  const e = (err ?? {}) as { code?: string; message?: string };
  return new CodeActError("store", `Cannot use the Postgres checkpoint store at ${redactSecrets(connectionString)}: ${why(e, connectionString)}.`, { hint: HINT, cause: err });
}
