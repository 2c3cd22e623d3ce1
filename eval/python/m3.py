# The kernel side of M3ToolEval, beside harness.py (loaded after it, in M3ToolEval kernels only):
# a task kernel cut down to its task's tools (the package defines tools, tasks and expected outputs in
# the same modules), and actions run the way upstream main.py ran them.
import builtins as _bi
import os as _os
import sys as _sys
import types as _types


def _ce_reached(objs):
    """{id(module dict): (dict, names)}: the module-level names the given tools can reach, followed
    through functions, bound methods, classes, closures and defaults (co_names over-approximates,
    which only keeps a harmless name or two)."""
    keep, seen, stack, reached = {}, set(), list(objs), []
    while stack:
        o = stack.pop()
        if id(o) in seen:
            continue
        seen.add(id(o))
        if isinstance(o, _types.MethodType):
            stack += [o.__func__, type(o.__self__)]
        elif isinstance(o, type):
            stack += list(vars(o).values()) + [b for b in o.__mro__[1:] if b is not object]
        elif isinstance(o, (staticmethod, classmethod)):
            stack.append(o.__func__)
        elif isinstance(o, property):
            stack += [f for f in (o.fget, o.fset, o.fdel) if f]
        elif isinstance(o, _types.FunctionType):
            g, names, codes = o.__globals__, set(), [o.__code__]
            while codes:
                c = codes.pop()
                reached.append(c)
                names.update(c.co_names)
                codes += [k for k in c.co_consts if isinstance(k, _types.CodeType)]
            for n in names:
                if n in g:
                    keep.setdefault(id(g), (g, set()))[1].add(n)
                    stack.append(g[n])
            stack += list(o.__defaults__ or ()) + list((o.__kwdefaults__ or {}).values())
            for cell in o.__closure__ or ():
                try:
                    stack.append(cell.cell_contents)
                except ValueError:
                    pass
    return keep, reached


def _ce_keep_source(codes, root):
    """Tracebacks through a tool show its lines, as upstream's do: linecache gets the package's files
    with only the reached code's lines (the rest, task definitions and answers among them, blank)."""
    import dis
    import linecache

    spans = {}
    for c in codes:
        if not _os.path.abspath(c.co_filename).startswith(root + _os.sep):
            continue
        lines = [n for _, n in dis.findlinestarts(c) if n] + [c.co_firstlineno]
        # Builtins by module: a task's tools (bound into this namespace) include max, min and sum.
        spans.setdefault(c.co_filename, set()).update(range(c.co_firstlineno, _bi.max(lines) + 1))
    for filename, wanted in spans.items():
        try:
            with open(filename, encoding="utf-8") as f:
                text = f.read().splitlines(True)
        except OSError:
            continue
        shown = [line if i + 1 in wanted else "\n" for i, line in enumerate(text)]
        # mtime None: linecache.checkcache leaves the entry alone once the file is gone.
        linecache.cache[filename] = (_bi.len("".join(shown)), None, shown, filename)


def _ce_isolate(root):
    """Leaves a task kernel holding only its task's tools: M3ToolEval defines tools, tasks and expected
    outputs in the same modules, so every name the tools cannot reach is dropped from those modules
    (the task objects with them), the package leaves sys.modules and its files leave the disk."""
    import gc
    import shutil

    tools = _CE["bound"]
    root = _os.path.abspath(root)
    keep, codes = _ce_reached(tools.values())
    _ce_keep_source(codes, root)
    for name in [m for m in _sys.modules if m == "tasks" or m.startswith("tasks.")]:
        g = vars(_sys.modules.pop(name))
        wanted = keep.get(id(g), (g, set()))[1]
        for k in [k for k in g if k not in wanted and (k == "__annotations__" or not (k.startswith("__") and k.endswith("__")))]:
            del g[k]
    _sys.path[:] = [p for p in _sys.path if _os.path.abspath(p) != root]
    shutil.rmtree(root, ignore_errors=True)
    _CE.clear()
    _CE["bound"] = tools
    # The loader and the checks have no business in a task's kernel.
    for n in ("_ce_load", "_ce_load_m3", "_ce_load_codeact", "_ce_list", "_ce_list_chunk", "_ce_tools_of", "_ce_bind", "_ce_check", "_ce_suite_check"):
        globals().pop(n, None)
    import typing

    # typing's caches keep generic aliases such as Iterable[Task] (and so the Task class) alive.
    for clear in getattr(typing, "_cleanups", ()):
        clear()
    gc.collect()
    left = [o for o in gc.get_objects() if isinstance(getattr(o, "__dict__", None), dict) and ("expected_output" in o.__dict__ or "check_answer" in o.__dict__)]
    if left:
        raise RuntimeError("%d task objects are still reachable from the task's tools" % len(left))


