/** Glue frames (the tool stub, `_codeact_call`, ask_user's bridge) are left out of what a person reads. */
import { userTraceback } from "../../exports/traceback";

// As the Docker kernel (ipykernel 6.17) sent it for a failing --tools tool called from a function.
const TOOL_ERROR = [
  "---------------------------------------------------------------------------",
  "ToolError                                 Traceback (most recent call last)",
  "Cell In [1], line 3\n      1 def f(x):\n      2     return boom(n=x)\n----> 3 f(3)\n",
  "Cell In [1], line 2, in f(x)\n      1 def f(x):\n----> 2     return boom(n=x)\n",
  'Cell In [1], line 102, in boom(n)\n    101 _args = {"n": n}\n--> 102 return _codeact_call("boom", _args)\n',
  'Cell In [1], line 48, in _codeact_call(tool, args)\n     47     return reply.get("result")\n---> 48 raise ToolError(reply.get("error") or "tool failed", tool)\n',
  "ToolError: service down 3",
];

describe("userTraceback", () => {
  it("drops the stub and bridge frames, says so, and keeps the person's frames and the exception", () => {
    expect(userTraceback(TOOL_ERROR)).toEqual([...TOOL_ERROR.slice(0, 4), "[2 frames of codeact's tool bridge left out]", "ToolError: service down 3"]);
  });
  it("leaves a traceback without glue as it is", () => {
    const plain = [TOOL_ERROR[0]!, "ZeroDivisionError  Traceback (most recent call last)", "Cell In [3], line 1\n----> 1 1/0\n", "ZeroDivisionError: division by zero"];
    expect(userTraceback(plain)).toBe(plain);
  });
});
