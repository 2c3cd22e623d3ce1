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
import { redactDeep } from "../../errors/redact";
import { HumanMessage } from "@langchain/core/messages";
import { threadView } from "../../exports/view";
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

  it("leaves base64 data URLs and JSON escapes intact", () => {
    const png = `data:image/png;base64,${Buffer.from("sig=key pass\u0000".repeat(50)).toString("base64")}`;
    expect(redactSecrets(png)).toBe(png);
    const json = JSON.stringify({ url: "http://h/?token=abc", next: 'say "hi"' });
    expect(JSON.parse(redactSecrets(json))).toEqual({ url: "http://h/?token=***", next: 'say "hi"' });
    expect(redactSecrets("<a href=\"http://h/?a=1&amp;api_key=K\">")).toBe("<a href=\"http://h/?a=1&amp;api_key=***\">");
  });

  it("redactDeep masks every string of a value (exports, traces), a message by its JSON form, and keeps what has none", () => {
    const plain = { a: ["x", { b: 1 }], c: null };
    expect(redactDeep(plain)).toBe(plain);
    expect(redactDeep({ a: ["see http://u:p4ss@h/", 2] })).toEqual({ a: ["see http://u:***@h/", 2] });
    const msg = new HumanMessage("fetch https://h/v1?access_token=T0K");
    expect(JSON.stringify(redactDeep({ messages: [[msg]] }))).not.toContain("T0K");
    const quiet = new HumanMessage("nothing here");
    expect(redactDeep(quiet)).toBe(quiet);
  });

  it("a thread's view (history, notebook, HTML) masks credentials its cells printed", () => {
    const cell = { id: "c1", code: "print(url)", outputs: [{ kind: "stream", name: "stdout", text: "https://bob:s3cret@h/x?token=abc\n" }], step: 0, attempt: 0 };
    const view = threadView({ task: "t", cells: [cell], plan: [], status: "done", answer: "at https://h/?key=K3Y" } as never, "t1");
    expect(JSON.stringify(view)).not.toMatch(/s3cret|abc|K3Y/);
  });

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
