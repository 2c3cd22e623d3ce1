/**
 * Whether a Python package index answers, checked before an image build with `--pip` starts: pip
 * itself retries an unreachable index for minutes before failing, deep inside a build.
 */
import { CodeActError } from "../../errors";
export function pipIndexUrl(env: NodeJS.ProcessEnv = process.env): string {
  return (env.PIP_INDEX_URL || "https://pypi.org/simple").replace(/\/+$/, "");
}

export async function checkPipIndex(env: NodeJS.ProcessEnv = process.env, timeoutMs = 8000): Promise<void> {
  const index = pipIndexUrl(env);
  try {
    // Any HTTP answer means the index is there; only a failed connection is "unreachable".
    // fetch refuses a URL with user:token in it; whether the host answers needs no credentials.
    const probe = new URL(`${index}/pip/`);
    probe.username = probe.password = "";
    await fetch(probe, { method: "HEAD", signal: AbortSignal.timeout(timeoutMs), redirect: "manual" });
  } catch (err) {
    const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
    const why = e.name === "TimeoutError" ? `no answer within ${Math.round(timeoutMs / 1000)} s` : (e.cause?.code ?? e.cause?.message ?? e.message ?? String(err));
    throw new CodeActError("sandbox", 
      `--pip needs a Python package index, and ${index} cannot be reached (${why}). Set PIP_INDEX_URL to an index this machine reaches (a local mirror), or add Debian packages instead: --with python3-<name> (apt-cache search python3-).`,
    );
  }
}