# --- M3ToolEval's own loop (`--agent paper` on that suite): an action runs as upstream main.py ran it.

_CE_NO_OUTPUT = "[Executed Successfully with No Output, Did you forget to print?]"


def _ce_m3_shell():
    """Upstream's REPL: a plain IPython shell (no colours) over a copy of the task's tools, kept for the task."""
    shell = _CE.get("m3_shell")
    if shell is None:
        from IPython.core.interactiveshell import InteractiveShell
        from traitlets.config import Config

        # History in memory: nothing of the task's run is left in a file for a later action to read.
        config = Config()
        config.HistoryManager.hist_file = ":memory:"
        shell = _CE["m3_shell"] = InteractiveShell(user_ns=dict(_CE["bound"]), colors="NoColor", config=config)
    return shell


def _ce_m3_alarm(seconds):
    import signal

    def fire(signum, frame):
        raise TimeoutError("Timed out after %d seconds." % seconds)

    signal.signal(signal.SIGALRM, fire)
    signal.alarm(seconds)


def _ce_m3_code(code):
    import re
    import signal

    from IPython.utils import io as ipio

    _ce_m3_alarm(30)
    try:
        with ipio.capture_output() as captured:
            result = _ce_m3_shell().run_cell(code, store_history=True)
    finally:
        signal.alarm(0)
    # Only stdout is the observation (tracebacks and Out[n] lines are printed there; stderr is not).
    out = captured.stdout or _CE_NO_OUTPUT
    out = re.sub(r"File (.*)mint/tools/python_tool.py:(\d+)", r"File <hidden_filepath>:\1", out)
    if len(out) > 2000:
        out = out[:2000] + "...\n[Output Truncated]"
    out = re.sub(r"Out\[\d+\]:", "", out)
    try:
        value = _ast.literal_eval(out.strip())
    except Exception:
        value = out
    return value, not result.success


def _ce_m3_tool(mode, action):
    if mode == "text":
        name, *args = action.split(",")
        name, args = name.strip(), [_ce_convert(a.strip()) for a in args]
    else:
        try:
            call = _json.loads(action)
            name, args = call["tool"], call["args"]
        except Exception as e:
            return "Invalid action. You should output a JSON object with the following fields: 'tool' (the name of the tool), 'args' (a list of arguments to the tool). Error: %s" % e, True
    if not isinstance(args, list):
        args = [args]
    tools = _CE.get("bound", {})
    if name not in tools:
        return "Cound not find tool with name %s" % name, True
    try:
        # (The tool's arguments reach it, and its error message, as a tuple: upstream's *args.)
        with _ctx.redirect_stdout(_io.StringIO()):
            res = str(tools[name](*args))
    except Exception:
        return "Failed to execute tool %s with args %s. Did you try to invoke more than one tool at a time?" % (name, tuple(args)), True
    if len(res) > 2000:
        res = res[:2000] + "...\n[Output Truncated]"
    return res, False


def _ce_m3_act(mode, action_b64):
    """One parsed action in upstream's way; prints a JSON line {text: str(result), error}."""
    action = _b64.b64decode(action_b64).decode("utf-8")
    value, error = _ce_m3_code(action) if mode == "code" else _ce_m3_tool(mode, action)
    print(_json.dumps({"text": str(value), "error": bool(error)}))
