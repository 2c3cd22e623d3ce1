/** `codeact --version` / `-V`: the package's version, alone on stdout, exit 0; help lists the flag. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { codeact, root } from "./helpers";

const version = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string }).version;

describe("codeact --version", () => {
  it.each([["--version"], ["-V"]])("%s prints the package version and nothing else", async (flag) => {
    const r = await codeact([flag]);
    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 0, stdout: `${version}\n`, stderr: "" });
  });

  it("is listed by --help", async () => {
    const r = await codeact(["--help"]);
    expect(r.stdout).toMatch(/-V, --version\s+print the codeact version/);
  });
});
