# codeact tool bridge: each host (TypeScript) tool becomes a Python function below. Calling one
# sends a marked JSON request over the kernel's stdin channel; the host runs the tool and answers
# with a JSON envelope, which becomes the return value or a ToolError. No network is involved.
import json as _codeact_json
from typing import Any, Literal, Optional, Union


class ToolError(Exception):
    """A host tool failed. `tool` names it; the message is the tool's own error."""

    def __init__(self, message, tool=None):
        super().__init__(message)
        self.tool = tool


def _codeact_jsonable(value):
    # numpy scalars and arrays, pandas frames and series: what data code naturally passes along.
    for attr in ("item", "tolist"):
        if hasattr(value, attr) and callable(getattr(value, attr)):
            try:
                return getattr(value, attr)()
            except Exception:
                pass
    if hasattr(value, "to_dict"):
        try:
            return value.to_dict(orient="records")
        except TypeError:
            return value.to_dict()
    if isinstance(value, (set, tuple)):
        return list(value)
    return str(value)


def _codeact_call(tool, args):
    request = __PREFIX__ + _codeact_json.dumps({"name": tool, "args": args}, default=_codeact_jsonable)
    ask = globals().get("_codeact_stdin_request")
    if ask is None:
        import builtins

        ask = builtins.input
    raw = ask(request)
    try:
        reply = _codeact_json.loads(raw)
    except ValueError:
        raise ToolError("no tool bridge answered the call to %s (is this kernel driven by codeact?)" % tool, tool) from None
    if reply.get("ok"):
        return reply.get("result")
    raise ToolError(reply.get("error") or "tool failed", tool)


class QuestionPending(BaseException):
    """ask_user() stopped this cell: the run now waits for the person's answer, then runs the cell
    again from its start with the answer. A BaseException, so `except Exception` does not swallow it."""


def ask_user(question):
    """Asks the person who runs this agent a question and returns their answer (a str).

    The run pauses until they answer. Use it only when the task truly needs them (a missing fact, a
    choice only they can make), and call it in a cell of its own: when the answer comes, the cell
    runs again from its start with the answer, so code before the question in the same cell runs twice.
    """
    ask = globals().get("_codeact_stdin_request")
    if ask is None:
        import builtins

        ask = builtins.input
    raw = ask(__QUESTION_PREFIX__ + _codeact_json.dumps({"question": str(question)}))
    try:
        reply = _codeact_json.loads(raw)
    except ValueError:
        raise ToolError("nobody can answer ask_user() in this kernel (is it driven by codeact?)", "ask_user") from None
    if reply.get("ok"):
        return str(reply.get("result"))
    if reply.get("pending"):
        raise QuestionPending("the run waits for the person's answer; this cell runs again from its start when it comes")
    raise ToolError(reply.get("error") or "ask_user failed", "ask_user")


class _codeact_shape:
    """An object argument's keys, as signatures and help() show them: `{city: str, days?: list[int]}`
    (`?`: the key may be left out). Only an annotation: nothing checks it in Python."""

    __slots__ = ("_text",)

    def __init__(self, text):
        self._text = text

    def __repr__(self):
        return self._text

    # typing.Optional[...] and Union[...] accept only callables.
    def __call__(self, *args, **kwargs):
        raise TypeError("a shape annotation is not a type")


_CODEACT_TOOLS = __SIGNATURES__


def list_tools():
    """Prints the host tools this kernel can call, with their signatures. Use help(name) for details."""
    for line in _CODEACT_TOOLS:
        print(line)


__STUBS__
