/**
 * Input files in every executor: put with putInputs, read by the kernel's Python under
 * /workspace/inputs (docker) or inputs/ of the working folder (local, remote), refused for writing,
 * and still there after a kernel restart.
 */
import { DockerJupyterExecutor } from "../../executors/docker";
import { LocalJupyterExecutor } from "../../executors/local";
import { RemoteJupyterExecutor } from "../../executors/remote";
import type { CodeExecutor } from "../../executors/types";
import { type RunningJupyterServer, startJupyterServer } from "../helpers/jupyter-server";

const CSV = Buffer.from("city,temp\nOslo,3\nRome,18\nCairo,30\n");
const FILES = [
  { name: "data.csv", data: CSV },
  { name: "reports/2024/q1.txt", data: Buffer.from("first quarter\n") },
];

async function out(ex: CodeExecutor, code: string): Promise<string> {
  const r = await ex.execute(code);
  if (r.status !== "ok") throw new Error(`cell failed: ${r.error?.ename}: ${r.error?.evalue}\n${r.stderr}`);
  return r.stdout.trim();
}

const READ = [
  "import csv",
  "rows = list(csv.DictReader(open('inputs/data.csv')))",
  "print(sum(int(r['temp']) for r in rows), open('inputs/reports/2024/q1.txt').read().strip())",
].join("\n");

/** Each write attempt's outcome, as Python sees it. */
const TRY_WRITES = [
  "import os",
  "def attempt(f):",
  "    try:",
  "        f(); return 'wrote'",
  "    except OSError as e:",
  "        return type(e).__name__",
  "print(attempt(lambda: open('inputs/data.csv', 'a').write('x')),",
  "      attempt(lambda: open('inputs/new.txt', 'w').write('x')),",
  "      attempt(lambda: os.remove('inputs/data.csv')),",
  "      attempt(lambda: open('inputs/reports/2024/q2.txt', 'w').write('x')))",
].join("\n");

function inputsSuite(name: string, make: () => CodeExecutor, hardReadOnly: boolean, kernelIsRoot = false) {
  describe(`${name} putInputs`, () => {
    let ex: CodeExecutor;
    beforeAll(() => {
      ex = make();
    });
    afterAll(async () => {
      await ex.shutdown();
    });

    it("puts files (and folders) the kernel reads, read-only to its code", async () => {
      await ex.putInputs(FILES);
      expect(await out(ex, READ)).toBe("51 first quarter");
      // Modes say read-only everywhere; they bind unless the kernel runs as root (a local kernel started by root).
      expect(await out(ex, "import os, stat\nprint(oct(stat.S_IMODE(os.stat('inputs/data.csv').st_mode)), oct(stat.S_IMODE(os.stat('inputs/reports').st_mode)))")).toBe("0o444 0o555");
      if (!kernelIsRoot) {
        const writes = (await out(ex, TRY_WRITES)).split(" ");
        expect(writes).not.toContain("wrote");
        expect(await out(ex, "print(open('inputs/data.csv').read() == " + JSON.stringify(CSV.toString()) + ")")).toBe("True");
      }
      if (hardReadOnly) {
        // Not even a chmod helps: the folder is a read-only mount.
        expect(await out(ex, "import os\ntry:\n    os.chmod('inputs/data.csv', 0o666); print('changed')\nexcept OSError as e:\n    print(type(e).__name__)")).toMatch(/Error/);
      }
    });

    it("keeps the files through a kernel restart, and a later put adds or replaces files", async () => {
      await ex.restart();
      expect(await out(ex, READ)).toBe("51 first quarter");
      await ex.putInputs([{ name: "data.csv", data: Buffer.from("city,temp\nLima,20\n") }, { name: "more.txt", data: Buffer.from("more") }]);
      expect(await out(ex, "import csv\nprint([r['city'] for r in csv.DictReader(open('inputs/data.csv'))], open('inputs/more.txt').read())")).toBe("['Lima'] more");
    });

    it("refuses hostile names before writing anything", async () => {
      for (const bad of ["../escape.txt", "/etc/passwd", "a/../../b", "nul\u0000byte", "", "a//b", "back\\slash"]) {
        await expect(ex.putInputs([{ name: bad, data: Buffer.from("x") }])).rejects.toThrow(/refused/);
      }
      expect(await out(ex, "import os\nprint(os.path.exists('escape.txt'), os.path.exists('../escape.txt'))")).toBe("False False");
    });
  });
}

inputsSuite("docker", () => new DockerJupyterExecutor(), true);
inputsSuite("local", () => new LocalJupyterExecutor({ warn: () => undefined }), false, process.getuid?.() === 0);

describe("docker inputs path", () => {
  it("is /workspace/inputs, a read-only mount: the sandbox user cannot write into it", async () => {
    const ex = new DockerJupyterExecutor();
    try {
      await ex.putInputs([{ name: "data.csv", data: CSV }]);
      const seen = await out(ex, [
        "import os",
        "print(os.getcwd(), os.getuid(), open('/workspace/inputs/data.csv').read().count(chr(10)))",
        "try:",
        "    open('/workspace/inputs/data.csv', 'w')",
        "except OSError as e:",
        "    print(type(e).__name__, e.errno)",
      ].join("\n"));
      expect(seen.split("\n")[0]).toBe("/workspace 1000 4");
      // EROFS (30): a read-only mount, stronger than file modes.
      expect(seen.split("\n")[1]).toMatch(/^OSError 30$/);
    } finally {
      await ex.shutdown();
    }
  });
});

describe("remote putInputs", () => {
  let server: RunningJupyterServer;
  beforeAll(async () => {
    server = await startJupyterServer();
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  it("uploads through the Jupyter contents API", async () => {
    const ex = new RemoteJupyterExecutor({ url: server.url, token: server.token });
    try {
      await ex.putInputs(FILES);
      // The server itself lists the file: it arrived through its contents API.
      const res = await fetch(`${server.url}api/contents/inputs/data.csv?content=1&format=text`, { headers: { Authorization: `token ${server.token}` } });
      expect(res.ok).toBe(true);
      expect(((await res.json()) as { content: string }).content).toBe(CSV.toString());
      expect(await out(ex, READ)).toBe("51 first quarter");
      expect((await out(ex, TRY_WRITES)).split(" ")).not.toContain("wrote");
      // A second put (the files are locked now) still replaces them.
      await ex.putInputs([{ name: "data.csv", data: Buffer.from("city,temp\nLima,20\n") }]);
      expect(await out(ex, "print(open('inputs/data.csv').read().split()[1])")).toBe("Lima,20");
    } finally {
      await ex.shutdown();
    }
  });
});
