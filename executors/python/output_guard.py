# Bounds what one cell can send to the host and keeps it readable. Runs once per kernel start,
# before any user code. It covers every path honest code takes (print, sys.stdout.write,
# type(sys.stdout).write, fd 1 via ipykernel's pipe watcher, display, errors): a cell that prints
# 100 MB never puts 100 MB on the wire. Code that crafts messages on the sockets itself gets past
# it, which is why the host bounds message size and per-cell output again on its side.
def _codeact_install_output_guard(head_limit, tail_limit, max_message_bytes):
    import collections
    import fcntl
    import struct
    import sys
    import termios
    import threading
    import time

    from ipykernel.iostream import OutStream

    shell = get_ipython()
    kernel = shell.kernel

    # --- Every message: well-formed text, bounded size (Session.pack is what all sends go through).
    def well_formed(text):
        # A lone surrogate ('\ud800') cannot be encoded as UTF-8: the whole message carrying it
        # would be lost. Valid pairs are joined, lone halves become U+FFFD.
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")

    def scrub(obj):
        if isinstance(obj, str):
            return well_formed(obj)
        if isinstance(obj, dict):
            return {scrub(k): scrub(v) for k, v in obj.items()}
        if isinstance(obj, (list, tuple)):
            return [scrub(v) for v in obj]
        return obj

    text_limit = head_limit + tail_limit

    def shrink(obj, key=None):
        if isinstance(obj, str):
            if len(obj) <= text_limit:
                return obj
            # Room for the marker within the limit, so the host keeps the text as it is.
            head, tail = max(head_limit - 100, 1), max(tail_limit - 100, 1)
            return "%s\n... [%d characters truncated in the sandbox] ...\n%s" % (obj[:head], len(obj) - head - tail, obj[-tail:])
        if isinstance(obj, dict):
            # A cut image is a broken image: oversized ones are dropped instead.
            return {
                k: shrink(v, k)
                for k, v in obj.items()
                if not (isinstance(k, str) and k.startswith("image/") and isinstance(v, str) and len(v) > text_limit)
            }
        if isinstance(obj, (list, tuple)):
            if len(obj) > 200:
                obj = list(obj[:100]) + ["... [%d items truncated in the sandbox] ..." % (len(obj) - 200)] + list(obj[-100:])
            return [shrink(v) for v in obj]
        return obj

    def guard_pack(pack):
        def safe_pack(obj):
            try:
                packed = pack(obj)
            except UnicodeEncodeError:
                obj = scrub(obj)
                packed = pack(obj)
            if len(packed) > max_message_bytes:
                packed = pack(shrink(obj))
            return packed

        return safe_pack

    sessions = {}
    for owner in (kernel, sys.stdout, sys.stderr, shell.display_pub, shell.displayhook):
        session = getattr(owner, "session", None)
        if session is not None:
            sessions[id(session)] = session
    for session in sessions.values():
        session.pack = guard_pack(session.pack)

    # --- Output of threads that outlive their cell: labelled, never passed off as a later cell's.
    state = {"cell": 0, "running": False}
    main_thread = threading.main_thread()
    kernel_threads = {t.ident for t in threading.enumerate()}  # ipykernel's own (iopub, fd watchers…)
    # The threads that forward what is written to fd 1/2 (os.write, subprocesses): whose output
    # it is cannot be known, only whether a cell was running when it arrived.
    fd_watchers = {getattr(getattr(s, "watch_fd_thread", None), "ident", None) for s in (sys.stdout, sys.stderr)} - {None}
    label = "[output from a background thread or process started by an earlier cell] "
    line_start = {}
    thread_start = threading.Thread.start

    def start(self, *args, **kwargs):
        self._codeact_cell = state["cell"]
        return thread_start(self, *args, **kwargs)

    threading.Thread.start = start

    def from_background():
        thread = threading.current_thread()
        if thread.ident in fd_watchers:
            return not state["running"]
        if thread is main_thread or thread.ident in kernel_threads:
            return False
        born = getattr(thread, "_codeact_cell", None)
        if born is None:  # a thread not started through threading.Thread
            born = state["cell"] if state["running"] else -1
            try:
                thread._codeact_cell = born
            except Exception:
                pass
        return not state["running"] or born != state["cell"]

    def labelled(name, text):
        key = (threading.get_ident(), name)
        if len(line_start) > 1000:
            line_start.clear()
        body = text[:-1].replace("\n", "\n" + label) + text[-1:]
        if line_start.get(key, True):
            body = label + body
        line_start[key] = text.endswith("\n")
        return body

    # --- Streams: head and tail of each, per cell, whatever path the text took into the stream.
    raw_write = OutStream.write

    class _Guard:
        def __init__(self, stream):
            self.stream = stream
            self.lock = threading.RLock()
            self.reset()

        def reset(self, *_):
            self.sent = 0
            self.tail = collections.deque()
            self.tail_len = 0
            self.dropped = 0

        def write(self, stream, text):
            with self.lock:
                self.stream = stream
                if self.sent < head_limit:
                    part = text[: head_limit - self.sent]
                    self.sent += len(part)
                    raw_write(stream, part)
                    text = text[len(part):]
                    if not text:
                        return
                self.tail.append(text)
                self.tail_len += len(text)
                while self.tail_len > tail_limit:
                    first = self.tail[0]
                    excess = self.tail_len - tail_limit
                    if len(first) <= excess:
                        self.tail.popleft()
                        self.tail_len -= len(first)
                        self.dropped += len(first)
                    else:
                        self.tail[0] = first[excess:]
                        self.tail_len -= excess
                        self.dropped += excess

        def finish(self, *_):
            with self.lock:
                if self.dropped:
                    raw_write(self.stream, "\n... [%d characters truncated in the sandbox] ...\n" % self.dropped)
                if self.tail:
                    raw_write(self.stream, "".join(self.tail))
                self.reset()

    guards = {"stdout": _Guard(sys.stdout), "stderr": _Guard(sys.stderr)}

    def write(self, text):
        guard = guards.get(getattr(self, "name", None)) if isinstance(text, str) else None
        if guard is None:
            return raw_write(self, text)  # let the stream raise its own TypeError
        size = len(text)
        if text and from_background():
            text = labelled(self.name, text)
        guard.write(self, text)
        return size

    OutStream.write = write

    def pre_run_cell(*_):
        state["cell"] += 1
        state["running"] = True
        for guard in guards.values():
            guard.reset()

    def drain_fd_pipes():
        # What the cell wrote to fd 1/2 is still in ipykernel's pipe (up to 64 KB: a writer blocks
        # when it is full) or in the watcher's hands (read, not yet written to the stream, which
        # fd_watch flags): let the watcher forward it while it is still this cell's output.
        deadline = time.monotonic() + 2
        for stream in (sys.stdout, sys.stderr):
            fid = getattr(stream, "_fid", None)
            if fid is None:
                continue
            try:
                while time.monotonic() < deadline:
                    pending = struct.unpack("i", fcntl.ioctl(fid, termios.FIONREAD, b"\0\0\0\0"))[0]
                    if pending <= 0 and not getattr(stream, "_codeact_fd_busy", False):
                        break
                    time.sleep(0.002)
            except OSError:
                pass

    def post_run_cell(*_):
        drain_fd_pipes()
        state["running"] = False
        for guard in guards.values():
            guard.finish()

    shell.events.register("pre_run_cell", pre_run_cell)
    shell.events.register("post_run_cell", post_run_cell)


_codeact_install_output_guard(__HEAD_LIMIT__, __TAIL_LIMIT__, __MAX_MESSAGE_BYTES__)
del _codeact_install_output_guard
