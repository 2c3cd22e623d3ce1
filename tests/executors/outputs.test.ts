/**
 * listOutputs / readOutput on every backend, against real kernels: a Docker container, a local
 * ipykernel, and a kernel behind a real Jupyter Server (contents API). The files are written by the
 * kernel's own code, as the agent would, including hostile ones: a symlink to /etc/passwd, a
 * symlinked folder, names with "..", control characters and invalid UTF-8.
 */
import { DockerJupyterExecutor } from "../../executors/docker";
import { LocalJupyterExecutor } from "../../executors/local";
import { OutputTooLargeError } from "../../executors/workspace/outputs";
import { RemoteJupyterExecutor } from "../../executors/remote";
import type { CodeExecutor } from "../../executors/types";
import { type RunningJupyterServer, startJupyterServer } from "../helpers/jupyter-server";

const WRITE = `
import os
os.makedirs("outputs/plots", exist_ok=True)
with open("outputs/report.csv", "w") as f: f.write("a,b\\n1,2\\n")
with open("outputs/plots/fig.png", "wb") as f: f.write(bytes(range(256)) * 4)
os.symlink("/etc/passwd", "outputs/passwd")
os.symlink("/etc", "outputs/etc")
with open("outputs/bad\\x1bname.txt", "w") as f: f.write("x")
with open(b"outputs/latin\\xff.txt", "wb") as f: f.write(b"x")
print("written")
`;

function outputsContract(name: string, make: () => Promise<CodeExecutor> | CodeExecutor) {
  describe(`${name} outputs`, () => {
    let ex: CodeExecutor;
    beforeAll(async () => {
      ex = await make();
      await ex.start();
    }, 90_000);
    afterAll(async () => {
      await ex?.shutdown();
    });

    it("lists nothing before anything is written", async () => {
      expect(await ex.listOutputs()).toEqual([]);
    });

    it("lists regular files only (no symlink, no unsafe name) and reads their exact bytes", async () => {
      const r = await ex.execute(WRITE);
      expect(r.stdout).toContain("written");
      const files = await ex.listOutputs();
      expect(files.map((f) => f.path).sort()).toEqual(["plots/fig.png", "report.csv"]);
      const csv = files.find((f) => f.path === "report.csv")!;
      expect(csv.size).toBe(8);
      expect(csv.mtimeMs).toBeGreaterThan(0);
      expect((await ex.readOutput("report.csv", 1024)).toString()).toBe("a,b\n1,2\n");
      expect((await ex.readOutput("plots/fig.png", 4096)).equals(Buffer.from(Array.from({ length: 1024 }, (_, i) => i % 256)))).toBe(true);
    });

    it("never follows a symlink nor reads outside outputs/, even when asked directly", async () => {
      for (const path of ["passwd", "etc/passwd", "../outputs/report.csv", "/etc/passwd", "plots/../report.csv"]) {
        await expect(ex.readOutput(path, 1 << 20)).rejects.toThrow();
      }
    });

    it("refuses a file past maxBytes without reading it whole", async () => {
      await expect(ex.readOutput("plots/fig.png", 100)).rejects.toBeInstanceOf(OutputTooLargeError);
    });

    it("sees a changed file as changed (size and mtime)", async () => {
      const before = (await ex.listOutputs()).find((f) => f.path === "report.csv")!;
      await ex.execute(`import os, time\nwith open("outputs/report.csv", "a") as f: f.write("3,4\\n")\nos.utime("outputs/report.csv", (time.time() + 5, time.time() + 5))`);
      const after = (await ex.listOutputs()).find((f) => f.path === "report.csv")!;
      expect(after.size).toBe(12);
      expect(after.mtimeMs).toBeGreaterThan(before.mtimeMs);
      expect((await ex.readOutput("report.csv", 1024)).toString()).toBe("a,b\n1,2\n3,4\n");
    });

    it("reads a file larger than one read chunk whole", async () => {
      await ex.execute("import os\nopen('outputs/big.bin','wb').write(bytes(range(256)) * (9 * 4096))");
      const data = await ex.readOutput("big.bin", 16 * 1024 * 1024);
      expect(data.length).toBe(9 * 1024 * 1024);
      expect(data.equals(Buffer.concat(Array.from({ length: 9 * 4096 }, () => Buffer.from(Array.from({ length: 256 }, (_, i) => i)))))).toBe(true);
      await ex.execute("os.remove('outputs/big.bin')");
    });

    it("finds outputs/ after a cell changes the working directory", async () => {
      await ex.execute("import os\n_before = os.getcwd()\nos.chdir('/tmp')");
      expect((await ex.listOutputs()).map((f) => f.path)).toContain("report.csv");
      expect((await ex.readOutput("report.csv", 1024)).toString()).toContain("a,b");
      await ex.execute("os.chdir(_before)");
    });

    it("leaves the kernel's namespace and execution count alone", async () => {
      const a = await ex.execute("1");
      await ex.listOutputs();
      const r = await ex.execute("print(sorted(k for k in globals() if k in ('_walk', 'result', 'g', 'base64')))");
      expect(r.stdout.trim()).toBe("[]");
      expect(r.executionCount).toBe((a.executionCount ?? 0) + 1);
    });
  });
}

outputsContract("DockerJupyterExecutor", () => new DockerJupyterExecutor());
outputsContract("LocalJupyterExecutor", () => new LocalJupyterExecutor({ warn: () => undefined }));

describe("remote", () => {
  let server: RunningJupyterServer | undefined;
  afterAll(async () => {
    await server?.stop();
  });
  outputsContract("RemoteJupyterExecutor", async () => {
    server = await startJupyterServer();
    return new RemoteJupyterExecutor({ url: server.url, token: server.token });
  });
});
