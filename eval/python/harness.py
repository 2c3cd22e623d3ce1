# The kernel side of `codeact eval`: loads a suite that was written into the sandbox, lists its
# tasks, binds one task's tools into the user namespace, runs a JSON/text tool call, and checks
# answers. The host runs the checks in a separate "judge" kernel where no model code ever runs, so
# a model cannot rewrite the checker from inside its own kernel.
import ast as _ast
import base64 as _b64
import contextlib as _ctx
import inspect as _inspect
import io as _io
import json as _json
import math as _math
import os as _os
import sys as _sys
import types as _types

_CE = {}


def _ce_write(root, payload_b64):
    """Writes {relative path: base64 bytes} under root; refuses paths that leave it."""
    files = _json.loads(_b64.b64decode(payload_b64))
    root = _os.path.abspath(root)
    for rel, data in files.items():
        path = _os.path.normpath(_os.path.join(root, rel))
        if not path.startswith(root + _os.sep):
            raise ValueError("refusing to write outside the suite folder: %r" % rel)
        _os.makedirs(_os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(_b64.b64decode(data))


def _ce_quiet(fn, *args):
    """Runs fn with its prints discarded (the upstream package prints every task it builds)."""
    with _ctx.redirect_stdout(_io.StringIO()):
        return fn(*args)


def _ce_tqdm_stub():
    # The kernel image has no tqdm; the M3ToolEval iterator only creates a bar and calls update().
    if "tqdm" in _sys.modules:
        return
    mod = _types.ModuleType("tqdm")

    class tqdm:
        def __init__(self, iterable=None, *args, **kwargs):
            self.iterable = iterable

        def __iter__(self):
            return iter(self.iterable or [])

        def update(self, n=1):
            pass

        def close(self):
            pass

    mod.tqdm = tqdm
    _sys.modules["tqdm"] = mod


def _ce_convert(s):
    # int, then float, then str: how the paper types a text action's arguments.
    try:
        return int(s)
    except ValueError:
        try:
            return float(s)
        except ValueError:
            return s


def _ce_tool_info(name, fn, description=None, signature=None):
    if signature is None:
        try:
            signature = name + str(_inspect.signature(fn))
        except (TypeError, ValueError):
            signature = name + "(...)"
    doc = description if description is not None else (_inspect.getdoc(fn) or "")
    return {"name": name, "signature": signature, "doc": doc}


def _ce_load_codeact(root):
    """This project's suite format: a package with tools.py (plain functions) and tasks.py (TASKS)."""
    import importlib

    _sys.path.insert(0, _os.path.abspath(root))
    tools_mod = importlib.import_module("codeact_suite.tools")
    tasks_mod = importlib.import_module("codeact_suite.tasks")
    tools = {
        n: f
        for n, f in _inspect.getmembers(tools_mod, _inspect.isfunction)
        if not n.startswith("_") and f.__module__ == tools_mod.__name__
    }
    tasks = {}
    if not isinstance(getattr(tasks_mod, "TASKS", None), list):
        raise ValueError("tasks.py must define TASKS, a list of dicts")
    for i, t in enumerate(tasks_mod.TASKS):
        if not isinstance(t, dict) or not isinstance(t.get("id"), str) or not t["id"]:
            raise ValueError("TASKS[%d] needs an 'id' (a non-empty string)" % i)
        if not isinstance(t.get("instruction"), str) or "answer" not in t:
            raise ValueError("task %r needs an 'instruction' (a string) and an 'answer'" % t["id"])
        if t.get("compare", "exact") not in ("exact", "numeric", "set"):
            raise ValueError("task %r: 'compare' must be exact, numeric or set, not %r" % (t["id"], t.get("compare")))
        if t["id"] in tasks:
            raise ValueError("two tasks share the id %r" % t["id"])
        names = t.get("tools") or sorted(tools)
        missing = [n for n in names if n not in tools]
        if missing:
            raise ValueError("task %r names unknown tools %r" % (t.get("id"), missing))
        tasks[t["id"]] = {"spec": t, "tools": {n: tools[n] for n in names}}
    _CE.update(kind="codeact", tasks=tasks)


def _ce_load_m3(root):
    _ce_tqdm_stub()
    _sys.path.insert(0, _os.path.abspath(root))
    import importlib

    pkg = _ce_quiet(importlib.import_module, "tasks")
    tasks = {}
    for task in _ce_quiet(lambda: list(pkg.get_task_iterator())):
        tasks[task.name] = {"task": task}
    _CE.update(kind="m3tooleval", tasks=tasks, pkg=pkg)


def _ce_load(kind, root):
    if _CE.get("loaded"):
        return
    (_ce_load_m3 if kind == "m3tooleval" else _ce_load_codeact)(root)
    _CE["loaded"] = True


def _ce_list():
    out = []
    for tid, entry in _CE["tasks"].items():
        if _CE["kind"] == "m3tooleval":
            task = entry["task"]
            modes = _CE["pkg"].ActionMode
            out.append({
                "id": tid,
                "domain": tid.split("/")[0],
                "instruction": task.instruction,
                "expected": repr(task.expected_output),
                "compare": "upstream",
                "tools": [_ce_tool_info(n, t.function, t.description, t.fn_signature) for n, t in task.tools.items()],
                "prompts": {
                    "code": task.get_prompt(modes.CODE_AS_ACTION),
                    "json": task.get_prompt(modes.JSON_AS_ACTION),
                    "text": task.get_prompt(modes.TEXT_AS_ACTION),
                },
            })
        else:
            spec = entry["spec"]
            out.append({
                "id": tid,
                "domain": spec.get("domain", "toolbox"),
                "instruction": spec["instruction"],
                "expected": repr(spec["answer"]),
                "compare": spec.get("compare", "exact"),
                "tools": [_ce_tool_info(n, f) for n, f in entry["tools"].items()],
            })
    _CE["listing"] = _json.dumps(out)


def _ce_list_chunk(offset, size):
    # The listing can exceed the kernel's output limit (M3ToolEval's prompts): the host reads it in pages.
    print(_CE["listing"][offset:offset + size], end="")


def _ce_tools_of(tid):
    entry = _CE["tasks"][tid]
    if _CE["kind"] == "m3tooleval":
        task = entry["task"]
        task.reset()
        return dict(task._ns)
    return dict(entry["tools"])


def _ce_bind(tid):
    """Puts the task's tools into the user namespace (what code actions call)."""
    tools = _ce_tools_of(tid)
    _CE["bound"] = tools
    get_ipython().user_ns.update(tools)  # noqa: F821 (defined inside IPython)


def _ce_bind_tools(root, names):
    """A task kernel of this project's format: only tools.py is there (tasks.py, with the answers, is not)."""
    import importlib

    _sys.path.insert(0, _os.path.abspath(root))
    tools_mod = importlib.import_module("codeact_suite.tools")
    tools = {n: getattr(tools_mod, n) for n in names}
    _CE["bound"] = tools
    get_ipython().user_ns.update(tools)  # noqa: F821


def _ce_call(tool, args_b64, convert):
    """One JSON/text action: calls one tool; prints a JSON line {ok, text}."""
    args = _json.loads(_b64.b64decode(args_b64))
    if convert:
        args = [_ce_convert(a.strip()) for a in args]
    if not isinstance(args, list):
        args = [args]
    tools = _CE.get("bound", {})
    if tool not in tools:
        print(_json.dumps({"ok": False, "text": "Could not find a tool named %r. Tools: %s" % (tool, ", ".join(sorted(tools)))}))
        return
    try:
        with _ctx.redirect_stdout(_io.StringIO()):
            res = tools[tool](*args)
    except Exception as e:  # the observation names the failure; the run goes on
        print(_json.dumps({"ok": False, "text": "Failed to execute tool %s with args %r: %s: %s" % (tool, args, type(e).__name__, e)}))
        return
    text = str(res)
    if len(text) > 2000:
        text = text[:2000] + "...\n[Output Truncated]"
    print(_json.dumps({"ok": True, "text": text}))


def _ce_literal(s):
    if not isinstance(s, str):
        return s
    try:
        return _ast.literal_eval(s.strip())
    except Exception:
        return s.strip()


def _ce_close(a, b):
    """A tolerant equality: numbers within 1e-6 relative, sequences element-wise, strings stripped."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return _math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_ce_close(_ce_literal(x), _ce_literal(y)) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_ce_close(a[k], b[k]) for k in a)
    if isinstance(a, str) and isinstance(b, (int, float)):
        try:
            return _ce_close(float(a), b)
        except ValueError:
            return False
    return str(a).strip().strip("'\"") == str(b).strip().strip("'\"")


def _ce_as_set(value):
    v = _ce_literal(value)
    if isinstance(v, (list, tuple, set, frozenset)):
        items = v
    else:
        items = str(v).strip().strip("[](){}").split(",")
    return {str(x).strip().strip("'\"").strip() for x in items if str(x).strip()}


def _ce_suite_check(spec, answer):
    expected = spec["answer"]
    how = spec.get("compare", "exact")
    if how == "numeric":
        try:
            got = float(str(answer).strip().replace(",", ""))
        except ValueError:
            return False
        return abs(got - float(expected)) <= float(spec.get("tolerance", 1e-6))
    if how == "set":
        return _ce_as_set(answer) == {str(x) for x in expected}
    text = str(answer).strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1]
    return text == str(expected) or _ce_literal(str(answer)) == expected


def _ce_check(tid_b64, answer_b64):
    """Prints {correct, tolerant}: correct is the suite's own check (upstream's for M3ToolEval)."""
    tid = _b64.b64decode(tid_b64).decode("utf-8")
    answer = _b64.b64decode(answer_b64).decode("utf-8")
    entry = _CE["tasks"][tid]
    if _CE["kind"] == "m3tooleval":
        task = entry["task"]
        correct = bool(_ce_quiet(task.check_answer, answer))
        expected = task.expected_output
    else:
        correct = bool(_ce_suite_check(entry["spec"], answer))
        expected = entry["spec"]["answer"]
    tolerant = correct or _ce_close(_ce_literal(answer), expected)
    print(_json.dumps({"correct": correct, "tolerant": bool(tolerant)}))
