# The kernel side of `codeact eval api-bank` (API-Bank level-1 as the CodeAct paper scores it,
# code-act scripts/eval/api-bank/evaluator.py; behaviour re-implemented, not copied). Two kinds of
# kernel load this file with API-Bank's apis/, init_database/ and tool_manager.py (never the
# dialogues): a task kernel builds an item's messages and runs the model's call on a fresh
# ToolManager; the judge kernel gets the gold result from the host, one item at a time, and runs the
# API's own check. Model text is only ever matched by regular expressions and json.loads here.
import base64 as _ab_b64
import contextlib as _ab_ctx
import io as _ab_io
import json as _ab_json
import os as _ab_os
import re as _ab_re
import sys as _ab_sys
import types as _ab_types

_AB = {"root": None, "stubs": [], "checker": None, "desc": {}}
# APIs that call a web service (or an index the sandbox lacks): a failure there is the sandbox's.
_AB_NETWORK = ("Dictionary", "Translate", "SearchEngine")


class _AbUnavailable(RuntimeError):
    pass


def _ab_unavailable(what):
    def fail(*args, **kwargs):
        raise _AbUnavailable("%s is not available in the codeact sandbox (an inert stand-in; no network)" % what)

    return fail


def _ab_stub_module(name, **attrs):
    mod = _ab_types.ModuleType(name)
    mod.__dict__.update(attrs)
    mod.__codeact_stand_in__ = True
    _ab_sys.modules[name] = mod
    return mod


def _ab_install_stubs():
    """Inert stand-ins for the imports API-Bank makes that the kernel image lacks (none is used by a
    level-1 check); a real package, when installed, is used instead. Returns the names stubbed."""
    import importlib

    stubbed = []

    def missing(name):
        try:
            importlib.import_module(name)
            return False
        except Exception:
            stubbed.append(name)
            return True

    if missing("sentence_transformers"):  # apis/tool_search.py (ToolSearcher; level-2 only)
        fail = _ab_unavailable("sentence_transformers")
        _ab_stub_module("sentence_transformers", SentenceTransformer=fail, util=_ab_types.SimpleNamespace(cos_sim=fail))
    if missing("rank_bm25"):  # apis/search_engine.py builds its index at init; scoring it fails
        class BM25Okapi:
            def __init__(self, corpus, *args, **kwargs):
                self.corpus = corpus

            get_scores = _ab_unavailable("rank_bm25")

        _ab_stub_module("rank_bm25", BM25Okapi=BM25Okapi)
    if missing("nltk"):  # apis/search_engine.py
        tok = _ab_stub_module("nltk.tokenize", word_tokenize=_ab_unavailable("nltk.word_tokenize"))
        _ab_stub_module("nltk", tokenize=tok, download=_ab_unavailable("nltk.download"))
    if missing("googletrans"):  # apis/translate.py: a web service
        class Translator:
            def __init__(self, *args, **kwargs):
                pass

            translate = _ab_unavailable("googletrans (Google Translate)")
            detect = _ab_unavailable("googletrans (Google Translate)")

        _ab_stub_module("googletrans", Translator=Translator, LANGUAGES={})
    if missing("requests"):  # apis/dictionary.py: a web service
        class RequestException(IOError):
            pass

        class ConnectionError(RequestException):
            pass

        def offline(*args, **kwargs):
            raise ConnectionError("no network in the codeact sandbox (requests is an inert stand-in)")

        exc = _ab_stub_module("requests.exceptions", RequestException=RequestException, ConnectionError=ConnectionError)
        _ab_stub_module("requests", get=offline, post=offline, request=offline, exceptions=exc, RequestException=RequestException, ConnectionError=ConnectionError)
    if missing("rouge"):  # code-act's evaluator imports it for the dialog test, which is not run
        class Rouge:
            get_scores = _ab_unavailable("rouge")

        _ab_stub_module("rouge", Rouge=Rouge)
    return stubbed


def _ab_readonly(root):
    # Nothing an API does may outlive its item: the copied files are read-only to the kernel.
    for d, dirs, files in _ab_os.walk(root):
        for f in files:
            _ab_os.chmod(_ab_os.path.join(d, f), 0o444)
        _ab_os.chmod(d, 0o555)


def _ab_load(root):
    """Imports API-Bank from `root` (written there by the prelude); prints what was stubbed."""
    _ab_sys.dont_write_bytecode = True
    root = _ab_os.path.abspath(root)
    _ab_readonly(root)
    _AB["stubs"] = _ab_install_stubs()
    _AB["root"] = root
    _ab_sys.path.insert(0, root)
    with _ab_here():
        import tool_manager  # noqa: F401  (imports apis.tool_search, hence the stubs)
    # The checker only calls check_api_call_correctness, which keeps no state (each one reads its
    # arguments and, at most, a date-format helper): one ToolManager serves every check.
    _AB["checker"] = _ab_manager()
    return _AB["stubs"]


