"""Test scenario: an actor fork()s a child that listens for ever, then spins without a socket
call, so that Stop must kill the run host: the child must die with it."""

import os
import socket as plain

from socketscope.api import actor


def _ns(kind):
    """The namespace this process lives in, e.g. "pid:[4026532]": with a PID namespace of the
    run's own, the pid it sees is not the one outside, and the test looks for it from there."""
    try:
        return os.readlink(f"/proc/self/ns/{kind}")
    except OSError:
        return "?"


@actor("Forker")
def forker():
    if os.fork() == 0:
        s = plain.socket()
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        line = f"CHILD-LISTEN {os.getpid()} {s.getsockname()[1]} {_ns('pid')} {_ns('net')}\n"
        os.write(1, line.encode())  # one write
        s.accept()
        os._exit(0)
    n = 0
    while n >= 0:  # never false: only killing the process ends it
        n += 1


ID = "test-forks-and-spins"
TITLE = {"en": "forks and spins", "ko": "fork 후 돎"}
SUMMARY = {"en": "test", "ko": "테스트"}
