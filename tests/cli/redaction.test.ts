/**
 * Credentials inside URLs (user:password, `?api_key=`, `?token=`, a token in PIP_INDEX_URL) never
 * leave the process: not in what is printed, not in `--json`, not in the store (run records,
 * settings, checkpoints), not in what later commands show.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CodeActError, redactSecrets } from "../../errors";
import { checkPipIndex } from "../../executors/image/pip-index";
import { codeact, trajectory } from "./helpers";

/** A port nothing listens on: taken from the OS, then released. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

describe("redactSecrets", () => {
  it.each([
    ["http://user:pa55word@host/v1", "http://user:***@host/v1"],
    ["postgres://codeact:hunter2@db.example:5432/x", "postgres://codeact:***@db.example:5432/x"],
    ["https://ghp_abcdef123@github.com/x.git", "https://***@github.com/x.git"],
    ["at http://h:1/v1?api_key=SEKRIT&model=x.", "at http://h:1/v1?api_key=***&model=x."],
    ["(http://h/?token=abc%2Fdef)", "(http://h/?token=***)"],
    ["http://h/?x=1&X-Amz-Signature=ff00&access_token=t", "http://h/?x=1&X-Amz-Signature=***&access_token=***"],
    ["nothing to hide: http://h/v1?model=gpt and a@b.c", "nothing to hide: http://h/v1?model=gpt and a@b.c"],
  ])("%s", (text, want) => expect(redactSecrets(text)).toBe(want));

  it("a CodeActError's text (problem, hint, message) is redacted however it was built", () => {
    const e = new CodeActError("model", "Could not reach http://u:p4ss@h/v1?key=K3Y.", { hint: "check https://t0ken@h/" });
    expect([e.problem, e.hint, e.message].join(" ")).not.toMatch(/p4ss|K3Y|t0ken/);
  });
});

describe("credentials inside URLs, through the CLI", () => {
  let home: string;
  beforeAll(() => void (home = mkdtempSync(join(tmpdir(), "codeact-redact-"))));
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  /** Every byte the store and the home folder hold. */
  const stored = () =>
    readdirSync(home)
      .map((f) => readFileSync(join(home, f)).toString("latin1"))
      .join("\n");

  it("a failed run prints, records and lists the error without the URL's credentials", async () => {
    const port = await deadPort();
    writeFileSync(join(home, "t.json"), trajectory(["print(1)"]));
    const secrets = ["pa55word", "SEKRIT1", "SEKRIT2", "SEKRIT3"];
    const runs = [
      ["run", "hi", "--thread", "a", "--executor", "docker", "--base-url", `http://user:pa55word@127.0.0.1:${port}/v1`],
      ["run", "hi", "--thread", "b", "--executor", "docker", "--json", "--base-url", `http://127.0.0.1:${port}/v1?api_key=SEKRIT1`],
      ["run", "hi", "--thread", "c", "--scripted", join(home, "t.json"), "--executor", "remote", "--remote-url", `http://127.0.0.1:${port}/?token=SEKRIT2`],
    ];
    for (const args of runs) {
      const r = await codeact(args, { CODEACT_HOME: home, OPENAI_API_KEY: "sk-test" });
      expect({ args, failed: r.code !== 0 }).toEqual({ args, failed: true });
      // It still says what failed, with the URL it could not reach.
      expect(r.stderr + r.stdout).toContain(`127.0.0.1:${port}`);
      for (const s of secrets) expect({ args, leaked: (r.stderr + r.stdout).includes(s) }).toEqual({ args, leaked: false });
    }
    const pip = await codeact(["image", "build", "--pip", "tabulate==0.9.0"], { CODEACT_HOME: home, PIP_INDEX_URL: `http://__token__:SEKRIT3@127.0.0.1:${port}/simple` });
    expect(pip.stderr).toContain("--pip needs a Python package index");
    expect(pip.stderr).not.toContain("SEKRIT3");

    for (const args of [["threads", "--json"], ["threads"], ["history", "a"], ["settings", "b"], ["settings", "c", "--json"]]) {
      const r = await codeact(args, { CODEACT_HOME: home });
      for (const s of secrets) expect({ args, leaked: (r.stderr + r.stdout).includes(s) }).toEqual({ args, leaked: false });
    }
    const listed = JSON.parse((await codeact(["threads", "--json"], { CODEACT_HOME: home })).stdout) as { threadId: string; detail: string }[];
    expect(listed.map((t) => t.threadId).sort()).toEqual(["a", "b", "c"]);
    expect(listed.find((t) => t.threadId === "b")!.detail).toContain("api_key=***");
    for (const s of secrets) expect({ s, inStore: stored().includes(s) }).toEqual({ s, inStore: false });
  }, 180_000);
});

describe("a Python index with credentials in PIP_INDEX_URL", () => {
  it("is checked for reachability (fetch refuses credentials in a URL: the probe goes without them)", async () => {
    const server = createHttpServer((_req, res) => res.end("ok"));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const { port } = server.address() as { port: number };
      await expect(checkPipIndex({ PIP_INDEX_URL: `http://__token__:SEKRIT3@127.0.0.1:${port}/simple` })).resolves.toBeUndefined();
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