@_ab_ctx.contextmanager
def _ab_here():
    # ToolManager reads ./apis and ./init_database from the working directory, as run.sh runs it.
    before = _ab_os.getcwd()
    _ab_os.chdir(_AB["root"])
    try:
        with _ab_ctx.redirect_stdout(_ab_io.StringIO()):
            yield
    finally:
        _ab_os.chdir(before)


def _ab_manager():
    import tool_manager

    with _ab_here():
        return tool_manager.ToolManager()


def _ab_in(b64):
    return _ab_json.loads(_ab_b64.b64decode(b64).decode("utf-8"))


def _ab_out(value):
    print(_ab_json.dumps(value))


# --- rendering a call in a format (upstream's convert_api_call_to_*_as_action) ---


def _ab_render(fmt, name, params):
    if fmt == "json":
        d = {"action": name}
        d.update(params)
        return "[" + _ab_json.dumps(d) + "]"
    # Upstream appends "k: v, " (or "k='v', ") per parameter and then drops the last two characters,
    # so a call without parameters loses two of its own: GetToday renders as "[GetToda)]" in the
    # code format. Kept: it is what the model is shown and what the gold call scores.
    if fmt == "text":
        s = "Action: %s, " % name + "".join("%s: %s, " % (k, v) for k, v in params.items())
        return "[" + s[:-2] + "]"
    if fmt == "code":
        s = "%s(" % name + "".join("%s='%s', " % (k, v) for k, v in params.items())
        return "[" + s[:-2] + ")]"
    raise ValueError("unknown format %r" % fmt)


def _ab_messages(fmt, payload_b64):
    """The item's messages: the system prompt with the format's guide and the APIs' descriptions,
    then the history (API lines in the format, each with its `Response: <output>`), consecutive
    assistant messages joined by a newline."""
    p = _ab_in(payload_b64)
    desc = _AB["desc"]
    for name in p["apis"]:
        if name not in desc:
            desc[name] = _AB["checker"].get_api_description(name)
    messages = [{"role": "system", "content": p["system"] + "\n".join(desc[n] for n in p["apis"])}]
    for raw in p["history"]:
        # Each line as the dialogue file has it, parsed here, so numbers and key order are Python's.
        line = _ab_json.loads(raw)
        role = line["role"]
        if role == "User":
            messages.append({"role": "user", "content": line["text"]})
        elif role == "AI":
            messages.append({"role": "assistant", "content": line["text"]})
        elif role == "API":
            messages.append({"role": "assistant", "content": _ab_render(fmt, line["api_name"], line["param_dict"])})
            messages.append({"role": "user", "content": "Response: %s" % (line["result"]["output"],)})
        else:
            raise ValueError("Invalid chat role: %r" % role)
    merged = []
    for m in messages:
        if m["role"] == "assistant" and merged and merged[-1]["role"] == "assistant":
            merged[-1]["content"] += "\n" + m["content"]
        else:
            merged.append(m)
    _ab_out(merged)


# --- parsing a reply (upstream's get_api_call and parse_*_as_action) ---


class _AbParseError(Exception):
    pass


_AB_NO_ACTION = "No valid action found in text"


def _ab_parse(fmt, text):
    if fmt == "code":
        m = _ab_re.search(r"\[(\w+)\((.*)\)\]", text, _ab_re.MULTILINE)
        if not m:
            raise _AbParseError(_AB_NO_ACTION)
        params = {}
        pairs = r"(\w+)\s*=\s*['\"](.+?)['\"]|(\w+)\s*=\s*(\[.*\])|(\w+)\s*=\s*(\w+)"
        for p in _ab_re.finditer(pairs, m.group(2)):
            if p.group(1):
                params[p.group(1)] = p.group(2)
            elif p.group(3):
                params[p.group(3)] = p.group(4)
            elif p.group(5):
                params[p.group(5)] = p.group(6)
        return m.group(1), params
    if fmt == "json":
        m = _ab_re.search(r"\[(\{.*\})\]", text, _ab_re.MULTILINE)
        if not m:
            raise _AbParseError(_AB_NO_ACTION)
        try:
            d = _ab_json.loads(m.group(1))
        except Exception:
            raise _AbParseError(_AB_NO_ACTION)
        if "action" not in d:
            raise _AbParseError('No valid action found. You should provide the action name with key "action" in json.')
        name = d.pop("action")
        return name, d
    if fmt == "text":
        m = _ab_re.search(r"\[Action:\s*(\w+),\s*(.*)\]", text, _ab_re.MULTILINE)
        if not m:
            raise _AbParseError(_AB_NO_ACTION)
        params = {}
        for p in _ab_re.finditer(r"(\w+):\s*([^,]+)", m.group(2)):
            params[p.group(1)] = p.group(2).strip('"').strip("'").strip()
        return m.group(1), params
    raise ValueError("unknown format %r" % fmt)


# --- carrying a result from the task kernel to the judge, types kept (no pickle: untrusted) ---


