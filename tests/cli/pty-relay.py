"""Runs a command on a real pseudo-terminal and relays it: our stdin goes to the terminal as typed
keys, everything the program writes to the terminal comes out on our stdout. Exits with its status.

Tests use it to drive the CLI as a person at a terminal would (isTTY true on stdin, stdout, stderr),
which piped input cannot show: raw mode, paused streams, hidden cursors."""
import os
import pty
import select
import struct
import sys
import fcntl
import termios

pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])

fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
stdin_open = True
while True:
    readers = [fd] + ([0] if stdin_open else [])
    ready, _, _ = select.select(readers, [], [])
    if fd in ready:
        try:
            data = os.read(fd, 65536)
        except OSError:  # EIO: the program closed the terminal (it exited)
            data = b""
        if not data:
            break
        os.write(1, data)
    if 0 in ready:
        data = os.read(0, 65536)
        if data:
            os.write(fd, data)
        else:
            stdin_open = False
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status) if hasattr(os, "waitstatus_to_exitcode") else status >> 8)
