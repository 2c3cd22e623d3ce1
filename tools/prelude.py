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
    if reply.get("pending"):
        # Sub-agents wait for a person: the run waits too, and this cell runs again once they are answered.
        raise QuestionPending("sub-agents wait for a person's answer; this cell runs again from its start when it comes")
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


# Sub-agents: delegate() and delegate_all() send one request for all their children; the host runs
# each as its own thread in its own kernel and answers when all have ended. Input files travel in
# the request and output files in the reply (the kernel is busy meanwhile, so the host cannot reach
# its disk), which also makes a replayed delegation write the same files again.
import os as _codeact_os

_CODEACT_WORKSPACE = _codeact_os.getcwd()
_CODEACT_MAX_INPUT_BYTES = 64 * 1024 * 1024


class DelegationError(ToolError):
    """A sub-agent did not finish its task. `result` is its Result (status, thread, detail); for
    delegate_all, `results` holds every child's Result in order and `failed` the ones that failed."""

    def __init__(self, message, result=None, results=None):
        super().__init__(message, "delegate")
        self.result = result
        self.results = results or ([result] if result is not None else [])
        self.failed = [r for r in self.results if not r.ok]


class Result:
    """What a sub-agent returned: `answer` (str), `status` ("done", "failed", "budget", ...),
    `files` (paths of its output files, copied under /workspace/from/<thread>/), `thread` (its id)."""

    def __init__(self, d):
        self.thread = d.get("thread")
        self.agent = d.get("agent")
        self.status = d.get("status")
        self.answer = d.get("answer")
        self.detail = d.get("detail") or ""
        self.tokens = d.get("tokens") or 0
        self.model_calls = d.get("modelCalls") or 0
        self.files = []

    @property
    def ok(self):
        return self.status == "done"

    def __repr__(self):
        return "Result(thread=%r, agent=%r, status=%r, answer=%r, files=%r)" % (self.thread, self.agent, self.status, self.answer, self.files)


def _codeact_input_files(paths):
    import base64

    if paths is None:
        return []
    if isinstance(paths, str):
        paths = [paths]
    root = _codeact_os.path.realpath(_CODEACT_WORKSPACE)
    out, total = [], 0
    for p in paths:
        full = _codeact_os.path.realpath(_codeact_os.path.join(root, str(p)))
        if full != root and not full.startswith(root + _codeact_os.sep):
            raise ValueError("delegate(inputs=...): %r is not under %s" % (p, root))
        if _codeact_os.path.isdir(full):
            base = _codeact_os.path.dirname(full)
            files = [_codeact_os.path.join(d, f) for d, _, fs in _codeact_os.walk(full) for f in sorted(fs)]
        elif _codeact_os.path.isfile(full):
            base, files = _codeact_os.path.dirname(full), [full]
        else:
            raise ValueError("delegate(inputs=...): %r is not a file or folder under %s" % (p, root))
        for f in files:
            if _codeact_os.path.islink(f) or not _codeact_os.path.isfile(f):
                continue
            with open(f, "rb") as fh:
                data = fh.read()
            total += len(data)
            if total > _CODEACT_MAX_INPUT_BYTES:
                raise ValueError("delegate(inputs=...): more than %d MB of input files" % (_CODEACT_MAX_INPUT_BYTES // 2**20))
            out.append({"name": _codeact_os.path.relpath(f, base), "data": base64.b64encode(data).decode("ascii")})
    return out


def _codeact_save_child_files(result, files):
    import base64

    if not files:
        return
    root = _codeact_os.path.join(_CODEACT_WORKSPACE, "from", str(result.thread))
    for f in files:
        rel = _codeact_os.path.normpath(str(f.get("path", "")))
        if rel.startswith("..") or _codeact_os.path.isabs(rel) or rel in ("", "."):
            continue
        target = _codeact_os.path.join(root, rel)
        _codeact_os.makedirs(_codeact_os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as fh:
            fh.write(base64.b64decode(f.get("data", "")))
        result.files.append(_codeact_os.path.relpath(target, _CODEACT_WORKSPACE))


def _codeact_spec(spec):
    if isinstance(spec, str):
        spec = {"task": spec}
    if not isinstance(spec, dict) or not isinstance(spec.get("task"), str):
        raise TypeError("each spec is a dict with a 'task' string (and optionally 'agent', 'inputs', limits)")
    s = dict(spec)
    s["inputs"] = _codeact_input_files(s.get("inputs"))
    return s


def delegate_all(specs, max_parallel=None):
    """Runs several sub-agents at once and returns their Results in the order of `specs` (dicts with
    delegate()'s arguments). Raises DelegationError (with .results and .failed) if any child failed."""
    payload = {"specs": [_codeact_spec(s) for s in specs]}
    if max_parallel is not None:
        payload["max_parallel"] = int(max_parallel)
    reply = _codeact_call(__DELEGATE__, payload)
    results = []
    for d in reply.get("results", []):
        r = Result(d)
        _codeact_save_child_files(r, d.get("files"))
        results.append(r)
    failed = [r for r in results if not r.ok]
    if failed:
        f = failed[0]
        raise DelegationError(
            "%d of %d sub-agents failed; first: %s (%s) ended %s: %s" % (len(failed), len(results), f.thread, f.agent, f.status, f.detail),
            f,
            results,
        )
    return results


def delegate(task, agent=None, inputs=None, **limits):
    """Runs a sub-agent on `task` (profile `agent`, default "general") in its own kernel and returns its
    Result once it ends. `inputs`: paths under /workspace copied into its /workspace/inputs/ (read-only).
    `limits`: max_iterations, token_budget, wall_clock_s. Raises DelegationError if it did not finish."""
    spec = {"task": task, "inputs": inputs}
    if agent is not None:
        spec["agent"] = agent
    if limits:
        spec["limits"] = limits
    try:
        return delegate_all([spec])[0]
    except DelegationError as e:
        raise DelegationError(
            "sub-agent %s (%s) ended %s: %s" % (e.result.thread, e.result.agent, e.result.status, e.result.detail), e.result
        ) from None
