"""Test scenario: a process actor fork()s a child that listens on a plain socket and sleeps; the
actor then waits in accept(). Stop (or the end of the run) must leave neither behind."""

import os
import signal
import socket as plain

from socketscope.api import AF_INET, SOCK_STREAM, actor, socket


def _ns(kind):
    try:
        return os.readlink(f"/proc/self/ns/{kind}")
    except OSError:
        return "?"


@actor("Forker", process=True)
def forker(port):
    r, w = os.pipe()
    if os.fork() == 0:
        s = plain.socket()
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        # the pid as this process sees it, and the namespaces that say where it lives: the
        # test looks for them from outside
        line = f"CHILD-LISTEN {os.getpid()} {s.getsockname()[1]} {_ns('pid')} {_ns('net')}\n"
        os.write(1, line.encode())  # one write: whoever reads the pipe gets a whole line
        os.write(w, b"x")
        signal.pause()  # holds its LISTEN socket until the run's end kills it
        os._exit(0)
    os.close(w)
    os.read(r, 1)  # the child listens
    lst = socket(AF_INET, SOCK_STREAM)
    lst.bind(("127.0.0.1", port))
    lst.listen(1)
    lst.accept()  # nobody connects: the run goes on until it is stopped


ID = "test-process-forks"
TITLE = {"en": "a process actor forks", "ko": "프로세스 액터가 fork"}
SUMMARY = {"en": "test", "ko": "테스트"}
