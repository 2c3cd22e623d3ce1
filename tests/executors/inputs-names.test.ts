/** The one name rule for workspace files, in and out (pure: no kernel). */
import { fileNameProblem, safeSegments } from "../../executors/workspace/names";

describe("fileNameProblem", () => {
  it("refuses, on both sides, what could leave the folder or confuse a file system", () => {
    for (const side of ["input", "output"] as const) {
      expect(fileNameProblem("reports/2024/q1.txt", side)).toBeUndefined();
      expect(fileNameProblem("", side)).toBe("it is empty");
      expect(fileNameProblem("a/../../etc", side)).toMatch(/has a "\.\." segment; names must stay inside the/);
      expect(fileNameProblem("/etc/passwd", side)).toMatch(/absolute path/);
      expect(fileNameProblem("a//b", side)).toMatch(/empty path segment/);
      expect(fileNameProblem("a\u0000b", side)).toMatch(/control character/);
      expect(fileNameProblem("c:\\x", side)).toMatch(/backslash or a colon/);
      expect(fileNameProblem("x".repeat(1025), side)).toMatch(/longer than 1024 characters/);
      // File systems count bytes: 128 two-byte characters are 256 of them.
      expect(fileNameProblem("é".repeat(128), side)).toMatch(/longer than 255 bytes/);
      expect(fileNameProblem("é".repeat(127), side)).toBeUndefined();
    }
  });

  it("is stricter for names out, which are written back on the user's disk", () => {
    for (const name of ["what?.csv", "a|b", "x\u202egnp.exe", "x\u0085y", " lead", "trail /x", "bad\udcff.txt"]) {
      expect(fileNameProblem(name, "input")).toBeUndefined();
      expect(fileNameProblem(name, "output")).toBeDefined();
      expect(safeSegments(name)).toBeUndefined();
    }
    expect(safeSegments("plots/fig 1.png")).toEqual(["plots", "fig 1.png"]);
  });
});
