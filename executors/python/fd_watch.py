# What is written to fd 1/2 (os.write, subprocesses, C extensions) reaches the cell through a pipe
# that ipykernel reads in a watcher thread. Older ipykernels (6.17, Debian's) decode each 1000-byte
# read strictly: invalid UTF-8, or one character split across two reads, raises and ends the thread
# for good. Then that output is lost, every cell waits for a pipe nobody drains, and a subprocess
# blocks once the pipe is full. Runs once per kernel start, before any user code and before the
# output guard (which looks the watchers up): each stream's watcher is replaced by one that decodes
# incrementally with replacement and survives anything a write does.
def _codeact_replace_fd_watchers():
    import codecs
    import os
    import select
    import sys
    import threading

    def forward_one(stream, fid, copy, decoder):
        try:
            data = os.read(fid, 8192)
        except InterruptedError:
            return True
        except OSError:
            return False
        if not data:
            return False
        try:
            text = decoder.decode(data)
            if text:
                stream.write(text)
        except Exception:
            pass  # a broken write loses this chunk, never the watcher
        if copy is not None:
            try:
                os.write(copy, data)
            except OSError:
                pass
        return getattr(stream, "_should_watch", True)

    def forward(stream, fid, copy):
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        while True:
            # Wait without reading, then say "busy" before taking bytes out of the pipe: whoever
            # waits for a cell's fd output to be forwarded (the output guard, at the end of a
            # cell) sees either bytes still in the pipe or this flag, never a gap between the two.
            try:
                select.select([fid], [], [])
            except InterruptedError:
                continue
            except (OSError, ValueError):
                break
            stream._codeact_fd_busy = True
            try:
                if not forward_one(stream, fid, copy, decoder):
                    break
            finally:
                stream._codeact_fd_busy = False
        try:
            rest = decoder.decode(b"", final=True)
            if rest:
                stream.write(rest)
        except Exception:
            pass

    for stream, fd in ((sys.stdout, 1), (sys.stderr, 2)):
        old = getattr(stream, "watch_fd_thread", None)
        fid = getattr(stream, "_fid", None)
        if old is None or fid is None or not hasattr(stream, "_should_watch"):
            continue  # this ipykernel does not watch the fd (or not this way): nothing to fix
        if old.is_alive():
            # The old watcher checks the flag after each read: one byte wakes it and it stops,
            # dropping only that byte. Nothing else writes to the fd yet.
            stream._should_watch = False
            os.write(fd, b"\n")
            old.join(2)
            if old.is_alive():
                stream._should_watch = True
                continue  # it did not stop: keep it rather than have two readers
        stream._should_watch = True
        stream._exc = None
        watcher = threading.Thread(
            target=forward,
            args=(stream, fid, getattr(stream, "_original_stdstream_copy", None)),
            name="codeact-fd-watch-%d" % fd,
            daemon=True,
        )
        watcher.start()
        stream.watch_fd_thread = watcher


_codeact_replace_fd_watchers()
del _codeact_replace_fd_watchers
