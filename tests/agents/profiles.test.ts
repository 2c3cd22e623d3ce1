/** Agent profiles: Markdown with YAML front matter, checked with zod; errors name the file and the field. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadProfiles, parseProfile, withGeneral } from "../../graphs/agents/profiles";

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "codeact-profiles-"))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it("reads name, description, model, tools, limits and the body; relative paths are the file's", () => {
  writeFileSync(join(dir, "analyst.md"), "---\nname: analyst\ndescription: reads tables\nmodel: anthropic:claude-x\ntools: [./t.ts, some-package]\nlimits: { maxIterations: 5 }\n---\nUse pandas.\n");
  writeFileSync(join(dir, "notes.txt"), "not a profile");
  const [p] = loadProfiles(dir);
  expect(p).toEqual({ name: "analyst", description: "reads tables", model: "anthropic:claude-x", tools: [join(dir, "t.ts"), "some-package"], limits: { maxIterations: 5 }, instructions: "Use pandas." });
  expect(withGeneral([p!]).map((x) => x.name)).toEqual(["general", "analyst"]);
});

it("says which file and which field is wrong", () => {
  expect(() => parseProfile("no front matter", "/a/x.md")).toThrow(/\/a\/x\.md: no YAML front matter/);
  expect(() => parseProfile("---\nname: Bad Name\ndescription: d\n---\n", "/a/y.md")).toThrow(/\/a\/y\.md: name: lowercase letters/);
  expect(() => parseProfile("---\nname: ok\n---\n", "/a/z.md")).toThrow(/\/a\/z\.md: description:/);
  expect(() => parseProfile("---\nname: ok\ndescription: d\nlimits: { maxIterations: -1 }\n---\n", "/a/w.md")).toThrow(/limits\.maxIterations/);
  expect(() => parseProfile("---\nname: ok\ndescription: d\nshell: rm -rf /\n---\n", "/a/v.md")).toThrow(/\/a\/v\.md: .*shell/);
  expect(() => parseProfile("---\n[unclosed\n---\n", "/a/u.md")).toThrow(/\/a\/u\.md: the front matter is not valid YAML/);
  writeFileSync(join(dir, "a.md"), "---\nname: same\ndescription: one\n---\n");
  writeFileSync(join(dir, "b.md"), "---\nname: same\ndescription: two\n---\n");
  expect(() => loadProfiles(dir)).toThrow(/b\.md: name: "same" is also the name in .*a\.md/);
  expect(() => loadProfiles(join(dir, "missing"))).toThrow(/cannot be read/);
});