def _ab_enc(v, depth=0):
    t = type(v)
    if v is None or t in (bool, int, str):
        return v
    if t is float:
        return {"f": repr(v)}
    if depth > 50:
        return {"o": ["deep", ""]}
    if t is list:
        return {"l": [_ab_enc(x, depth + 1) for x in v]}
    if t is tuple:
        return {"t": [_ab_enc(x, depth + 1) for x in v]}
    if t is dict:
        return {"d": [[_ab_enc(k, depth + 1), _ab_enc(x, depth + 1)] for k, x in v.items()]}
    if t in (set, frozenset):
        return {"s": [_ab_enc(x, depth + 1) for x in v], "frozen": t is frozenset}
    return {"o": [t.__module__ + "." + t.__qualname__, repr(v)[:2000]]}


class _AbOpaque:
    """A value of another type (a datetime, say), kept as its type and repr: equal only to the same."""

    def __init__(self, kind, text):
        self.kind, self.text = kind, text

    def __eq__(self, other):
        return isinstance(other, _AbOpaque) and (self.kind, self.text) == (other.kind, other.text)

    def __hash__(self):
        return hash((self.kind, self.text))

    def __repr__(self):
        return self.text


def _ab_dec(v):
    if not isinstance(v, dict):
        return v
    if "f" in v:
        return float(v["f"])
    if "l" in v:
        return [_ab_dec(x) for x in v["l"]]
    if "t" in v:
        return tuple(_ab_dec(x) for x in v["t"])
    if "d" in v:
        return {_ab_dec(k): _ab_dec(x) for k, x in v["d"]}
    if "s" in v:
        s = {_ab_dec(x) for x in v["s"]}
        return frozenset(s) if v.get("frozen") else s
    return _AbOpaque(*v["o"])


def _ab_short(v, n=500):
    s = v if isinstance(v, str) else repr(v)
    return s if len(s) <= n else s[:n] + "..."


# --- one item: the call (task kernel), the check (judge) ---


def _ab_run_call(fmt, reply):
    m = _ab_re.search(r"\[(.*)\]", reply)
    if not m:
        return {"stage": "no_call", "detail": "No API call found"}
    try:
        name, params = _ab_parse(fmt, m.group(0))
    except _AbParseError as e:
        return {"stage": "parse", "detail": str(e)}
    out = {"name": _ab_enc(name), "params": _ab_enc(params)}
    try:
        manager = _ab_manager()  # fresh: no state from earlier calls, databases as shipped
        with _ab_here():
            result = manager.api_call(name, **params)
    except Exception as e:
        out.update(stage="api_error", detail="%s: %s" % (type(e).__name__, _ab_short(str(e))))
        return out
    out.update(stage="called", result=_ab_enc(result), detail=_ab_short(result))
    return out


def _ab_call(fmt, reply_b64):
    _ab_out(_ab_run_call(fmt, _ab_b64.b64decode(reply_b64).decode("utf-8")))


def _ab_verdict(gold, call):
    name = gold["api_name"]
    network = name in _AB_NETWORK
    v = {"correct": False, "reason": call["stage"], "detail": call.get("detail", ""), "network": network}
    if call["stage"] in ("no_call", "parse"):
        return v
    called = _ab_dec(call["name"])
    if called != name:
        v.update(reason="name_mismatch", detail="API Name Mismatch: %s vs %s" % (_ab_short(called), name))
        return v
    if call["stage"] != "called":
        return v
    api = _AB["checker"].init_tool(name)
    try:
        ok = api.check_api_call_correctness(_ab_dec(call["result"]), gold["result"])
    except KeyError as e:
        v.update(reason="check_keyerror", detail="KeyError %s" % _ab_short(str(e)))
        return v
    except AssertionError as e:
        # Upstream counts its "The API name is not correct." assertion as wrong and stops on others.
        v.update(reason="check_assert", detail="AssertionError: %s" % _ab_short(str(e)))
        return v
    except Exception as e:
        v.update(reason="check_error", detail="%s: %s" % (type(e).__name__, _ab_short(str(e))))
        return v
    v.update(correct=bool(ok), reason="correct" if ok else "check_failed")
    return v


def _ab_gold(gold_b64):
    # The gold line as the dialogue file has it (its JSON text, parsed here as upstream parses it).
    return _ab_in(gold_b64)


def _ab_check(gold_b64, call_b64):
    _ab_out(_ab_verdict(_ab_gold(gold_b64), _ab_in(call_b64)))


def _ab_gold_reply(fmt, gold_b64):
    """The oracle's reply: the gold call in the format, as upstream renders a call in the history."""
    g = _ab_gold(gold_b64)
    _ab_out({"reply": _ab_render(fmt, g["api_name"], g["param_dict"])})


def _ab_ceiling(fmt, gold_b64):
    """The benchmark's ceiling for one item: the gold call, rendered, parsed, run and checked."""
    g = _ab_gold(gold_b64)
    call = _ab_run_call(fmt, _ab_render(fmt, g["api_name"], g["param_dict"]))
    # Through the same JSON the task kernel's result travels in, so both paths compare alike.
    call = _ab_json.loads(_ab_json.dumps(call))
    _ab_out(_ab_verdict(g, call))
