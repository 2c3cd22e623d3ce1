# listing(root, limit): the regular files under root, found without following symlinks (a
# symlinked folder is not entered, a symlinked file not listed), as base64(JSON).
import os, stat, json, base64
def _walk(root, limit):
    out = []
    try:
        if not stat.S_ISDIR(os.lstat(root).st_mode):
            return out
    except OSError:
        return out
    stack = ['']
    while stack and len(out) < limit:
        rel = stack.pop()
        try:
            with os.scandir(os.path.join(root, rel) if rel else root) as it:
                entries = list(it)
        except OSError:
            continue
        for e in entries:
            r = rel + '/' + e.name if rel else e.name
            try:
                s = e.stat(follow_symlinks=False)
            except OSError:
                continue
            if stat.S_ISDIR(s.st_mode):
                stack.append(r)
            elif stat.S_ISREG(s.st_mode) and len(out) < limit:
                out.append([r, s.st_size, s.st_mtime_ns / 1e6])
    return out
def listing(root, limit):
    # A relative root is the kernel's first working folder (set by the prelude), not wherever a cell chdir'ed to.
    root = os.path.join(os.environ.get('CODEACT_WORKDIR') or os.getcwd(), root)
    return base64.b64encode(json.dumps(_walk(root, limit)).encode()).decode()
