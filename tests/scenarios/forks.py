"""Test scenario: an actor fork()s; the child listens on a plain socket and blocks in accept()
for ever, and a grandchild whose parent exits does the same. Nothing of either may outlive the
run."""

import os
import socket as plain

from socketscope.api import actor, wait_until


def listen_forever():
    s = plain.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    os.write(1, f"CHILD-LISTEN {os.getpid()} {s.getsockname()[1]}\n".encode())  # one write
    s.accept()


@actor("Forker")
def forker():
    if os.fork() == 0:
        listen_forever()
        os._exit(0)
    if os.fork() == 0:
        if os.fork() == 0:  # an orphan: its parent exits at once
            listen_forever()
        os._exit(0)


@actor("Waiter")
def waiter():
    wait_until("Forker")


ID = "test-forks"
TITLE = {"en": "forks", "ko": "fork"}
SUMMARY = {"en": "test", "ko": "테스트"}
