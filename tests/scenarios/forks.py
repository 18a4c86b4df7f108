"""Test scenario: an actor fork()s; the child listens on a plain socket and blocks in accept()
for ever, and a grandchild whose parent exits does the same. Nothing of either may outlive the
run."""

import os
import socket as plain

from socketscope.api import actor, wait_until


def _ns(kind):
    """The namespace this process lives in, e.g. "pid:[4026532]": with a PID namespace of the
    run's own, the pid it sees is not the one outside, and the test looks for it from there."""
    try:
        return os.readlink(f"/proc/self/ns/{kind}")
    except OSError:
        return "?"


def listen_forever(ready):
    s = plain.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    line = f"CHILD-LISTEN {os.getpid()} {s.getsockname()[1]} {_ns('pid')} {_ns('net')}\n".encode()
    os.write(1, line)  # one write: the CLI's log shares the pipe
    os.write(ready, line)
    s.accept()


@actor("Forker")
def forker():
    r, w = os.pipe()
    if os.fork() == 0:
        listen_forever(w)
        os._exit(0)
    if os.fork() == 0:
        if os.fork() == 0:  # an orphan: its parent exits at once
            listen_forever(w)
        os._exit(0)
    os.close(w)
    with os.fdopen(r, "rb") as ready:  # the run goes on once both are listening
        ready.readline()
        ready.readline()


@actor("Waiter")
def waiter():
    wait_until("Forker")


ID = "test-forks"
TITLE = {"en": "forks", "ko": "fork"}
SUMMARY = {"en": "test", "ko": "테스트"}
