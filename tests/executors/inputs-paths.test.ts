/** Turning the user's paths into input files: names, folders, links, conflicts (real files, no kernel). */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkInputFiles } from "../../executors/workspace/inputs";
import { readInputPaths } from "../../executors/workspace/read-paths";

describe("readInputPaths", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "codeact-inpaths-"));
    mkdirSync(join(dir, "reports", "q1"), { recursive: true });
    writeFileSync(join(dir, "reports", "a.txt"), "a");
    writeFileSync(join(dir, "reports", "q1", "b.txt"), "b");
    writeFileSync(join(dir, "data.csv"), "x,y\n");
    writeFileSync(join(dir, "secret"), "s");
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("keeps a file's name and a folder's structure under its own name; links inside folders are skipped", () => {
    symlinkSync(join(dir, "secret"), join(dir, "reports", "link"));
    symlinkSync(join(dir, "reports"), join(dir, "reports", "q1", "loop"));
    const files = readInputPaths([join(dir, "data.csv"), `${join(dir, "reports")}/`]);
    expect(files.map((f) => [f.name, f.data.toString()])).toEqual([
      ["data.csv", "x,y\n"],
      ["reports/a.txt", "a"],
      ["reports/q1/b.txt", "b"],
    ]);
  });

  it("refuses two inputs of one name, and a name that is both a file and a folder", () => {
    mkdirSync(join(dir, "other"));
    writeFileSync(join(dir, "other", "data.csv"), "again");
    expect(() => readInputPaths([join(dir, "data.csv"), join(dir, "other", "data.csv")])).toThrow(/Two input files are named "data\.csv"/);
    expect(() => checkInputFiles([{ name: "a", size: 1 }, { name: "a/b", size: 1 }])).toThrow(/Input "a" is a file, but "a\/b" needs it to be a folder/);
  });

  it("checks sizes from the file system before reading, naming the file, the limit and the variable", () => {
    writeFileSync(join(dir, "big.bin"), Buffer.alloc(3000));
    expect(() => readInputPaths([join(dir, "big.bin")], { maxFileBytes: 2048, maxTotalBytes: 1 << 30, maxFiles: 10 })).toThrow(
      'Input file "big.bin" is 2.9 KB, over the limit of 2.0 KB per file. Raise it with CODEACT_INPUT_MAX_MB=<megabytes>.',
    );
    expect(() => readInputPaths([join(dir, "reports")], { maxFileBytes: 2048, maxTotalBytes: 1, maxFiles: 10 })).toThrow(/over the limit of 1 B for all inputs of a run\. Raise it with CODEACT_INPUTS_MAX_MB/);
  });
});
