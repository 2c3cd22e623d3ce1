/**
 * What a hostile cell's output can do to the host, run against each backend with a real kernel:
 * however it is written, no more than the output limit (plus a marker) of it reaches the result,
 * and the host stays healthy; text survives invalid characters; output of background threads is
 * never passed off as a later cell's own.
 */
import type { CodeExecutor } from "../../executors/types";

const LIMIT = 100_000;
/** Limit + the sandbox's and the host's truncation markers. */
const BOUND = LIMIT + 1_000;

/** `kernel` is started by the caller (see sharedKernel), and may have run the executor contract before. */
export function outputContract(name: string, kernel: () => CodeExecutor, opts: { zmq: boolean }): void {
  describe(`${name}: output bounds`, () => {
    let ex: CodeExecutor;
    beforeAll(() => void (ex = kernel()));

    const bypasses: [string, string][] = [
      ["type(sys.stdout).write", "import sys\ntype(sys.stdout).write(sys.stdout, 'a' + 'y' * 100_000_000 + 'z')"],
      ["sys.__stdout__.write (fd 1)", "import sys\nfor _ in range(40):\n    sys.__stdout__.write('y' * 1_000_000)\nsys.__stdout__.flush()"],
      ["the stream's own buffer and flush", "import sys\nsys.stdout._buffer.write('y' * 100_000_000)\nsys.stdout._flush()"],
      [
        "kernel.session.send on iopub",
        "k = get_ipython().kernel\nk.session.send(k.iopub_socket, 'stream', {'name': 'stdout', 'text': 'y' * 100_000_000}, parent=k.get_parent('shell'))",
      ],
      ["display of a huge HTML", "from IPython.display import HTML, display\ndisplay(HTML('y' * 100_000_000))"],
      ["a huge exception message", "raise ValueError('y' * 20_000_000)"],
    ];
    it.each(bypasses)("bounds a huge output written through %s, and the host stays healthy", async (_how, code) => {
      let peak = process.memoryUsage().rss;
      const base = peak;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
      let r;
      try {
        r = await ex.execute(code, { timeoutMs: 120_000 });
      } finally {
        clearInterval(sampler);
      }
      expect(["ok", "error"]).toContain(r.status);
      expect(r.stdout.length).toBeLessThan(BOUND);
      expect(r.stderr.length).toBeLessThan(BOUND);
      const rich = r.results.reduce((n, o) => n + Object.values(o.data).reduce((m, v) => m + v.length, 0), 0);
      expect(rich).toBeLessThan(BOUND);
      const error = r.error ? r.error.evalue.length + r.error.traceback.join("").length : 0;
      expect(error).toBeLessThan(4 * BOUND);
      // Cut inside the sandbox: the 100 MB never crossed the wire to be cut here.
      const all = [r.stdout, r.stderr, r.error?.evalue ?? "", ...r.results.map((o) => JSON.stringify(o.data))].join("\n");
      expect(all).toMatch(/characters truncated in the sandbox/);
      expect(peak - base).toBeLessThan(80 * 1024 * 1024);
      expect((await ex.execute("1 + 1")).results[0]?.data["text/plain"]).toBe("2");
    }, 180_000);

    if (opts.zmq) {
      it("drops a crafted 100 MB message sent past the kernel's guard, and keeps working", async () => {
        let peak = process.memoryUsage().rss;
        const base = peak;
        const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
        let r;
        try {
          r = await ex.execute(
            "import hashlib, hmac, json, uuid\nk = get_ipython().kernel\ns = k.session\n" +
              "header = json.dumps({'msg_id': uuid.uuid4().hex, 'msg_type': 'stream', 'session': s.session, 'username': 'x', 'date': '', 'version': '5.3'}).encode()\n" +
              "parts = [header, s.pack(k.get_parent('shell')['header']), b'{}', json.dumps({'name': 'stdout', 'text': 'y' * 100_000_000}).encode()]\n" +
              "sig = hmac.new(s.key, digestmod=hashlib.sha256)\nfor p in parts: sig.update(p)\n" +
              "k.iopub_socket.send_multipart([b'stream', b'<IDS|MSG>', sig.hexdigest().encode(), *parts])\nprint('sent')",
            { timeoutMs: 120_000 },
          );
        } finally {
          clearInterval(sampler);
        }
        // ZeroMQ dropped the oversized frame before it reached the host's memory: nothing of it
        // arrives (what the cell printed right after it may be lost with the reset connection).
        expect(r.stdout).not.toContain("yyyy");
        expect(r.stdout.length).toBeLessThan(100);
        expect(peak - base).toBeLessThan(80 * 1024 * 1024);
        expect((await ex.execute("2 + 2")).results[0]?.data["text/plain"]).toBe("4");
      }, 180_000);
    }

    it("keeps a cell's output when it contains a lone surrogate (replaced by U+FFFD)", async () => {
      const r = await ex.execute("print('before')\nprint('a\\ud800b')\nprint('after')");
      expect(r.status).toBe("ok");
      expect(r.stdout).toBe("before\na\ufffdb\nafter\n");
      const e = await ex.execute("raise ValueError('bad \\udc80 value')");
      expect(e.status).toBe("error");
      expect(e.error?.evalue).toBe("bad \ufffd value");
    });

    it("labels output a background thread prints after its cell finished; a cell's own threads are not labelled", async () => {
      await ex.execute(
        "import threading\ngo, done = threading.Event(), threading.Event()\n" +
          "def late():\n    go.wait(60)\n    print('late line')\n    done.set()\nthreading.Thread(target=late, daemon=True).start()",
      );
      const r = await ex.execute("go.set()\ndone.wait(60)\nimport sys; sys.stdout.flush()\nprint('mine')");
      expect(r.stdout).toMatch(/^\[output from a background thread or process started by an earlier cell\] late line$/m);
      expect(r.stdout).toMatch(/^mine$/m);
      const own = await ex.execute("import threading\nt = threading.Thread(target=lambda: print('own thread'))\nt.start(); t.join()");
      expect(own.stdout).toBe("own thread\n");
    });

    // Last: on a kernel whose fd watcher died, the cells after it would all be slow.
    it("forwards what subprocesses and os.write put on fd 1, invalid or split UTF-8 included, and keeps forwarding", async () => {
      const accents = await ex.execute("import subprocess\nsubprocess.run(['python3', '-c', \"print('a' + '\\u00e9' * 3000)\"])", { timeoutMs: 60_000 });
      expect(accents.status).toBe("ok");
      expect(accents.stdout).toBe(`a${"\u00e9".repeat(3000)}\n`);
      const invalid = await ex.execute("import os\nos.write(1, b'bad \\xff\\xfe bytes\\n')", { timeoutMs: 60_000 });
      expect(invalid.stdout).toBe("bad \ufffd\ufffd bytes\n");
      const alive = await ex.execute("import sys\nprint(sys.stdout.watch_fd_thread.is_alive(), sys.stderr.watch_fd_thread.is_alive())");
      expect(alive.stdout).toBe("True True\n");
      // More than the pipe holds (64 KB): it blocks for good unless the watcher drains it.
      const big = await ex.execute(
        "import subprocess\np = subprocess.run(['python3', '-c', \"import sys; sys.stdout.write('\\u00e9' * 300000)\"], timeout=30)\nprint('exit', p.returncode)",
        { timeoutMs: 60_000 },
      );
      expect(big.status).toBe("ok");
      expect(big.stdout).toMatch(/exit 0\n$/);
      expect(big.stdout).toMatch(/^\u00e9+/);
    }, 120_000);
  });
}
