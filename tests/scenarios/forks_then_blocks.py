"""Test scenario: an actor fork()s a child that listens on a plain socket for ever, then blocks
in a traced accept(), so that Stop ends the run in order while the child still listens."""

import os
import socket as plain

from socketscope.api import AF_INET, SOCK_STREAM, actor, socket


@actor("Forker")
def forker():
    r, w = os.pipe()
    if os.fork() == 0:
        s = plain.socket()
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        os.write(w, b"listening\n")
        s.accept()
        os._exit(0)
    os.close(w)
    with os.fdopen(r, "rb") as ready:  # the child listens before the accept below
        ready.readline()
    lst = socket(AF_INET, SOCK_STREAM)
    lst.bind(("127.0.0.1", 0))
    lst.listen(1)
    lst.accept()  # for ever: only Stop ends it


ID = "test-forks-then-blocks"
TITLE = {"en": "forks, then blocks", "ko": "fork 후 대기"}
SUMMARY = {"en": "test", "ko": "테스트"}
