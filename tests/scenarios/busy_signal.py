"""Test scenario: signals arriving while a process actor is busy making calls."""

import sys

from socketscope.api import (
    AF_INET,
    SIGTERM,
    SIGUSR1,
    SO_RCVBUF,
    SO_SNDBUF,
    SOCK_STREAM,
    SOL_SOCKET,
    actor,
    kill,
    signal,
    socket,
    wait_until,
)

ID = "test-busy-signal"
TITLE = {"en": "busy signal", "ko": "바쁠 때 시그널"}
SUMMARY = {"en": "test", "ko": "테스트"}
got = []


@actor("Busy", process=True)
def busy():
    s = socket(AF_INET, SOCK_STREAM)
    signal(SIGUSR1, lambda signum, frame: got.append(signum))

    def done(signum, frame):
        s.close()
        sys.exit(0)

    signal(SIGTERM, done)
    said = False
    while True:
        s.getsockopt(SOL_SOCKET, SO_RCVBUF)
        if got and not said:
            # tells the Sender that a SIGUSR1 handler has run (see below)
            s.setsockopt(SOL_SOCKET, SO_SNDBUF, 1 << 16)
            said = True


@actor("Sender", starts_when=("Busy", "getsockopt", "returned"))
def sender():
    for _ in range(20):
        kill("Busy", SIGUSR1)
    # Python runs a handler at its next bytecode check, and a later signal's handler can pre-empt
    # an earlier one's: a SIGTERM sent at once could exit from inside the first SIGUSR1 handler
    # before it ran (seen under load). So SIGTERM waits until a SIGUSR1 handler has run.
    wait_until("Busy", "setsockopt", returned=True)
    kill("Busy", SIGTERM)
    wait_until("Busy")
