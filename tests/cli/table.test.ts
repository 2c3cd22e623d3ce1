import { table } from "../../cli/table";

describe("terminal table", () => {
  it("aligns columns under an upper-case header, without an index column or quotes", () => {
    const out = table([
      { thread: "a", status: "done", note: "" },
      { thread: "longer-id", status: "waiting", note: "approve: print(1)" },
    ]);
    expect(out.split("\n")).toEqual(["THREAD     STATUS   NOTE", "a          done", "longer-id  waiting  approve: print(1)"]);
  });

  it("counts a shown control character (␛) as one column", () => {
    const out = table([{ a: "x␛y", b: "1" }, { a: "abc", b: "2" }]).split("\n");
    expect(out[1]!.indexOf("1")).toBe(out[2]!.indexOf("2"));
  });

  it("prints nothing for no rows", () => {
    expect(table([])).toBe("");
  });
});
