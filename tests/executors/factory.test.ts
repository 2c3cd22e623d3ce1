import { homedir } from "node:os";
import { createExecutor } from "../../executors/factory";
import { LocalJupyterExecutor } from "../../executors/local";
import { ExecutorUnavailableError } from "../../executors/types";

describe("createExecutor", () => {
  it("auto never falls back to the unsandboxed local kernel: without Docker it fails and says how to get it", async () => {
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = `unix:///tmp/codeact-dead-docker-${process.pid}.sock`;
    try {
      const made = createExecutor({ kind: "auto" }, undefined, () => undefined);
      await expect(made).rejects.toBeInstanceOf(ExecutorUnavailableError);
      const err = (await made.catch((e: Error) => e)) as Error;
      expect(err.message).toMatch(/No Docker engine answers/);
      expect(err.message).toMatch(/dockerd|npm run setup/);
      expect(err.message).toMatch(/DOCKER_HOST/);
      // In library terms; the CLI says `--executor local` (tests/errors.test.ts).
      expect(err.message).toMatch(/`executor: "local"` setting/);
      expect(err.message).toMatch(/UNSANDBOXED/);
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
    }
  });
});

describe("LocalJupyterExecutor environment", () => {
  it("starts the kernel with a scrubbed environment and its own HOME, and always says it is unsandboxed", async () => {
    const secret = `sk-codeact-test-${process.pid}`;
    process.env.CODEACT_TEST_API_KEY = secret;
    const warnings: string[] = [];
    const ex = await createExecutor({ kind: "local" }, undefined, (line) => warnings.push(line));
    try {
      const r = await ex.execute(
        "import os, json\nprint(json.dumps({'secret': any('sk-codeact-test' in v for v in os.environ.values()), 'home': os.environ.get('HOME'), 'keys': sorted(os.environ)}))",
      );
      expect(r.status).toBe("ok");
      const seen = JSON.parse(r.stdout) as { secret: boolean; home: string; keys: string[] };
      expect(seen.secret).toBe(false);
      expect(seen.home).not.toBe(homedir());
      expect(seen.home).not.toBe(process.env.HOME);
      // Only the allowlist (plus what Python/ipykernel set for themselves).
      for (const key of seen.keys) expect(["PATH", "HOME", "LANG", "MPLBACKEND", "PYTHONUNBUFFERED", "JPY_PARENT_PID", "PYDEVD_USE_FRAME_EVAL", "LC_CTYPE", "TERM", "CLICOLOR", "PAGER", "GIT_PAGER", "FORCE_COLOR"]).toContain(key);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/NOT a sandbox/);
      expect(warnings[0]).toMatch(/\/proc/);
    } finally {
      delete process.env.CODEACT_TEST_API_KEY;
      await ex.shutdown();
    }
  });

  it("warns on start even when the caller gives no sink (stderr)", async () => {
    const write = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
    const ex = new LocalJupyterExecutor();
    try {
      await ex.start();
      expect(write.mock.calls.map((c) => String(c[0])).join("")).toMatch(/NOT a sandbox/);
    } finally {
      write.mockRestore();
      await ex.shutdown();
    }
  });
});
