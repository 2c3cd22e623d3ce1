# Bounds what one cell can send to the host. Runs once per kernel start, before any user code.
# The host keeps only a head and a tail of each stream anyway; cutting here as well means a cell
# that prints 100 MB never puts 100 MB on the wire or in the host's memory.
def _codeact_install_output_guard(head_limit, tail_limit):
    import collections
    import sys

    class _Guard:
        def __init__(self, stream):
            self.stream = stream
            self.raw_write = stream.write
            self.reset()

        def reset(self, *_):
            self.sent = 0
            self.tail = collections.deque()
            self.tail_len = 0
            self.dropped = 0

        def write(self, text):
            if not isinstance(text, str):
                return self.raw_write(text)  # let the stream raise its own TypeError
            size = len(text)
            if self.sent < head_limit:
                part = text[: head_limit - self.sent]
                self.sent += len(part)
                self.raw_write(part)
                text = text[len(part):]
                if not text:
                    return size
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
            return size

        def finish(self, *_):
            if self.dropped:
                self.raw_write("\n... [%d characters truncated in the sandbox] ...\n" % self.dropped)
            if self.tail:
                self.raw_write("".join(self.tail))
            self.reset()

    guards = [_Guard(sys.stdout), _Guard(sys.stderr)]
    for guard in guards:
        guard.stream.write = guard.write
        get_ipython().events.register("pre_run_cell", guard.reset)
        get_ipython().events.register("post_run_cell", guard.finish)


_codeact_install_output_guard(__HEAD_LIMIT__, __TAIL_LIMIT__)
del _codeact_install_output_guard
